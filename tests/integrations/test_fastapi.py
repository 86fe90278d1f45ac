"""FastAPI: the example app end to end through FastAPI's test client — cookies and bearer tokens."""

from __future__ import annotations

import warnings
from typing import Any

from ._support import EMAIL, PASSWORD, SESSION_COOKIE, UNAUTHORIZED, load_example, sender, test_auth, walk_the_example

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx2
    from fastapi.testclient import TestClient


def app_with_bearer() -> Any:
    from tessera.plugins.bearer import bearer

    return load_example("fastapi").create_app(test_auth(plugins=[bearer()]))


def test_example_app_signs_up_serves_protected_and_rendered_pages_and_signs_out() -> None:
    with TestClient(app_with_bearer()) as client:
        walk_the_example(sender(client), has_cookie=lambda: SESSION_COOKIE in client.cookies)


def test_dependencies_accept_a_bearer_token_and_guard_a_router() -> None:
    app = app_with_bearer()
    with TestClient(app) as browser:
        signed_up = browser.post(
            "/api/auth/sign-up/email", json={"email": EMAIL, "password": PASSWORD, "name": "Alice"}
        )
        token = signed_up.headers["set-auth-token"]
    with TestClient(app) as mobile:  # no cookie jar to speak of: a native app
        assert mobile.get("/members/count").json() == UNAUTHORIZED
        auth_header = {"authorization": f"Bearer {token}"}
        assert mobile.get("/me", headers=auth_header).json()["email"] == EMAIL
        assert mobile.get("/members/count", headers=auth_header).json() == {"members": 1}
        assert mobile.get("/me", headers={"authorization": f"Bearer {token}x"}).status_code == 401


def test_current_session_is_401_with_better_auths_body() -> None:
    with TestClient(app_with_bearer()) as client:
        response = client.get("/me")
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED
