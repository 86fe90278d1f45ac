"""Differential cases with the multi-session plugin on both servers (Better Auth's ``multiSession()``,
tessera's ``multi_session()``): the ``_multi-`` cookies every sign-in sets, listing, switching and revoking a
browser's sessions, sign-out, the cap, and refusals — statuses, body shapes, cookie names and attributes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from conformance_pair import ALLOWED, Pair, Side, jar_from, plugin_pair

SESSION = "better-auth.session_token"
LIST = "/multi-session/list-device-sessions"

_NO_STORE = (
    "tessera marks /multi-session/list-device-sessions answers Cache-Control: no-store (and Pragma: no-cache), "
    "as its /list-sessions: the answer carries the token of every session listed (ASVS v5.0.0-14.3.2); Better "
    "Auth sets neither"
)


def _no_store(*steps: int) -> dict[str, str]:
    return {f"{i}.header:{h}": _NO_STORE for i in steps for h in ("cache-control", "pragma")}


# this module's deliberate differences, kept here rather than in the shared table
ALLOWED.update({
    "multi-session: two accounts in one browser": _no_store(2, 7, 10),
    "multi-session: refusals": _no_store(4),
})


@pytest.fixture(scope="session")
def multi_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "multiSession") as (p, _):
        yield p


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def sign_up(s: Side, email: str, jar: dict[str, str] | None = None) -> httpx.Response:
    r = post(s, "/sign-up/email", {"email": email, "password": "correct-horse-battery", "name": "Multi"}, jar)
    assert r.status_code == 200, r.text
    return r


def token(jar: dict[str, str]) -> str:
    return unquote(jar[SESSION]).rsplit(".", 1)[0]


def test_multi_session_two_accounts(multi_pair: Pair) -> None:
    first, second = multi_pair.email("ms-first"), multi_pair.email("ms-second")

    def scenario(s: Side) -> list[httpx.Response]:
        out = [sign_up(s, first)]
        jar = jar_from(out[0])
        first_token = token(jar)
        out.append(sign_up(s, second, jar))
        jar = jar_from(out[1], jar)
        second_token = token(jar)
        out.append(s.get(LIST, jar=jar))
        out.append(post(s, "/multi-session/set-active", {"sessionToken": first_token}, jar))
        jar = jar_from(out[3], jar)
        out.append(s.get("/get-session", jar=jar))
        out.append(post(s, "/multi-session/revoke", {"sessionToken": second_token}, jar))
        jar = jar_from(out[5], jar)
        out.append(post(s, "/multi-session/set-active", {"sessionToken": second_token}, jar))
        out.append(s.get(LIST, jar=jar))
        out.append(post(s, "/sign-out", None, jar))
        old = jar
        jar = jar_from(out[8], jar)
        out.append(s.get("/get-session", jar=old))  # the revoked session's cookie no longer works
        out.append(s.get(LIST, jar=old))
        return out

    multi_pair.check("multi-session: two accounts in one browser", scenario)


def test_multi_session_revoke_active(multi_pair: Pair) -> None:
    first, second = multi_pair.email("ms-a"), multi_pair.email("ms-b")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = jar_from(sign_up(s, first))
        jar = jar_from(sign_up(s, second, jar), jar)
        out = [post(s, "/multi-session/revoke", {"sessionToken": token(jar)}, jar)]  # the active one: switch
        jar = jar_from(out[0], jar)
        out.append(s.get("/get-session", jar=jar))
        out.append(post(s, "/multi-session/revoke", {"sessionToken": token(jar)}, jar))  # the last: signed out
        return out

    multi_pair.check("multi-session: revoke the active session", scenario)


def test_multi_session_cap(multi_pair: Pair) -> None:
    def scenario(s: Side) -> httpx.Response:
        jar: dict[str, str] = {}
        for i in range(5):
            jar = jar_from(sign_up(s, multi_pair.email(f"ms-cap{i}")), jar)
        return sign_up(s, multi_pair.email("ms-cap5"), jar)  # the sixth: no multi-session cookie

    multi_pair.check("multi-session: cap", scenario)


def test_multi_session_refusals(multi_pair: Pair) -> None:
    email = multi_pair.email("ms-refusals")

    def scenario(s: Side) -> list[httpx.Response]:
        r = sign_up(s, email)
        jar = jar_from(r)
        held = token(jar)
        multi = next(name for name in jar if "_multi-" in name)
        forged = {**jar, multi: held}  # unsigned
        out = [
            post(s, "/multi-session/set-active", {"sessionToken": "x" * 32}, jar),
            post(s, "/multi-session/set-active", {"sessionToken": held}, forged | {SESSION: jar[SESSION]}),
            post(s, "/multi-session/revoke", {"sessionToken": held}),
            post(s, "/multi-session/set-active", {}, jar),
            s.get(LIST),
        ]
        post(s, "/revoke-session", {"token": held}, jar)
        out.append(post(s, "/multi-session/set-active", {"sessionToken": held}, jar))  # held, but revoked
        return out

    multi_pair.check("multi-session: refusals", scenario)
