"""Differential cases with the custom-session plugin on both servers (Better Auth's ``customSession()``,
tessera's ``custom_session()``, the same callback on each: the name upper-cased, a ``roles`` list added), with the
multi-session plugin and ``shouldMutateListDeviceSessionsEndpoint``, with and without the cookie cache: what
get-session and list-device-sessions answer, signed in, signed out, and refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import ALLOWED, Pair, Side, jar_from, open_pair, plugin_pair
from conformance_servers import StartBetterAuth, StartTessera

LIST = "/multi-session/list-device-sessions"

_NO_STORE = (
    "tessera marks /multi-session/list-device-sessions answers Cache-Control: no-store (and Pragma: no-cache), "
    "as its /list-sessions (see the multi-session cases); Better Auth sets neither"
)
_POST = (
    "POST /get-session: Better Auth's customSession endpoint replaces get-session with a GET-only route, so a POST "
    "answers 404; tessera keeps the core's answer (405 METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED, or the "
    "customised session when session.defer_session_refresh is on)"
)

_KEY_ORDER = (
    "key order of a session served from the cookie cache (see 'cookie-cache: get-session'): Better Auth hands the "
    "callback the objects that wrote the cache (creation order, id first), tessera its one schema order"
)
_DIFFERENCES = {
    **{f"3.header:{h}": _NO_STORE for h in ("cache-control", "pragma")},
    **{f"5.{aspect}": _POST for aspect in ("status", "body", "header:content-type", "header:cache-control",
                                            "header:pragma")},
}
ALLOWED.update({
    "custom-session: get-session and device sessions": _DIFFERENCES,
    "custom-session: get-session and device sessions (cookie cache)": {**_DIFFERENCES, "1.body": _KEY_ORDER},
})


@pytest.fixture(scope="session")
def custom_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "multiSession,customSession") as (p, _):
        yield p


@pytest.fixture(scope="session")
def custom_cache_pair(start_better_auth: StartBetterAuth, start_tessera: StartTessera) -> Iterator[Pair]:
    """Both servers with the session cookie cache on (compact, 300 s)."""
    plugins = "multiSession,customSession"
    better_auth = start_better_auth(plugins=plugins, cookie_cache=True)
    with open_pair(better_auth, start_tessera(database="sqlite", plugins=plugins, cookie_cache=True)) as p:
        yield p


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


@pytest.mark.parametrize("cache", [False, True], ids=["store", "cookie-cache"])
def test_custom_session(request: pytest.FixtureRequest, cache: bool) -> None:
    pair: Pair = request.getfixturevalue("custom_cache_pair" if cache else "custom_pair")
    first, second = pair.email("cs-first"), pair.email("cs-second")

    def scenario(s: Side) -> list[httpx.Response]:
        credentials = {"password": "correct-horse-battery", "name": "Custom Person"}
        out = [post(s, "/sign-up/email", {"email": first, **credentials})]
        jar = jar_from(out[0])
        out.append(s.get("/get-session", jar=jar))
        out.append(post(s, "/sign-up/email", {"email": second, **credentials}, jar))
        jar = jar_from(out[2], jar)
        out.append(s.get(LIST, jar=jar))
        out.append(s.get("/get-session"))  # no session: null
        out.append(post(s, "/get-session", None, jar))
        out.append(s.get("/get-session", jar=jar, params={"disableCookieCache": "true"}))
        return out

    pair.check("custom-session: get-session and device sessions" + (" (cookie cache)" if cache else ""), scenario)
