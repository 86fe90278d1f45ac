"""Every SSR-cache test runs against the memory store and a real Redis (127.0.0.1:6379, own key prefix)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from tessera.ssr import MemoryTokenStore, RedisTokenStore, TokenStore

REDIS_URL = os.environ.get("TESSERA_TEST_REDIS", "redis://127.0.0.1:6379/0")

StoreFactory = Callable[[], TokenStore]


@pytest.fixture(params=["memory", "redis"])
async def store_factory(request: pytest.FixtureRequest) -> AsyncIterator[StoreFactory]:
    """``factory()`` returns a store; with Redis, every store of one test shares a fresh prefix (as instances of
    one deployment would) and the keys are deleted afterwards."""
    if request.param == "memory":
        shared = MemoryTokenStore()
        yield lambda: shared
        return
    redis_asyncio = pytest.importorskip("redis.asyncio")
    client = redis_asyncio.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        pytest.skip(f"REDIS NOT REACHABLE at {REDIS_URL} ({exc}): the Redis SSR-cache tests did not run")
    prefix = f"tessera-test:{uuid.uuid4().hex}:"
    clients = [client]

    def factory() -> TokenStore:
        other = redis_asyncio.Redis.from_url(REDIS_URL)  # a connection per "instance"
        clients.append(other)
        return RedisTokenStore(client=other, prefix=prefix, marker_ttl=30)

    yield factory
    keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    for c in clients:
        await c.aclose()
