"""Differential cases with the ``bearer`` plugin on both servers (Better Auth's ``bearer()``, tessera's ``bearer()``).

The plugin adds ``set-auth-token`` (the signed token) and ``access-control-expose-headers`` to every answer that
creates a session, and accepts ``Authorization: Bearer <token>[.<signature>]`` wherever the cookie is.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from conformance_pair import PASSWORD, Pair, Side, open_pair, signed
from conformance_servers import Server, StartBetterAuth, StartTessera

EVIL = "http://evil.example"


@pytest.fixture(scope="session")
def bearer_pair(start_better_auth: StartBetterAuth, start_tessera: StartTessera) -> Iterator[Pair]:
    better_auth: Server = start_better_auth(plugins="bearer")
    with open_pair(better_auth, start_tessera(database="sqlite", plugins="bearer")) as p:
        yield p


def signed_token(s: Side, email: str) -> str:
    """The ``set-auth-token`` value of a fresh sign-in."""
    r = s.post("/sign-in/email", {"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.headers["set-auth-token"]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_sign_up_and_sign_in_expose_the_token(bearer_pair: Pair) -> None:
    email = bearer_pair.email("bearer-new")

    def scenario(s: Side) -> list[httpx.Response]:
        return [
            s.post("/sign-up/email", {"email": email, "password": PASSWORD, "name": "B"}),
            s.post("/sign-in/email", {"email": email, "password": PASSWORD}),
            s.post("/sign-in/email", {"email": email, "password": PASSWORD, "rememberMe": False}),
            s.post("/sign-in/email", {"email": email, "password": "wrong-password-1"}),
        ]

    bearer_pair.check("bearer: sign-up/sign-in headers", scenario)


def test_get_session_with_bearer(bearer_pair: Pair) -> None:
    alice = bearer_pair.email("alice")

    def scenario(s: Side) -> list[httpx.Response]:
        token = signed_token(s, alice)
        bare = token.split(".")[0]
        unknown = signed("Z" * 32).replace("%2F", "/").replace("%2B", "+").replace("%3D", "=")
        return [
            s.get("/get-session", headers=bearer(token)),
            s.get("/get-session", headers=bearer(bare)),
            s.get("/get-session", headers=bearer(bare + "." + "A" * 43 + "=")),
            s.get("/get-session", headers=bearer("garbage")),
            s.get("/get-session", headers=bearer(unknown)),
            s.get("/get-session", headers={"authorization": "Basic abc"}),
            s.get("/list-sessions", headers=bearer(token)),
        ]

    bearer_pair.check("bearer: get-session", scenario)


def test_bearer_writes_without_origin(bearer_pair: Pair) -> None:
    alice = bearer_pair.email("alice")

    def scenario(s: Side) -> list[httpx.Response]:
        token = signed_token(s, alice)
        return [
            s.post("/update-user", {"name": "Alice Bearer"}, headers=bearer(token)),
            s.post("/update-user", {"name": "Alice Evil"}, headers={**bearer(token), "origin": EVIL}),
            s.send("POST", "/sign-out", headers=bearer(token)),
            s.get("/get-session", headers=bearer(token)),
        ]

    bearer_pair.check("bearer: writes without origin", scenario)


def test_cookie_still_wins_checks_with_bearer_plugin(bearer_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        return [
            s.get("/get-session", jar=s.jars["alice"]),
            s.send("POST", "/sign-out", jar=s.jars["alice"]),
        ]

    bearer_pair.check("bearer: cookie requests", scenario)
