"""RedisStorage on the private Valkey of this test run (``tests._valkey``): what the shared Redis cannot be used for.

Everything else runs on Valkey through ``STORAGE_BACKENDS``: the storage contract, KV sessions, the revocation feed,
rate limiting, the SSR token cache and ``test_redis.py``.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

pytest.importorskip("redis")

from tessera.storage.redis import RedisStorage
from tessera.testing.storage_contract import CHECKS
from tests._redis import storage_for

VALKEY_TOPOLOGIES = ["valkey", "valkey-cluster"]


@pytest.fixture(params=VALKEY_TOPOLOGIES)
def storage(request: pytest.FixtureRequest) -> Any:
    return storage_for(request)


async def test_the_valkey_backends_are_valkey(storage: Any) -> None:
    # Valkey answers redis_version 7.2.4 for compatibility: server_name tells it apart
    await storage.get("warm-up")
    info = await storage.client.info("server")
    assert info["server_name"] == "valkey", info


async def test_scripts_the_server_lost_are_loaded_again(storage: Any) -> None:
    """``SCRIPT FLUSH`` drops every script, as a restart or a failover to a fresh replica does: each scripted
    operation (session reads alone and pipelined, increment, compare-and-set) loads its script again."""
    if os.environ.get("TESSERA_TEST_VALKEY") or os.environ.get("TESSERA_TEST_VALKEY_CLUSTER"):
        pytest.skip("an existing Valkey is shared: its scripts are not flushed")
    value = '{"session": {"userId": "u1", "token": "t1"}, "user": {"id": "u1"}}'
    await storage.set("t1", value, 60)
    await storage.set("revoked-u1", "1700000000000", 60)
    assert await storage.increment("n", 60) == 1
    assert await storage.compare_and_set("k", None, "a", 60)
    assert await storage.get_session("t1", "revoked-") == (value, "1700000000000")

    await storage.client.script_flush()
    assert await storage.increment("n", 60) == 2
    assert await storage.compare_and_set("k", "a", "b", 60)
    reads = await asyncio.gather(*(storage.get_session(t, "revoked-") for t in ("t1", "t2", "t1")))
    assert reads == [(value, "1700000000000"), (None, None), (value, "1700000000000")]
    await storage.client.script_flush()
    assert await storage.get_session("t1", "revoked-") == (value, "1700000000000")


async def test_a_valkey_py_client_passes_the_contract_on_a_single_server(valkey_server: str) -> None:
    valkey = pytest.importorskip("valkey.asyncio")
    for check in CHECKS:
        storage = RedisStorage(client=valkey.Valkey.from_url(valkey_server, decode_responses=True),
                               key_prefix=f"tessera-test:valkey-py:{check}:")
        try:
            await check(storage)
        finally:
            await storage.close()


async def test_a_valkey_py_cluster_client_is_refused_not_taken_for_a_single_server(valkey_cluster: Any) -> None:
    # as a single server it would fail only later, at the first multi-key or pub/sub step (MGET across slots)
    valkey = pytest.importorskip("valkey.asyncio")
    client = valkey.ValkeyCluster(host="127.0.0.1", port=valkey_cluster.ports[0], decode_responses=True)
    try:
        with pytest.raises(TypeError, match=r"valkey\+cluster://"):
            RedisStorage(client=client)
    finally:
        await client.aclose()
