"""Redis for tests (pytest plugin, loaded by ``tests/conftest.py``).

``redis_storage(prefix="")`` makes a ``RedisStorage`` on 127.0.0.1:6379 (``TESSERA_TEST_REDIS`` overrides) under a
key prefix unique to this test run; every key under it is deleted at the end of the session. Tests using it are
skipped, with the reason, when Redis is not reachable. ``redis_cluster_storage`` is the same on the Redis Cluster
that ``tests._redis_cluster`` boots, ``redis_sentinel_storage`` on the master of ``tests._redis_sentinel``'s; ``valkey_storage`` and ``valkey_cluster_storage`` on the Valkey server and
cluster of ``tests._valkey``.

Tests that take a shared storage parametrize over ``STORAGE_BACKENDS`` and call ``storage_for(request)``, so one
test runs against memory, a single Redis, a Redis Cluster, a Redis behind Sentinel, a single Valkey and a Valkey
Cluster. ``REDIS_TOPOLOGIES`` are the same less memory; ``server_url(request, topology)`` is where one of them listens.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tessera.storage import MemoryStorage

REDIS_URL = os.environ.get("TESSERA_TEST_REDIS", "redis://127.0.0.1:6379/0")
RUN_PREFIX = f"tessera-test:{secrets.token_hex(4)}:"
REDIS_TOPOLOGIES = ["redis", "redis-cluster", "redis-sentinel", "valkey", "valkey-cluster"]
STORAGE_BACKENDS = ["memory", *REDIS_TOPOLOGIES]
#: one server's keyspace (Sentinel: the current master's), so one script can read several keys
STANDALONE_TOPOLOGIES = ["redis", "redis-sentinel", "valkey"]
#: where the session-read lane of ``redis_lane.py`` serves (a Sentinel-managed master's address may change)
LANE_TOPOLOGIES = ["redis", "valkey"]
CLUSTER_TOPOLOGIES = ["redis-cluster", "valkey-cluster"]
_STORAGE_FIXTURES = {
    "redis": "redis_storage",
    "redis-cluster": "redis_cluster_storage",
    "redis-sentinel": "redis_sentinel_storage",
    "valkey": "valkey_storage",
    "valkey-cluster": "valkey_cluster_storage",
}


def storage_for(request: pytest.FixtureRequest, backend: str | None = None) -> Any:
    """A fresh, empty storage of the backend named by ``request.param`` (one of ``STORAGE_BACKENDS``)."""
    backend = backend or request.param
    if backend == "memory":
        return MemoryStorage()
    make: Callable[..., Any] = request.getfixturevalue(_STORAGE_FIXTURES[backend])
    return make()


def server_url(request: pytest.FixtureRequest, topology: str) -> str:
    """The URL of one of ``REDIS_TOPOLOGIES`` (booting it if this run boots it)."""
    if topology == "redis":
        return REDIS_URL
    if topology == "valkey":
        return str(request.getfixturevalue("valkey_server"))
    topologies = {"redis-cluster": "redis_cluster", "redis-sentinel": "redis_sentinel", "valkey-cluster": "valkey_cluster"}
    return str(request.getfixturevalue(topologies[topology]).url)


async def _open(url: str, skip_reason: str) -> AsyncIterator[list[Any]]:
    try:
        from tessera.storage.redis import RedisStorage
    except ImportError as exc:
        pytest.skip(f"redis-py is not installed: {exc}")
    probe = RedisStorage(url, key_prefix=RUN_PREFIX, socket_connect_timeout=2)
    try:
        await probe.client.ping()
    except Exception as exc:
        await probe.close()
        pytest.skip(f"{skip_reason} ({url}): {exc!r}")
    made: list[Any] = [probe]
    yield made
    if not probe.cluster:  # a cluster booted for the tests is thrown away whole
        async for key in probe.client.scan_iter(match=RUN_PREFIX + "*", count=500):
            await probe.client.delete(key)
    for storage in made:
        await storage.close()


def _factory(url: str, made: list[Any]) -> Callable[..., Any]:
    from tessera.storage.redis import RedisStorage

    def make(prefix: str | None = None) -> Any:
        storage = RedisStorage(url, key_prefix=RUN_PREFIX + (prefix or secrets.token_hex(4)) + ":")
        made.append(storage)
        return storage

    return make


@pytest.fixture(scope="session")
async def redis_run() -> AsyncIterator[list[Any]]:
    async for made in _open(REDIS_URL, "Redis is not reachable"):
        yield made


@pytest.fixture(scope="session")
async def redis_cluster_run(redis_cluster: Any) -> AsyncIterator[list[Any]]:
    async for made in _open(redis_cluster.url, "REDIS CLUSTER NOT REACHABLE"):
        yield made


@pytest.fixture(scope="session")
async def redis_sentinel_run(redis_sentinel: Any) -> AsyncIterator[list[Any]]:
    async for made in _open(redis_sentinel.url, "REDIS SENTINEL NOT REACHABLE"):
        yield made


@pytest.fixture(scope="session")
async def valkey_run(valkey_server: str) -> AsyncIterator[list[Any]]:
    async for made in _open(valkey_server, "VALKEY NOT REACHABLE"):
        yield made


@pytest.fixture(scope="session")
async def valkey_cluster_run(valkey_cluster: Any) -> AsyncIterator[list[Any]]:
    async for made in _open(valkey_cluster.url, "VALKEY CLUSTER NOT REACHABLE"):
        yield made


@pytest.fixture
def redis_storage(redis_run: list[Any]) -> Callable[..., Any]:
    """A factory: ``redis_storage()`` is a storage on a fresh prefix; ``redis_storage(prefix)`` shares one."""
    return _factory(REDIS_URL, redis_run)


@pytest.fixture
def redis_cluster_storage(redis_cluster: Any, redis_cluster_run: list[Any]) -> Callable[..., Any]:
    """``redis_storage`` on the test Redis Cluster."""
    return _factory(redis_cluster.url, redis_cluster_run)


@pytest.fixture
def redis_sentinel_storage(redis_sentinel: Any, redis_sentinel_run: list[Any]) -> Callable[..., Any]:
    """``redis_storage`` on the master of the test Redis Sentinel topology (a ``redis+sentinel://`` URL)."""
    return _factory(redis_sentinel.url, redis_sentinel_run)


@pytest.fixture
def valkey_storage(valkey_server: str, valkey_run: list[Any]) -> Callable[..., Any]:
    """``redis_storage`` on the test Valkey (a ``valkey://`` URL)."""
    return _factory(valkey_server, valkey_run)


@pytest.fixture
def valkey_cluster_storage(valkey_cluster: Any, valkey_cluster_run: list[Any]) -> Callable[..., Any]:
    """``redis_storage`` on the test Valkey Cluster (a ``valkey+cluster://`` URL)."""
    return _factory(valkey_cluster.url, valkey_cluster_run)


async def wait_until_live(auth: Any, seconds: float = 15.0) -> None:
    """Wait for ``auth``'s revocation feed to be live. ``startup`` waits 2 s, which a Redis Cluster subscription
    on a loaded machine can take longer than; the tests are about what happens once it is live."""
    await auth.revocations.start(wait=seconds)
    assert auth.revocations.live, f"revocation feed not live after {seconds} s"
