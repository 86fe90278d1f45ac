"""An app with the device-authorization plugin on the backend the test runs on, a clock the test moves, and
helpers for the device's side (ask for codes, poll) and the person's (sign in, verify, approve)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from tessera import Tessera
from tessera.http import Response
from tessera.plugins.device_authorization import device_authorization
from tests._helpers import Client, make_auth
from tests._services import AdapterFactory, _memory

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class World:
    auth: Tessera
    clock: Clock

    def client(self, origin: str | None = "http://127.0.0.1:3000") -> Client:
        return Client(self.auth, origin)

    def device(self) -> Client:
        """A device: no cookies, no Origin (a CLI or a TV)."""
        return Client(self.auth, None)

    async def person(self, email: str = "alice@example.com") -> Client:
        browser = self.client()
        r = await browser.sign_up(email=email, name=email.split("@")[0])
        assert r.status == 200, r.body
        return browser

    async def codes(self, client_id: str = "my-cli", **body: Any) -> dict[str, Any]:
        r = await self.device().post("/device/code", {"client_id": client_id, **body})
        assert r.status == 200, r.body
        return dict(r.json_body())

    async def poll(self, device_code: str, client_id: str = "my-cli") -> Response:
        body = {"grant_type": GRANT_TYPE, "device_code": device_code, "client_id": client_id}
        return await self.device().post("/device/token", body)

    async def verify(self, browser: Client, user_code: str) -> Response:
        return await browser.get("/device", query=urlencode({"user_code": user_code}))

    async def approved(self, browser: Client, user_code: str) -> None:
        assert (await self.verify(browser, user_code)).status == 200
        r = await browser.post("/device/approve", {"userCode": user_code})
        assert r.status == 200 and r.json_body() == {"success": True}, r.body

    async def rows(self) -> list[dict[str, Any]]:
        return await self.auth.context.adapter.find_many("deviceCode", [])


MakeWorld = Callable[..., Awaitable[World]]


def build(adapter_factory: AdapterFactory) -> MakeWorld:
    async def make(*, plugins: tuple[Any, ...] = (), auth_options: dict[str, Any] | None = None,
                   **options: Any) -> World:
        clock = Clock()

        def app(**extra: Any) -> Tessera:
            return make_auth(plugins=[*plugins, device_authorization(**options)], clock=clock,
                             **(auth_options or {}), **extra)

        auth = app(database=await adapter_factory(app().schema))
        return World(auth, clock)

    return make


@pytest.fixture
def make_world(adapter_factory: AdapterFactory) -> MakeWorld:
    """``await make_world(**device_authorization_options)`` over every backend."""
    return build(adapter_factory)


@pytest.fixture
def make_memory_world() -> MakeWorld:
    """The quick variant, on the memory adapter only."""
    return build(_memory)
