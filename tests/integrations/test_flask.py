"""Flask: the example app end to end through Flask's test client, tessera on its event loop thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from tessera import Tessera, hook
from tessera.db.schema import utcnow

from ._support import (
    EMAIL,
    ORIGIN,
    PASSWORD,
    SESSION_COOKIE,
    UNAUTHORIZED,
    Answer,
    load_example,
    test_auth,
    walk_the_example,
)


@pytest.fixture
def make_app() -> Iterator[Any]:
    made: list[Flask] = []

    def make(auth: Tessera) -> Flask:
        app: Flask = load_example("flask").create_app(auth)
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["tessera"].close()


def sender(client: Any) -> Any:
    def send(method: str, path: str, body: Any, headers: dict[str, str]) -> Answer:
        response = client.open(path, method=method, json=body, headers=headers)
        return Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.data)

    return send


def test_example_app_signs_up_serves_protected_and_rendered_pages_and_signs_out(make_app: Any) -> None:
    client = make_app(test_auth(base_url="http://localhost")).test_client()
    walk_the_example(
        sender(client), has_cookie=lambda: client.get_cookie(SESSION_COOKIE) is not None, origin="http://localhost"
    )


def test_session_required_redirects_and_refresh_cookies_are_forwarded(make_app: Any) -> None:
    now = [utcnow()]
    auth = test_auth(base_url="http://localhost", clock=lambda: now[0], session={"update_age": 60})
    client = make_app(auth).test_client()
    refused = client.get("/me")
    assert refused.status_code == 401 and refused.get_json() == UNAUTHORIZED
    redirected = client.get("/account?tab=1")
    assert redirected.status_code == 302 and redirected.headers["Location"] == "/login?next=/account%3Ftab%3D1"

    client.post(
        "/api/auth/sign-up/email", json={"email": EMAIL, "password": PASSWORD, "name": "A"},
        headers={"origin": "http://localhost"},
    )
    assert client.get("/account").data == b"your account"
    now[0] += timedelta(minutes=5)
    refreshed = client.get("/me")
    assert refreshed.status_code == 200
    assert any(c.startswith(f"{SESSION_COOKIE}=") for c in refreshed.headers.getlist("Set-Cookie"))


def test_one_event_loop_serves_every_thread(make_app: Any) -> None:
    """WSGI servers call from many threads; tessera must stay on its one loop."""
    seen: set[int] = set()

    async def record(ctx: Any) -> None:  # observes the loop every session lookup runs on
        seen.add(id(asyncio.get_running_loop()))

    app = make_app(test_auth(base_url=ORIGIN, hooks={"before": [hook(record, endpoints=["get_session"])]}))

    def browse() -> None:
        app.test_client().get("/")

    threads = [threading.Thread(target=browse) for _ in range(4)]  # like a threaded WSGI server
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 1
