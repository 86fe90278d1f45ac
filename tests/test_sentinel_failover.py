"""A Redis Sentinel failover under traffic: the master is SIGKILLed, the sentinels promote its replica, and the
app follows without a restart.

Two ``Tessera`` instances share a ``redis+sentinel://`` secondary storage (cookie cache on, so the revocation
feed matters). Sessions are written, ``WAIT 1 1000`` makes sure the replica has them, the master is killed, and
get-session and sign-in requests keep coming. Every answer is a 200 for the right user or a 503
``SERVICE_UNAVAILABLE``: never a 500, never someone else's session, never "signed out" for a valid session.
Within ``RECOVERY_SECONDS`` the replica is master and the sessions written before the failover are read from it;
a sign-in (a write) works, both revocation feeds are live again, and a sign-out on one instance is honoured by
the other, cache cookie included (the drill is ``tests/_failover.py``'s). The topology is the test's own
(``boot_sentinel``): it loses its master.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest

pytest.importorskip("redis")

from tests._failover import (
    App,
    sessions_survived,
    shared_apps,
    sign_out_is_honoured,
    sign_up_users,
    traffic_until_recovered,
)
from tests._redis_sentinel import SentinelTopology, boot_sentinel, require_redis_sentinel

#: down-after 1 s, then the sentinels elect a leader and promote the replica: a few seconds in practice
RECOVERY_SECONDS = 15.0


@pytest.fixture
def topology() -> Iterator[SentinelTopology]:
    require_redis_sentinel()
    with boot_sentinel() as topology:
        yield topology


@pytest.fixture
async def apps(topology: SentinelTopology) -> AsyncIterator[list[App]]:
    async with shared_apps(topology.url) as apps:
        yield apps


async def test_a_sentinel_failover_costs_503s_only_and_sessions_survive_it(
    topology: SentinelTopology, apps: list[App]
) -> None:
    browsers = await sign_up_users(apps[0][0])
    assert await apps[0][1].client.execute_command("WAIT", 1, 1000) == 1  # the replica has every session

    topology.kill(topology.master_port)
    traffic = await traffic_until_recovered(apps, browsers, time.monotonic(), RECOVERY_SECONDS)
    assert topology.master_address() == ("127.0.0.1", topology.replica_port)

    await sessions_survived(apps, browsers)

    # after: writes work, both feeds are back, a sign-out on one instance is honoured by the other
    await sign_out_is_honoured(apps, RECOVERY_SECONDS)
    print(f"\nsentinel failover: {traffic}")
