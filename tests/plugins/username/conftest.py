"""An app with the username plugin on the backend the test runs on (every one, or memory for the quick tests)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tessera import Tessera
from tessera.db.adapter import Where
from tessera.plugins.username import username
from tests._helpers import Client, make_auth
from tests._services import AdapterFactory, _memory

PASSWORD = "correct-horse-battery"


@dataclass
class World:
    auth: Tessera

    def client(self) -> Client:
        return Client(self.auth)

    async def sign_up(self, email: str = "alice@example.com", **extra: Any) -> tuple[Client, Any]:
        """A browser that signed up with ``extra`` (``username=…``); the browser and the answer."""
        client = self.client()
        r = await client.sign_up(email, **extra)
        return client, r

    async def users(self, **where: Any) -> list[dict[str, Any]]:
        conditions = [Where(k, v) for k, v in where.items()]
        return await self.auth.context.adapter.find_many("user", conditions)

    async def sign_in(self, name: str, password: str = PASSWORD, client: Client | None = None,
                      **extra: Any) -> Any:
        body = {"username": name, "password": password, **extra}
        return await (client or self.client()).post("/sign-in/username", body)


MakeWorld = Callable[..., Awaitable[World]]


def build(adapter_factory: AdapterFactory) -> MakeWorld:
    async def make(*, plugins: tuple[Any, ...] = (), tessera: dict[str, Any] | None = None,
                   **options: Any) -> World:
        def app(**extra: Any) -> Tessera:
            return make_auth(plugins=[*plugins, username(**options)], **(tessera or {}), **extra)

        return World(app(database=await adapter_factory(app().schema)))

    return make


@pytest.fixture
def make_world(adapter_factory: AdapterFactory) -> MakeWorld:
    """``await make_world(**username_options)`` over every backend."""
    return build(adapter_factory)


@pytest.fixture
def make_memory_world() -> MakeWorld:
    """The quick variant, on the memory adapter only."""
    return build(_memory)
