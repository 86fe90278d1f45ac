"""RedisStorage specifics: cluster URLs, a fresh cluster client under concurrent first use, cluster pub/sub and
session reads, pipelined session reads on a standalone server. The server tests run on Redis and Valkey alike."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("redis")

from tessera.storage.redis import RedisStorage
from tests._redis import CLUSTER_TOPOLOGIES, STANDALONE_TOPOLOGIES, storage_for


@pytest.fixture(params=CLUSTER_TOPOLOGIES)
def cluster_storage(request: pytest.FixtureRequest) -> Any:
    return storage_for(request)


@pytest.fixture(params=STANDALONE_TOPOLOGIES)
def standalone_storage(request: pytest.FixtureRequest) -> Any:
    return storage_for(request)


@pytest.mark.parametrize("scheme", ["redis+cluster", "valkey+cluster"])
async def test_a_cluster_url_lists_seed_nodes_and_keeps_credentials_and_options(scheme: str) -> None:
    storage = RedisStorage(f"{scheme}://user:pw@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002/?socket_timeout=3")
    try:
        assert storage.cluster
        assert sorted(storage.client.nodes_manager.startup_nodes) == ["10.0.0.1:7000", "10.0.0.2:7001", "::1:7002"]
        node = storage.client.nodes_manager.startup_nodes["10.0.0.2:7001"]
        assert node.connection_kwargs["username"] == "user" and node.connection_kwargs["password"] == "pw"
        assert node.connection_kwargs["socket_timeout"] == 3
    finally:
        await storage.close()


async def test_cluster_flag_with_a_plain_url() -> None:
    storage = RedisStorage("valkey://10.0.0.1:7000", cluster=True)
    try:
        assert storage.cluster and list(storage.client.nodes_manager.startup_nodes) == ["10.0.0.1:7000"]
    finally:
        await storage.close()


async def test_a_fresh_cluster_storage_survives_many_concurrent_first_commands(cluster_storage: Any) -> None:
    # redis-py 8.1 dropped connections (and retried INCRs, counting twice) when they raced into its lazy init
    storage = cluster_storage
    counts = await asyncio.gather(*(storage.increment("burst", 60) for _ in range(50)))
    assert sorted(counts) == list(range(1, 51))


async def test_a_cluster_publish_reaches_subscribers_on_every_node(cluster_storage: Any) -> None:
    storage = cluster_storage
    await storage.get("warm-up")
    nodes = iter(storage.client.get_primaries())
    storage.client.get_random_node = lambda: next(nodes)  # one subscription per node, deterministically
    subs = [await storage.subscribe("feed") for _ in range(3)]
    try:
        ports = {sub._connection.connection_pool.connection_kwargs["port"] for sub in subs}
        assert len(ports) == 3
        for sub in subs:
            assert (await sub.receive(2.0)).kind == "live"
        await storage.publish("feed", "hello")
        for sub in subs:
            event = await sub.receive(2.0)
            assert (event.kind, event.data) == ("message", "hello")
    finally:
        for sub in subs:
            await sub.close()


async def test_a_repeated_cluster_session_read_is_one_round_trip(cluster_storage: Any) -> None:
    storage = cluster_storage
    value = '{"session": {"userId": "u1", "token": "t1"}, "user": {"id": "u1"}}'
    await storage.set("t1", value, 60)
    await storage.set("revoked-u1", "1700000000000", 60)
    in_flight, rounds = 0, []
    get = storage.client.get

    async def tracking_get(key: str) -> Any:
        nonlocal in_flight
        in_flight += 1
        rounds.append(in_flight)
        try:
            await asyncio.sleep(0.01)  # both reads of one round trip are in flight together
            return await get(key)
        finally:
            in_flight -= 1

    storage.client.get = tracking_get
    assert await storage.get_session("t1", "revoked-") == (value, "1700000000000")
    assert rounds == [1, 1]  # first read of the token: value, then the marker of its user
    rounds.clear()
    assert await storage.get_session("t1", "revoked-") == (value, "1700000000000")
    assert rounds == [1, 2]  # then both at once


def without_lane(storage: Any) -> Any:
    """The storage reading sessions through redis-py, as it does where it has no session lane (TLS, custom
    connection classes, no hiredis) and whenever the lane is down."""
    storage._lane = None
    return storage


async def _sessions(storage: Any, count: int) -> list[str]:
    values = [f'{{"session": {{"userId": "u{i}", "token": "t{i}"}}, "user": {{"id": "u{i}"}}}}' for i in range(count)]
    for i, value in enumerate(values):
        await storage.set(f"t{i}", value, 60)
    await storage.set("revoked-u1", "1700000000000", 60)
    return values


async def test_concurrent_session_reads_leave_as_one_pipeline(standalone_storage: Any) -> None:
    storage = without_lane(standalone_storage)
    values = await _sessions(storage, 5)
    pipelines = 0
    make = storage.client.pipeline

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal pipelines
        pipelines += 1
        return make(*args, **kwargs)

    storage.client.pipeline = counting
    got = await asyncio.gather(*(storage.get_session(f"t{i}", "revoked-") for i in (*range(5), 9)))
    assert pipelines == 1
    assert got == [(values[0], None), (values[1], "1700000000000"), *((values[i], None) for i in (2, 3, 4)),
                   (None, None)]
    assert await storage.get_session("t1", "revoked-") == (values[1], "1700000000000")  # alone: no pipeline
    assert pipelines == 1


async def test_a_pipelined_session_read_reloads_a_script_the_server_lost(standalone_storage: Any) -> None:
    storage = without_lane(standalone_storage)
    values = await _sessions(storage, 3)
    storage._get_session.sha = "0" * 40  # as after SCRIPT FLUSH or a failover (not run here: Redis is shared)
    got = await asyncio.gather(*(storage.get_session(f"t{i}", "revoked-") for i in range(3)))
    assert got == [(values[0], None), (values[1], "1700000000000"), (values[2], None)]


async def test_a_cancelled_reader_leaves_the_other_reads_of_its_pipeline_alone(standalone_storage: Any) -> None:
    storage = without_lane(standalone_storage)
    values = await _sessions(storage, 3)
    reads = [asyncio.ensure_future(storage.get_session(f"t{i}", "revoked-")) for i in range(3)]
    await asyncio.sleep(0)  # all three queued
    reads[1].cancel()
    assert await reads[0] == (values[0], None) and await reads[2] == (values[2], None)
    with pytest.raises(asyncio.CancelledError):
        await reads[1]


async def test_a_failed_pipeline_fails_every_read_in_it(standalone_storage: Any) -> None:
    storage = without_lane(standalone_storage)
    await _sessions(storage, 2)

    class Broken:
        def evalsha(self, *args: Any) -> None:
            pass

        async def execute(self, raise_on_error: bool = True) -> list[Any]:
            raise ConnectionError("the connection dropped")

    storage.client.pipeline = lambda **kwargs: Broken()
    got = await asyncio.gather(*(storage.get_session(f"t{i}", "revoked-") for i in range(2)), return_exceptions=True)
    assert all(isinstance(e, ConnectionError) for e in got)
