"""A ban reaches every instance: a session another instance holds in its cookie cache stops being accepted
within about a second (docs/sessions.md), on in-memory and Redis secondary storage alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tessera import Tessera
from tessera.adapters.memory import MemoryAdapter
from tessera.plugins.admin import admin
from tessera.storage import MemoryStorage
from tests._helpers import Client, make_auth
from tests._redis import wait_until_live
from tests.plugins.admin.conftest import PASSWORD
from tests.session.test_revocation import on, refused_within


@pytest.fixture(params=["memory", "redis"])
def shared(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return MemoryStorage()
    make: Callable[..., Any] = request.getfixturevalue("redis_storage")
    return make()


@pytest.fixture
async def pair(shared: Any) -> AsyncIterator[tuple[Tessera, Tessera]]:
    database = MemoryAdapter()
    instances = []
    for _ in range(2):
        auth = make_auth(database=database, secondary_storage=shared, plugins=[admin()],
                         session={"cookie_cache": {"enabled": True}})
        auth.revocations.skew_ms = 0  # one process, one clock
        await auth.startup()
        await wait_until_live(auth)
        instances.append(auth)
    try:
        yield instances[0], instances[1]
    finally:
        for auth in instances:
            await auth.shutdown()


async def test_a_ban_on_one_instance_ends_the_cached_session_on_the_other(pair: tuple[Tessera, Tessera]) -> None:
    a, b = pair
    boss = Client(a)
    boss_id = (await boss.sign_up("admin@example.com", PASSWORD, "Admin")).json_body()["user"]["id"]
    await a.context.store.update_user(boss_id, {"role": "admin"})
    alice = Client(a)
    alice_id = (await alice.sign_up("alice@example.com", PASSWORD, "Alice")).json_body()["user"]["id"]
    await asyncio.sleep(0.01)  # caches minted after b's feed went live are believed at once
    on_b = on(b, alice)
    ops = len(a.adapter.operations)  # type: ignore[attr-defined]
    assert (await on_b.get("/get-session")).json_body()["user"]["id"] == alice_id
    assert (await on_b.get("/get-session")).json_body() is not None
    assert a.adapter.operations[ops:] == []  # type: ignore[attr-defined]  # b answers from the cache

    r = await boss.post("/admin/ban-user", {"userId": alice_id, "banReason": "abuse"})
    assert r.status == 200, r.body
    assert await refused_within(on_b, 1.0) < 1.0
    refused = await Client(b).sign_in("alice@example.com", PASSWORD)
    assert (refused.status, refused.json_body()["code"]) == (403, "BANNED_USER")
    # the admin's own cached session is untouched
    assert (await on(b, boss).get("/get-session")).json_body()["user"]["id"] == boss_id
