"""An app with the admin plugin on every database backend, an admin and a regular user signed in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tessera import Tessera
from tessera.plugins.admin import admin
from tests._helpers import Client, make_auth, signed_up
from tests._services import AdapterFactory

PASSWORD = "correct-horse-battery"


@dataclass
class World:
    auth: Tessera
    admin: Client
    admin_id: str
    alice: Client
    alice_id: str


MakeWorld = Callable[..., Awaitable[World]]


async def populate(auth: Tessera) -> World:
    boss, boss_id = await signed_up(auth, "admin@example.com", "Admin")
    await auth.context.store.update_user(boss_id, {"role": "admin"})
    alice, alice_id = await signed_up(auth, "alice@example.com", "Alice")
    return World(auth, boss, boss_id, alice, alice_id)


@pytest.fixture
def make_world(adapter_factory: AdapterFactory) -> MakeWorld:
    """``await make_world(admin_options={...}, **tessera_options)`` over the backend this test runs on."""

    async def build(*, admin_options: dict[str, Any] | None = None, **options: Any) -> World:
        def app(**extra: Any) -> Tessera:
            return make_auth(plugins=[admin(**(admin_options or {}))], **options, **extra)

        auth = app(database=await adapter_factory(app().schema))
        return await populate(auth)

    return build


@pytest.fixture
async def world() -> World:
    """The quick variant, on the memory adapter only."""
    return await populate(make_auth(plugins=[admin()]))
