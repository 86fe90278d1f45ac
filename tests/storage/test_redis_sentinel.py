"""RedisStorage behind Redis Sentinel: the URL forms, the sentinels' own credentials, no session lane, and the
script reload on the master. The shared contract, KV-session, revocation, rate-limit and SSR-cache tests run on
Sentinel too (``tests._redis``'s topologies); the failover itself is ``tests/test_sentinel_failover.py``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("redis")

from redis.asyncio.sentinel import SentinelConnectionPool, SentinelManagedConnection, SentinelManagedSSLConnection

from tessera.storage.redis import RedisStorage
from tessera.storage.redis_lane import SessionReadLane

SESSION = '{"session": {"userId": "u1", "token": "t1"}, "user": {"id": "u1"}}'


def _sentinels(storage: RedisStorage) -> list[dict[str, Any]]:
    return [s.connection_pool.connection_kwargs for s in storage.client.connection_pool.sentinel_manager.sentinels]


@pytest.mark.parametrize("scheme", ["redis+sentinel", "valkey+sentinel"])
async def test_a_sentinel_url_lists_the_sentinels_and_names_the_service_and_db(scheme: str) -> None:
    storage = RedisStorage(f"{scheme}://user:pw@10.0.0.1:26380,10.0.0.2,[::1]:26381/cache/3?socket_timeout=2")
    try:
        pool = storage.client.connection_pool
        assert isinstance(pool, SentinelConnectionPool) and pool.is_master and pool.service_name == "cache"
        assert pool.connection_class is SentinelManagedConnection
        master = pool.connection_kwargs
        assert (master["username"], master["password"], master["db"], master["socket_timeout"]) == ("user", "pw", 3, 2)
        sentinels = _sentinels(storage)
        assert [(s["host"], s["port"]) for s in sentinels] == [("10.0.0.1", 26380), ("10.0.0.2", 26379), ("::1", 26381)]
        # the master's credentials are not the sentinels': they get none unless told, the socket options yes
        assert all(s.get("password") is None and s["socket_timeout"] == 2 for s in sentinels)
        assert not storage.cluster
    finally:
        await storage.close()


async def test_the_sentinels_own_password_comes_from_sentinel_kwargs_or_the_query() -> None:
    storage = RedisStorage("redis+sentinel://:pw@10.0.0.1:26379/mymaster", sentinel_kwargs={"password": "s3cret"})
    try:
        assert [s["password"] for s in _sentinels(storage)] == ["s3cret"]
        assert storage.client.connection_pool.connection_kwargs["password"] == "pw"
    finally:
        await storage.close()
    storage = RedisStorage("redis+sentinel://10.0.0.1/mymaster?sentinel_username=ops&sentinel_password=s3cret")
    try:
        [sentinel] = _sentinels(storage)
        assert (sentinel["username"], sentinel["password"]) == ("ops", "s3cret")
        master = storage.client.connection_pool.connection_kwargs
        assert "sentinel_password" not in master and master.get("password") is None and master["db"] == 0
    finally:
        await storage.close()


@pytest.mark.parametrize("scheme", ["rediss+sentinel", "valkeys+sentinel"])
async def test_a_tls_sentinel_url_uses_tls_to_the_master_and_the_sentinels(scheme: str) -> None:
    storage = RedisStorage(f"{scheme}://10.0.0.1:26379/mymaster")
    try:
        assert storage.client.connection_pool.connection_class is SentinelManagedSSLConnection
        [sentinel] = storage.client.connection_pool.sentinel_manager.sentinels
        assert sentinel.connection_pool.connection_class.__name__ == "SSLConnection"
    finally:
        await storage.close()


async def test_a_sentinel_url_without_a_service_is_refused() -> None:
    with pytest.raises(ValueError, match="names its service"):
        RedisStorage("redis+sentinel://10.0.0.1:26379/")


async def test_a_sentinel_managed_master_gets_no_session_lane(redis_sentinel_storage: Any) -> None:
    """The lane connects to one fixed address; a Sentinel-managed master's address changes at a failover."""
    storage = redis_sentinel_storage()
    assert SessionReadLane.for_client(storage.client) is None and storage._lane is None
    await storage.set("t1", SESSION, 60)
    await storage.set("revoked-u1", "1700000000000", 60)
    got = await asyncio.gather(*(storage.get_session(t, "revoked-") for t in ("t1", "nope", "t1")))
    assert got == [(SESSION, "1700000000000"), (None, None), (SESSION, "1700000000000")]


async def test_scripts_are_reloaded_on_a_master_that_lost_them(redis_sentinel_storage: Any) -> None:
    """A promoted replica has none of the old master's scripts: EVALSHA answers NOSCRIPT, and the script is
    loaded again (the session read, alone and pipelined, and the other scripts)."""
    storage = redis_sentinel_storage()
    await storage.set("t1", SESSION, 60)
    assert await storage.increment("n", 60) == 1
    assert await storage.get_session("t1", "revoked-") == (SESSION, None)
    await storage.client.script_flush()
    assert await storage.get_session("t1", "revoked-") == (SESSION, None)
    await storage.client.script_flush()
    got = await asyncio.gather(*(storage.get_session("t1", "revoked-") for _ in range(3)))
    assert got == [(SESSION, None)] * 3
    await storage.client.script_flush()
    assert await storage.increment("n", 60) == 2
    assert await storage.compare_and_set("k", None, "v", 60)
