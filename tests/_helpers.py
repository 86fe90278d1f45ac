"""Small helpers shared by the core tests: a fast test app and an in-process HTTP client."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from typing import Any

from tessera import ScryptHasher, Tessera
from tessera.http import Headers, Request, Response

BASE = "http://127.0.0.1:3000"
SECRET = "test-secret-0123456789abcdef0123456789abcdef"
# the format is Better Auth's; the cost is lowered so tests run quickly
FAST_HASHER = ScryptHasher(n=1024, r=8)


def make_auth(**options: Any) -> Tessera:
    ep = {"enabled": True, "password": FAST_HASHER, **options.pop("email_and_password", {})}
    options.setdefault("secret", SECRET)
    options.setdefault("base_url", BASE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Tessera(email_and_password=ep, **options)


class Client:
    """Drives ``auth.handle`` like a browser: keeps cookies, sends JSON, optionally an ``Origin``."""

    def __init__(self, auth: Tessera, origin: str | None = BASE) -> None:
        self.auth = auth
        self.origin = origin
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: Iterable[tuple[str, str]] = (),
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        query: str = "",
    ) -> Response:
        pairs = list(headers)
        if self.cookies:
            pairs.append(("cookie", self.cookie_header()))
        if self.origin and method != "GET":
            pairs.append(("origin", self.origin))
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        if data and content_type:
            pairs.append(("content-type", content_type))
        response = await self.auth.handle(
            Request(method, "/api/auth" + path, Headers.from_pairs(pairs), query_string=query, body=data)
        )
        for header in response.set_cookies.values():
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    async def post(self, path: str, body: Any = None, **kw: Any) -> Response:
        return await self.request("POST", path, body, **kw)

    async def get(self, path: str, **kw: Any) -> Response:
        return await self.request("GET", path, **kw)

    async def sign_up(self, email: str = "alice@example.com", password: str = "correct-horse-battery",
                      name: str = "Alice", headers: Iterable[tuple[str, str]] = (), **extra: Any) -> Response:
        body = {"email": email, "password": password, "name": name, **extra}
        return await self.post("/sign-up/email", body, headers=headers)

    async def sign_in(self, email: str = "alice@example.com", password: str = "correct-horse-battery",
                      headers: Iterable[tuple[str, str]] = (), **extra: Any) -> Response:
        return await self.post("/sign-in/email", {"email": email, "password": password, **extra}, headers=headers)


async def signed_up(auth: Tessera, email: str = "alice@example.com", name: str = "Alice") -> tuple[Client, str]:
    """A new browser that signed up (with ``Client``'s default password): the browser and the user's id."""
    client = Client(auth)
    r = await client.sign_up(email, name=name)
    assert r.status == 200, r.body
    return client, r.json_body()["user"]["id"]
