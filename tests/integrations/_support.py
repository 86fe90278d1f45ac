"""What every integration test does: load the example app, and walk it like a browser would."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from tessera import Tessera

from .._helpers import make_auth

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ORIGIN = "http://testserver"
EMAIL = "alice@example.com"
PASSWORD = "correct-horse-battery"
UNAUTHORIZED = {"message": "Unauthorized", "code": "UNAUTHORIZED"}


def load_example(framework: str) -> ModuleType:
    """``examples/<framework>/app.py`` as a module (the examples are not a package)."""
    name = f"tessera_example_{framework}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / framework / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]  # a half-imported example must not be served to the next test
        raise
    return module


def test_auth(**options: Any) -> Tessera:
    """A fast auth for the example apps, at the origin the frameworks' test clients use."""
    options.setdefault("base_url", ORIGIN)
    return make_auth(**options)


test_auth.__test__ = False  # type: ignore[attr-defined]


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


#: ``(method, path, json_body, headers) -> Answer``; the client keeps cookies like a browser
Send = Callable[[str, str, Any, dict[str, str]], Answer]

SESSION_COOKIE = "better-auth.session_token"


def sender(client: Any) -> Send:
    """``Send`` through an httpx-style test client (Starlette's and Litestar's ``TestClient``)."""

    def send(method: str, path: str, body: Any, headers: dict[str, str]) -> Answer:
        response = client.request(method, path, json=body, headers=headers)
        return Answer(response.status_code, response.headers, response.content)

    return send


def embedded_session(page: str) -> Any:
    match = re.search(r'<script type="application/json" id="__tessera_session">(.*?)</script>', page)
    assert match is not None, page
    return json.loads(match.group(1))


def walk_the_example(send: Send, *, has_cookie: Callable[[], bool], origin: str = ORIGIN) -> None:
    """Sign up, use the protected view and the server-rendered page, sign out, sign back in.
    POSTs carry ``Origin`` as browsers' do."""
    browser = {"origin": origin}
    signed_up = send(
        "POST", "/api/auth/sign-up/email", {"email": EMAIL, "password": PASSWORD, "name": "Alice"}, browser
    )
    assert signed_up.status == 200, signed_up.body
    token = signed_up.json()["token"]
    assert has_cookie()

    me = send("GET", "/me", None, {})
    assert me.status == 200, me.body
    assert me.json()["email"] == EMAIL

    home = send("GET", "/", None, {})
    assert home.status == 200
    assert "Hello, Alice" in home.text
    assert home.headers["cache-control"] == "private"
    assert "Cookie" in home.headers["vary"]
    embedded = embedded_session(home.text)
    assert embedded["user"]["email"] == EMAIL
    assert token not in home.text  # the page never hands script the session token

    signed_out = send("POST", "/api/auth/sign-out", None, browser)
    assert signed_out.status == 200, signed_out.body
    assert not has_cookie()
    refused = send("GET", "/me", None, {})
    assert refused.status == 401
    assert refused.json() == UNAUTHORIZED
    anonymous = send("GET", "/", None, {})
    assert "Hello, stranger" in anonymous.text
    assert embedded_session(anonymous.text) is None

    signed_in = send("POST", "/api/auth/sign-in/email", {"email": EMAIL, "password": PASSWORD}, browser)
    assert signed_in.status == 200, signed_in.body
    assert send("GET", "/me", None, {}).json()["email"] == EMAIL
