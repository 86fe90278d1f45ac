"""Starlette: the example app end to end through Starlette's test client, and the pieces it is made of."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tessera.adapters.memory import MemoryAdapter
from tessera.db.schema import utcnow
from tessera.integrations.starlette import install, requires_session

from ._support import (
    EMAIL,
    PASSWORD,
    SESSION_COOKIE,
    UNAUTHORIZED,
    load_example,
    sender,
    test_auth,
    walk_the_example,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx2
    from starlette.testclient import TestClient

def test_example_app_signs_up_serves_protected_and_rendered_pages_and_signs_out() -> None:
    app = load_example("starlette").create_app(test_auth())
    with TestClient(app) as client:
        walk_the_example(sender(client), has_cookie=lambda: SESSION_COOKIE in client.cookies)


class ClosingAdapter(MemoryAdapter):
    closed = False

    async def close(self) -> None:
        self.closed = True


def test_lifespan_starts_and_stops_tessera_with_the_app() -> None:
    adapter = ClosingAdapter()
    app = load_example("starlette").create_app(test_auth(database=adapter))
    with TestClient(app) as client:
        assert client.get("/api/auth/ok").json() == {"ok": True}
        assert not adapter.closed
    assert adapter.closed  # tessera.shutdown ran: background work drained, database closed


def test_a_sliding_refresh_reaches_the_browser_through_the_middleware() -> None:
    now = [utcnow()]
    auth = test_auth(clock=lambda: now[0], session={"update_age": 60})
    app = load_example("starlette").create_app(auth)
    with TestClient(app) as client:
        client.post("/api/auth/sign-up/email", json={"email": EMAIL, "password": PASSWORD, "name": "A"})
        fresh = client.get("/me")
        assert "set-cookie" not in fresh.headers  # nothing to refresh yet
        now[0] += timedelta(minutes=5)
        refreshed = client.get("/me")
        assert refreshed.status_code == 200
        assert refreshed.headers["set-cookie"].startswith(f"{SESSION_COOKIE}=")
        assert "Max-Age=604800" in refreshed.headers["set-cookie"]


def test_requires_session_decorator_guards_an_endpoint() -> None:
    @requires_session
    async def secret(request: Request) -> Response:
        return JSONResponse({"name": request.state.auth_session.user["name"]})

    app = Starlette(routes=[Route("/secret", secret)])
    install(app, test_auth())
    with TestClient(app) as client:
        refused = client.get("/secret")
        assert refused.status_code == 401 and refused.json() == UNAUTHORIZED
        client.post("/api/auth/sign-up/email", json={"email": EMAIL, "password": PASSWORD, "name": "Ann"})
        assert client.get("/secret").json() == {"name": "Ann"}


def test_session_helpers_without_the_middleware_say_what_is_missing() -> None:
    from tessera.integrations.starlette import get_session

    async def view(request: Request) -> Response:
        await get_session(request)
        return Response()

    with TestClient(Starlette(routes=[Route("/", view)])) as client, pytest.raises(RuntimeError, match="install"):
        client.get("/")
