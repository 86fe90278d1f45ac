"""A Redis Sentinel failover under traffic: the master is SIGKILLed, the sentinels promote its replica, and the
app follows without a restart.

Two ``Tessera`` instances share a ``redis+sentinel://`` secondary storage (cookie cache on, so the revocation
feed matters). Sessions are written, ``WAIT 1 1000`` makes sure the replica has them, the master is killed, and
get-session and sign-in requests keep coming. Every answer is a 200 for the right user or a 503
``SERVICE_UNAVAILABLE``: never a 500, never someone else's session, never "signed out" for a valid session.
Within ``RECOVERY_SECONDS`` the replica is master and the sessions written before the failover are read from it;
a sign-in (a write) works, both revocation feeds are live again, and a sign-out on one instance is honoured by
the other, cache cookie included. The topology is the test's own (``boot_sentinel``): it loses its master.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

pytest.importorskip("redis")

from tessera import Tessera
from tessera.adapters.memory import MemoryAdapter
from tessera.storage.redis import RedisStorage
from tests._helpers import Client, make_auth
from tests._redis import wait_until_live
from tests._redis_sentinel import SentinelTopology, boot_sentinel, require_redis_sentinel

PASSWORD = "correct-horse-battery"
UNAVAILABLE = {"message": "Service Unavailable", "code": "SERVICE_UNAVAILABLE"}
#: down-after 1 s, then the sentinels elect a leader and promote the replica: a few seconds in practice
RECOVERY_SECONDS = 15.0
#: a request that takes longer than this during the failover counts as a hang
REQUEST_SECONDS = 5.0
USERS = ("alice", "bob", "carol")


@pytest.fixture
def topology() -> Iterator[SentinelTopology]:
    require_redis_sentinel()
    with boot_sentinel() as topology:
        yield topology


@pytest.fixture
async def apps(topology: SentinelTopology) -> AsyncIterator[list[tuple[Tessera, RedisStorage]]]:
    made: list[tuple[Tessera, RedisStorage]] = []
    database = MemoryAdapter()  # one database for both instances; the sessions live in Redis
    try:
        for _ in range(2):
            storage = RedisStorage(topology.url, socket_connect_timeout=1, socket_timeout=2)
            auth = make_auth(
                database=database, secondary_storage=storage, session={"cookie_cache": {"enabled": True}}
            )
            made.append((auth, storage))
            await auth.startup()
            await wait_until_live(auth)
        yield made
    finally:
        for auth, storage in made:
            await auth.shutdown()
            await storage.close()


async def _timed(call: Any) -> Any:
    started = time.monotonic()
    response = await asyncio.wait_for(call, REQUEST_SECONDS)
    return response, time.monotonic() - started


def _check(response: Any, email: str, token: str | None = None) -> bool:
    """A 200 for ``email`` (and ``token``), or a 503; ``True`` for the 200."""
    if response.status == 503:
        assert response.json_body() == UNAVAILABLE
        return False
    assert response.status == 200, (response.status, response.body)
    body = response.json_body()
    assert body is not None, "a valid session answered as signed out"
    assert body["user"]["email"] == email
    if token is not None:
        assert body["session"]["token"] == token
    return True


async def test_a_sentinel_failover_costs_503s_only_and_sessions_survive_it(
    topology: SentinelTopology, apps: list[tuple[Tessera, RedisStorage]]
) -> None:
    (first, storage), (second, _) = apps
    browsers: dict[str, tuple[Client, str]] = {}
    for name in USERS:
        browser = Client(first)
        assert (await browser.sign_up(f"{name}@example.com", PASSWORD, name=name)).status == 200
        token = (await browser.get("/get-session")).json_body()["session"]["token"]
        browsers[f"{name}@example.com"] = (browser, token)
    assert await storage.client.execute_command("WAIT", 1, 1000) == 1  # the replica has every session

    topology.kill(topology.master_port)
    killed = time.monotonic()
    statuses: Counter[int] = Counter()
    slowest = 0.0
    recovered_at: float | None = None
    round_no = 0
    while recovered_at is None:
        assert time.monotonic() - killed < RECOVERY_SECONDS, f"no recovery in {RECOVERY_SECONDS} s: {statuses}"
        round_no += 1
        ok = True
        for email, (browser, token) in browsers.items():
            # each browser alternates between the two instances, as behind a load balancer
            browser.auth = apps[round_no % 2][0]
            response, took = await _timed(browser.get("/get-session"))
            slowest = max(slowest, took)
            statuses[response.status] += 1
            ok = _check(response, email, token) and ok
        email = USERS[round_no % len(USERS)] + "@example.com"
        response, took = await _timed(Client(apps[round_no % 2][0]).sign_in(email, PASSWORD))
        slowest = max(slowest, took)
        statuses[response.status] += 1
        ok = _check(response, email) and ok
        if ok:
            recovered_at = time.monotonic()
        else:
            await asyncio.sleep(0.05)
    recovery = recovered_at - killed
    assert topology.master_address() == ("127.0.0.1", topology.replica_port)

    # after: writes work, both feeds are back, a sign-out on one instance is honoured by the other
    for auth, _ in apps:
        await wait_until_live(auth, RECOVERY_SECONDS)
    dave = Client(first)
    assert (await dave.sign_in("alice@example.com", PASSWORD)).status == 200
    assert (await dave.get("/get-session")).json_body()["user"]["email"] == "alice@example.com"
    kept = dict(dave.cookies)
    assert any("session_data" in name for name in kept), kept  # a cache cookie to outrun
    dave.auth = second
    assert (await dave.get("/get-session")).status == 200  # the second instance read it: its cache is in play
    kept = dict(dave.cookies)
    dave.auth = first
    assert (await dave.post("/sign-out")).status == 200
    replay = Client(second)
    replay.cookies = kept
    deadline = time.monotonic() + 2
    while (body := (await replay.get("/get-session")).json_body()) is not None:
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.05)
    print(
        f"\nsentinel failover: {dict(statuses)} answers over {round_no} rounds, recovered {recovery:.2f} s after "
        f"the kill, slowest request {slowest:.2f} s"
    )

