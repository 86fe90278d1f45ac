"""Litestar: the example app end to end through Litestar's test client, and the guard."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get
from litestar.testing import TestClient

from tessera.integrations.litestar import AuthSession, TesseraPlugin, requires_session

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


def test_example_app_signs_up_serves_protected_and_rendered_pages_and_signs_out() -> None:
    app = load_example("litestar").create_app(test_auth(base_url="http://testserver.local"))
    with TestClient(app) as client:
        walk_the_example(
            sender(client), has_cookie=lambda: SESSION_COOKIE in client.cookies, origin="http://testserver.local"
        )


def test_guard_and_optional_dependency() -> None:
    @get("/guarded", guards=[requires_session])
    async def guarded(auth_session: AuthSession) -> dict[str, Any]:
        assert auth_session is not None
        return {"name": auth_session.user["name"]}

    @get("/maybe")
    async def maybe(auth_session: AuthSession) -> dict[str, Any]:
        return {"signedIn": auth_session is not None}

    auth = test_auth(base_url="http://testserver.local")
    with TestClient(Litestar([guarded, maybe], plugins=[TesseraPlugin(auth)])) as client:
        assert client.get("/maybe").json() == {"signedIn": False}
        refused = client.get("/guarded")
        assert refused.status_code == 401 and refused.json() == UNAUTHORIZED
        client.post("/api/auth/sign-up/email", json={"email": EMAIL, "password": PASSWORD, "name": "Ann"})
        assert client.get("/guarded").json() == {"name": "Ann"}
        assert client.get("/maybe").json() == {"signedIn": True}
