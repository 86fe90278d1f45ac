"""A Redis Cluster failover under traffic: a master is SIGKILLed, the cluster promotes its replica, and the app
follows without a restart.

Two ``Tessera`` instances share a ``redis+cluster://`` secondary storage (cookie cache on, so the revocation feed
matters) on the test's own cluster of three masters with a replica each (``boot_cluster(replicas=1)``, a 1 s
``cluster-node-timeout``): it loses a master. Sessions are written, ``WAIT 1 1000`` on every master makes sure the
replicas have them, the master serving the first session's slot is killed, and get-session and sign-in requests
keep coming. Every answer is a 200 for the right user or a 503 ``SERVICE_UNAVAILABLE``: never a 500, never someone
else's session, never "signed out" for a valid session. Within ``RECOVERY_SECONDS`` the replica is master and the
sessions written before the failover are read from it; a sign-in (a write) works, both revocation feeds are live
again, and a sign-out on one instance is honoured by the other, cache cookie included (the drill is
``tests/_failover.py``'s).

A shard lost whole (its master and its replica killed) has no replica to promote: the cluster stops serving every
slot (``cluster-require-full-coverage``, the default), and the answers are 503s, each after redis-py's retries,
never a 500 and never a hang.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

pytest.importorskip("redis")

from redis.crc import key_slot

from tests._failover import (
    App,
    Traffic,
    sessions_survived,
    shared_apps,
    sign_out_is_honoured,
    sign_up_users,
    traffic_round,
    traffic_until_recovered,
)
from tests._redis_cluster import REDIS, Cluster, ClusterNode, boot_cluster, cli, require_redis

#: the master is failing after the 1 s node timeout, failed once the other masters agree, and its replica is
#: elected after a random delay of up to 1 s: a few seconds in practice
RECOVERY_SECONDS = 15.0
#: redis-py's cluster client retries a command through the failover (10 attempts, backoff capped at 1 s, 0.25 s
#: more after each CLUSTERDOWN): a request waits for the promotion and gets a 200, or a 503 once the retries are
#: spent, which takes up to about 8 s
REQUEST_SECONDS = 12.0


def _master_of_token(cluster: Cluster, apps: list[App], token: str) -> ClusterNode:
    """The master serving the slot of the session ``token``'s key."""
    return cluster.master_of(key_slot(f"{apps[0][1].prefix}{token}".encode()))


@pytest.fixture
async def drill() -> AsyncIterator[tuple[Cluster, list[App]]]:
    """The test's own cluster (it loses a master) and the two instances sharing it."""
    require_redis("REDIS CLUSTER FAILOVER")
    with boot_cluster(REDIS, replicas=1) as cluster:
        async with shared_apps(cluster.url) as apps:
            yield cluster, apps


async def test_a_cluster_failover_costs_503s_only_and_sessions_survive_it(
    drill: tuple[Cluster, list[App]], caplog: pytest.LogCaptureFixture
) -> None:
    cluster, apps = drill
    browsers = await sign_up_users(apps[0][0])
    for master in (node for node in cluster.nodes() if node.role == "master"):
        assert cluster.replicate(master) == 1, f"the replica of {master.port} is behind"  # it has every session
    _, token = next(iter(browsers.values()))
    master = _master_of_token(cluster, apps, token)
    replica = cluster.replica_of(master)

    cluster.kill(master.port)
    traffic = await traffic_until_recovered(apps, browsers, time.monotonic(), RECOVERY_SECONDS, REQUEST_SECONDS)
    deadline = time.monotonic() + 5  # as every node sees it, which the gossip may take a moment to tell
    while (serving := _master_of_token(cluster, apps, token)).port != replica.port:
        assert time.monotonic() < deadline, f"the slot is served by {serving}, not by the replica {replica}"
        await asyncio.sleep(0.05)

    await sessions_survived(apps, browsers)

    # after: writes work, both feeds are back, a sign-out on one instance is honoured by the other
    await sign_out_is_honoured(apps, RECOVERY_SECONDS)
    feeds_lost = sum("revocation feed lost" in record.getMessage() for record in caplog.records)
    print(f"\ncluster failover of master {master.port} (replica {replica.port}): {traffic}; feeds lost: {feeds_lost}")


async def test_a_shard_lost_whole_costs_503s_not_500s_nor_hangs(drill: tuple[Cluster, list[App]]) -> None:
    cluster, apps = drill
    browsers = await sign_up_users(apps[0][0])
    _, token = next(iter(browsers.values()))
    master = _master_of_token(cluster, apps, token)
    survivor = next(node for node in cluster.nodes() if node.role == "master" and node != master)
    cluster.kill(cluster.replica_of(master).port)
    cluster.kill(master.port)
    killed = time.monotonic()
    while "cluster_state:fail" not in cli(REDIS, survivor.port, "CLUSTER", "INFO"):
        assert time.monotonic() - killed < RECOVERY_SECONDS, "the cluster never noticed the lost shard"
        await asyncio.sleep(0.05)

    traffic = Traffic(REQUEST_SECONDS)
    assert not await traffic_round(apps, browsers, traffic)  # every answer checked: a 200 as it should be, or a 503
    assert traffic.statuses[503] >= 1
    print(f"\nshard lost: {dict(traffic.statuses)} answers, slowest request {traffic.slowest:.2f} s")
