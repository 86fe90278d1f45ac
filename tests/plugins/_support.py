"""Build a Tessera and talk to it through ``auth.handle`` (the sans-I/O entry point every server wraps)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tessera import Request, Response, Tessera
from tessera._json import dumps
from tessera.http import Headers, parse_set_cookie

from .._helpers import BASE as ORIGIN
from .._helpers import Client, make_auth
from .._tokens import Clock

__all__ = ["ORIGIN", "PASSWORD", "SESSION_COOKIE", "OutboxWorld", "call", "cookie_header", "cookie_value", "count_password_checks", "make_auth", "sign_up"]

PASSWORD = "correct-horse-battery"
SESSION_COOKIE = "better-auth.session_token"


async def call(
    auth: Tessera,
    method: str,
    path: str,
    *,
    json: Any = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    pairs = [("host", ORIGIN.split("://", 1)[1]), ("origin", ORIGIN), *headers]
    body = b""
    if json is not None:
        body = dumps(json)
        pairs.append(("content-type", "application/json"))
    return await auth.handle(
        Request(method=method, path=auth.base_path + path, headers=Headers.from_pairs(pairs), body=body)
    )


async def sign_up(auth: Tessera, email: str = "alice@example.com", **extra: Any) -> Response:
    body = {"email": email, "password": PASSWORD, "name": "Alice", **extra}
    return await call(auth, "POST", "/sign-up/email", json=body)


def cookie_value(response: Response, name: str = SESSION_COOKIE) -> str | None:
    """The decoded value of a cookie the response sets, or ``None``."""
    header = response.set_cookies.get(name)
    return parse_set_cookie(header)[1] if header else None


def cookie_header(response: Response) -> tuple[str, str]:
    """A ``Cookie`` request header replaying the session cookie the response set."""
    header = response.set_cookies[SESSION_COOKIE]
    return ("cookie", header.split(";", 1)[0])


@dataclass
class OutboxWorld:
    """An app under test, the clock it runs on, and what it sent (codes by mail or SMS) as dicts."""

    auth: Tessera
    clock: Clock
    sent: list[dict[str, Any]] = field(default_factory=list)

    def client(self) -> Client:
        return Client(self.auth)


def count_password_checks(auth: Tessera) -> list[str]:
    """The passwords ``auth`` verifies from now on, in order (the hasher's ``verify`` is wrapped)."""
    hasher = auth.context.email_and_password.password
    calls: list[str] = []
    original = hasher.verify

    async def counted(stored: str, password: str) -> bool:
        calls.append(password)
        return await original(stored, password)

    hasher.verify = counted  # type: ignore[method-assign]
    return calls
