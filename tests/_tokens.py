"""Helpers for the token-toolkit tests: a fast app, a cookie-keeping in-process client, a settable clock."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from tessera import ScryptHasher, Tessera
from tessera.http import Headers, Request, Response

BASE = "http://127.0.0.1:3000"
SECRET = "test-secret-0123456789abcdef0123456789abcdef"
FAST_HASHER = ScryptHasher(n=1024, r=8)


class Clock:
    """A settable clock for ``Tessera(clock=...)`` (datetime) and verifiers (``.timestamp``)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def timestamp(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_auth(**options: Any) -> Tessera:
    options.setdefault("secret", SECRET)
    options.setdefault("base_url", BASE)
    options.setdefault("email_and_password", {"enabled": True, "password": FAST_HASHER})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Tessera(**options)


class Client:
    """Drives ``auth.handle`` like a browser: keeps cookies, sends JSON with a trusted ``Origin``."""

    def __init__(self, auth: Tessera, origin: str | None = BASE) -> None:
        self.auth = auth
        self.origin = origin
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def request(
        self, method: str, path: str, body: Any = None, *, headers: Iterable[tuple[str, str]] = ()
    ) -> Response:
        pairs = list(headers)
        if self.cookies:
            pairs.append(("cookie", self.cookie_header()))
        if self.origin and method != "GET":
            pairs.append(("origin", self.origin))
        data = json.dumps(body).encode() if body is not None else b""
        if data:
            pairs.append(("content-type", "application/json"))
        response = await self.auth.handle(Request(method, "/api/auth" + path, Headers.from_pairs(pairs), body=data))
        for header in response.set_cookies.values():
            name, _, rest = header.partition("=")
            if "Max-Age=0" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = rest.split(";", 1)[0]
        return response

    async def get(self, path: str, **kw: Any) -> Response:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, body: Any = None, **kw: Any) -> Response:
        return await self.request("POST", path, body, **kw)

    async def sign_up(self, email: str = "alice@example.com", password: str = "correct-horse-battery",
                      name: str = "Alice") -> Response:
        return await self.post("/sign-up/email", {"email": email, "password": password, "name": name})

    async def sign_in(self, email: str = "alice@example.com", password: str = "correct-horse-battery") -> Response:
        return await self.post("/sign-in/email", {"email": email, "password": password})
