"""Every SSR-cache test runs against the memory store, a real Redis (127.0.0.1:6379, own key prefix), the test
Redis Cluster (``tests._redis_cluster``) and the test Valkey server and cluster (``tests._valkey``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tessera.ssr import MemoryTokenStore, RedisTokenStore, TokenStore
from tests._redis import REDIS_TOPOLOGIES, server_url

StoreFactory = Callable[[], TokenStore]


@pytest.fixture(params=["memory", *REDIS_TOPOLOGIES])
async def store_factory(request: pytest.FixtureRequest) -> AsyncIterator[StoreFactory]:
    """``factory()`` returns a store; with Redis, every store of one test shares a fresh prefix (as instances of
    one deployment would) and the keys are deleted afterwards."""
    if request.param == "memory":
        shared = MemoryTokenStore()
        yield lambda: shared
        return
    pytest.importorskip("redis.asyncio")
    from tessera.storage.redis import connect

    url = server_url(request, request.param)
    client = connect(url)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        pytest.skip(f"{request.param.upper()} NOT REACHABLE at {url} ({exc}): its SSR-cache tests did not run")
    prefix = f"tessera-test:{uuid.uuid4().hex}:"
    clients: list[Any] = [client]

    def factory() -> TokenStore:
        other = connect(url)  # a connection per "instance"
        clients.append(other)
        return RedisTokenStore(client=other, prefix=prefix, marker_ttl=30)

    yield factory
    async for key in client.scan_iter(match=f"{prefix}*"):
        await client.delete(key)
    for c in clients:
        await c.aclose()
