"""Django: the example project end to end through Django's own test clients — WSGI (``Client``) and ASGI
(``AsyncClient``) — with tessera on its event loop thread in both."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tessera import Tessera
from tessera.integrations.portal import portal_for

from ._support import (
    EMAIL,
    EXAMPLES,
    ORIGIN,
    PASSWORD,
    SESSION_COOKIE,
    UNAUTHORIZED,
    Answer,
    test_auth,
    walk_the_example,
)

sys.path.insert(0, str(EXAMPLES / "django"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exampleproject.settings")

import django

django.setup()

from django.test import AsyncClient, Client, override_settings  # noqa: E402


@pytest.fixture
def auth() -> Iterator[Tessera]:
    auth = test_auth()
    with override_settings(TESSERA_AUTH=auth):
        yield auth
    portal_for(auth).close()


def _answer(response: Any) -> Answer:
    headers = {k.lower(): v for k, v in response.items()}
    return Answer(response.status_code, headers, response.content)


def _kwargs(body: Any, headers: dict[str, str]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return kwargs


def has_cookie(client: Client | AsyncClient) -> bool:
    cookie = client.cookies.get(SESSION_COOKIE)
    return cookie is not None and cookie.value != ""


def test_example_project_under_wsgi(auth: Tessera) -> None:
    client = Client()

    def send(method: str, path: str, body: Any, headers: dict[str, str]) -> Answer:
        return _answer(client.generic(method, path, **_kwargs(body, headers)))

    walk_the_example(send, has_cookie=lambda: has_cookie(client))
    assert json.loads(client.get("/me-async").content) == {"email": EMAIL, "async": True}


async def test_example_project_under_asgi(auth: Tessera) -> None:
    client = AsyncClient()
    loop = asyncio.get_running_loop()

    def send(method: str, path: str, body: Any, headers: dict[str, str]) -> Answer:
        # the walk is synchronous: it runs in a worker thread and hands each request to this loop
        request = client.generic(method, path, **_kwargs(body, headers))
        return _answer(asyncio.run_coroutine_threadsafe(request, loop).result())

    await asyncio.to_thread(walk_the_example, send, has_cookie=lambda: has_cookie(client))
    response = await client.get("/me-async")
    assert json.loads(response.content) == {"email": EMAIL, "async": True}


def test_session_required_refuses_or_redirects(auth: Tessera) -> None:
    client = Client()
    refused = client.get("/me-async")
    assert refused.status_code == 401 and json.loads(refused.content) == UNAUTHORIZED
    redirected = client.get("/account?tab=1")
    assert redirected.status_code == 302
    assert redirected["Location"] == "/login?next=/account%3Ftab%3D1"
    client.generic(
        "POST", "/api/auth/sign-up/email",
        **_kwargs({"email": EMAIL, "password": PASSWORD, "name": "A"}, {"origin": ORIGIN}),
    )
    assert client.get("/account").content == b"your account"


def test_handler_answers_errors_and_missing_routes_like_better_auth(auth: Tessera) -> None:
    client = Client()
    wrong = client.generic(
        "POST", "/api/auth/sign-in/email", **_kwargs({"email": EMAIL, "password": "nope-nope-nope"}, {})
    )
    assert wrong.status_code == 401
    assert json.loads(wrong.content) == {"message": "Invalid email or password", "code": "INVALID_EMAIL_OR_PASSWORD"}
    missing = client.get("/api/auth/no-such-endpoint")
    assert missing.status_code == 404 and missing.content == b""
