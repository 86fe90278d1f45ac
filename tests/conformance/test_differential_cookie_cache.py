"""Differential cases with the session cookie cache on both servers (``session.cookieCache``: compact, 300 s).

A compact ``session_data`` cookie is decoded and compared by shape (key order, value kinds), so a cache written
by one server has the layout the other writes.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from conformance_pair import PASSWORD, Pair, Side, jar_from, open_pair
from conformance_servers import StartBetterAuth, StartTessera


@pytest.fixture(scope="session")
def cache_pair(start_better_auth: StartBetterAuth, start_tessera: StartTessera) -> Iterator[Pair]:
    better_auth = start_better_auth(cookie_cache=True)
    with open_pair(better_auth, start_tessera(database="sqlite", cookie_cache=True)) as p:
        yield p


def test_sign_in_sets_the_cache_cookie(cache_pair: Pair) -> None:
    email = cache_pair.email("cache-signin")

    def scenario(s: Side) -> list[httpx.Response]:
        return [
            s.post("/sign-up/email", {"email": email, "password": PASSWORD, "name": "Cache"}),
            s.post("/sign-in/email", {"email": email, "password": PASSWORD}),
            s.post("/sign-in/email", {"email": email, "password": PASSWORD, "rememberMe": False}),
        ]

    cache_pair.check("cookie-cache: sign-in", scenario)


def test_get_session_from_the_cache_and_from_the_database(cache_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.jars["alice"]
        token_only = {k: v for k, v in jar.items() if k.endswith("session_token")}
        tampered = {**jar, "better-auth.session_data": jar["better-auth.session_data"][:-4] + "AAAA"}
        return [
            s.get("/get-session", jar=jar),
            s.get("/get-session", jar=token_only),
            s.get("/get-session", jar=jar, params={"disableCookieCache": "true"}),
            s.get("/get-session", jar=tampered),
            s.get("/get-session", headers={"cookie": "better-auth.session_data=" + jar["better-auth.session_data"]}),
        ]

    cache_pair.check("cookie-cache: get-session", scenario)


def test_update_user_rewrites_the_cache(cache_pair: Pair) -> None:
    email = cache_pair.email("cache-update")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_up(email, "Before")
        updated = s.post("/update-user", {"name": "After"}, jar=jar, headers={"origin": s.origin})
        return [updated, s.get("/get-session", jar=jar_from(updated, jar))]

    cache_pair.check("cookie-cache: update-user", scenario)


def test_sign_out_clears_the_cache(cache_pair: Pair) -> None:
    email = cache_pair.email("cache-signout")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_up(email, "Out")
        out = s.send("POST", "/sign-out", jar=jar, headers={"origin": s.origin})
        return [out, s.get("/get-session", jar=jar_from(out, jar))]

    cache_pair.check("cookie-cache: sign-out", scenario)


def test_revoked_session_with_a_cached_cookie(cache_pair: Pair) -> None:
    email = cache_pair.email("cache-revoke")

    def scenario(s: Side) -> list[httpx.Response]:
        mine = s.sign_up(email, "Revoker")
        other = s.sign_in(email)
        revoked = s.send("POST", "/revoke-other-sessions", jar=mine, headers={"origin": s.origin})
        return [revoked, s.get("/get-session", jar=other)]

    cache_pair.check("cookie-cache: revoked session", scenario)
