"""The session read's own connection (``storage/redis_lane.py``): same answers as redis-py, one write per batch,
and redis-py takes over whenever the lane cannot serve."""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("redis")
pytest.importorskip("hiredis")

from tessera.storage.redis import RedisStorage
from tessera.storage.redis_lane import SessionReadLane
from tests._redis import LANE_TOPOLOGIES, RUN_PREFIX, storage_for
from tests._redis_cluster import BOOT_TIMEOUT, REDIS, cli, free_port_pair, server_processes, start_server, wait_for

SESSION = '{"session": {"userId": "u1", "token": "t1"}, "user": {"id": "u1"}}'


@pytest.fixture(params=LANE_TOPOLOGIES)
def storage(request: pytest.FixtureRequest) -> Any:
    return storage_for(request)


async def _one_session(storage: Any) -> None:
    await storage.set("t1", SESSION, 60)
    await storage.set("revoked-u1", "1700000000000", 60)


def _count_writes(lane: SessionReadLane) -> list[int]:
    writes: list[int] = []
    protocol = lane._protocol
    assert protocol is not None and protocol.transport is not None
    write = protocol.transport.write

    def counting(data: Any) -> None:
        writes.append(1)
        write(data)

    protocol.transport.write = counting  # type: ignore[method-assign]
    return writes


async def test_session_reads_take_the_lane_one_write_per_loop_turn(storage: Any) -> None:
    lane = storage._lane
    assert isinstance(lane, SessionReadLane)
    await _one_session(storage)
    assert await storage.get_session("t1", "revoked-") == (SESSION, "1700000000000")
    writes = _count_writes(lane)
    pipelines = []
    storage.client.pipeline = lambda **kw: pipelines.append(1)  # redis-py must not be asked
    got = await asyncio.gather(*(storage.get_session(t, "revoked-") for t in ("t1", "nope", "t1", "t1")))
    assert got == [(SESSION, "1700000000000"), (None, None), (SESSION, "1700000000000"), (SESSION, "1700000000000")]
    assert writes == [1] and pipelines == []


async def test_a_script_the_server_lost_is_loaded_through_redis_py(storage: Any) -> None:
    await _one_session(storage)
    storage._get_session.sha = "0" * 40  # what the lane sends after SCRIPT FLUSH or a failover: NOSCRIPT
    got = await asyncio.gather(*(storage.get_session(t, "revoked-") for t in ("t1", "nope")))
    assert got == [(SESSION, "1700000000000"), (None, None)]


async def test_a_dropped_lane_hands_reads_to_redis_py_then_comes_back(storage: Any) -> None:
    await _one_session(storage)
    lane = storage._lane
    assert await storage.get_session("t1", "revoked-") == (SESSION, "1700000000000")
    first = lane._protocol
    first.transport.abort()  # as a server restart or an idle timeout would drop it
    await asyncio.sleep(0)
    assert await storage.get_session("t1", "revoked-") == (SESSION, "1700000000000")  # reconnected at once
    assert lane._protocol is not first and not lane._protocol.closed


async def test_a_lane_that_cannot_connect_stays_out_of_the_way() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    storage = RedisStorage(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=0.5)
    try:
        with pytest.raises(Exception, match="onnect"):  # redis-py reports the outage, not the lane
            await storage.get_session("t1", "revoked-")
        assert not storage._lane.available  # retried after a second, not on every read
    finally:
        await storage.close()


@pytest.mark.parametrize("url", ["rediss://127.0.0.1:6380/0", "redis+cluster://127.0.0.1:7000"])
def test_tls_and_cluster_clients_read_through_redis_py(url: str) -> None:
    storage = RedisStorage(url)
    assert storage._lane is None


PASSWORD = "s3cret-pass"


@pytest.fixture
def password_redis_port() -> Iterator[int]:
    """A ``redis-server`` of this test's own that requires a password; yields its port."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not on PATH: the authenticated-lane test needs its own server")
    with server_processes(REDIS) as (directory, processes):
        port = free_port_pair()
        processes.append(start_server(REDIS, port, directory, "--requirepass", PASSWORD))
        wait_for(f"redis-server on {port} answers PING",
                 lambda: cli(REDIS, port, "--no-auth-warning", "-a", PASSWORD, "PING").strip() == "PONG",
                 time.monotonic() + BOOT_TIMEOUT)
        yield port


async def test_the_lane_authenticates_and_selects_the_database_like_the_pool(password_redis_port: int) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{password_redis_port}/5"
    storage = RedisStorage(url, key_prefix=RUN_PREFIX, client_name="tessera-app")
    other_db = RedisStorage(url.replace("/5", "/0"), key_prefix=RUN_PREFIX)
    try:
        await _one_session(storage)
        assert await storage.get_session("t1", "revoked-") == (SESSION, "1700000000000")
        assert storage._lane._protocol is not None  # answered by the lane, on database 5
        clients = await storage.client.client_list()
        assert sum(c["name"] == "tessera-app" for c in clients) >= 2  # the lane is named like the pool
        assert await other_db.get_session("t1", "revoked-") == (None, None)
        wrong = RedisStorage(url.replace(PASSWORD, "wrong"), key_prefix=RUN_PREFIX)
        try:
            with pytest.raises(Exception, match=r"(?i)auth|password|WRONGPASS"):
                await wrong.get_session("t1", "revoked-")
        finally:
            await wrong.close()
    finally:
        await storage.close()
        await other_db.close()


def test_the_lane_runs_on_uvloop_as_servers_run_it() -> None:
    # uvloop's transports are not asyncio's classes: the protocol must not assume them
    uvloop = pytest.importorskip("uvloop")
    from tests._redis import REDIS_URL

    async def read() -> tuple[Any, bool]:
        storage = RedisStorage(REDIS_URL, key_prefix=f"{RUN_PREFIX}uvloop:")
        try:
            try:
                await storage.client.ping()
            except Exception as exc:
                pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc!r}")
            await _one_session(storage)
            got = await asyncio.gather(*(storage.get_session("t1", "revoked-") for _ in range(3)))
            used = storage._lane._protocol is not None
            await storage.client.delete(f"{RUN_PREFIX}uvloop:t1", f"{RUN_PREFIX}uvloop:revoked-u1")
            return got, used
        finally:
            await storage.close()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        got, used = runner.run(read())
    assert got == [(SESSION, "1700000000000")] * 3 and used
