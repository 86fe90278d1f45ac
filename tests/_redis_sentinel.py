"""A real Redis Sentinel topology for tests (pytest plugin, loaded by ``tests/conftest.py``).

``boot_sentinel(binaries)`` starts, on free localhost ports in a temporary directory, a master, one replica of it
(``--replicaof``) and three sentinels (``redis-server <config> --sentinel``, each with its own writable config
file: a sentinel records what it learns there) monitoring the master as ``mymaster`` with a quorum of 2, a 1 s
``down-after-milliseconds`` and a 5 s ``failover-timeout``. It waits until the replica is in sync and every
sentinel knows the replica and the two other sentinels (so a failover can be agreed on at once), then yields a
``SentinelTopology``; at the end every process is killed and the directory removed. The sentinels start only once
the replica is in sync, so the master's first INFO already names it; boot then takes about 3 s (the sentinels'
hello messages go out every 2 s). The servers and helpers are ``tests._redis_cluster``'s.

``redis_sentinel`` (session-scoped) is that topology from ``redis-server``/``redis-cli`` on the PATH, shared by
the tests that do not fail it over; ``TESSERA_TEST_REDIS_SENTINEL`` (a ``redis+sentinel://host:port,.../service``
URL) uses an existing one instead. Without the binaries, tests using it are skipped, and the reason is printed.
A test that kills the master boots its own with ``boot_sentinel``.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

import pytest

from tests._redis_cluster import (
    BOOT_TIMEOUT,
    REDIS,
    ServerBinaries,
    answers_ping,
    cli,
    free_port_pair,
    replica_synced,
    require_redis,
    server_processes,
    sigkill,
    start_server,
    wait_for,
)

SERVICE = "mymaster"
SENTINELS = 3


@dataclass(frozen=True)
class SentinelTopology:
    url: str  # <scheme>+sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3/mymaster
    master_port: int = 0  # 0: an existing topology, not ours to kill
    replica_port: int = 0
    sentinel_ports: tuple[int, ...] = ()
    binaries: ServerBinaries = REDIS
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict, compare=False, repr=False)

    def kill(self, port: int) -> None:
        """SIGKILL the server on ``port`` (no shutdown, no last words to its replica or clients)."""
        sigkill(self.processes[port])

    def master_address(self) -> tuple[str, int] | None:
        """The master's address according to the first sentinel that answers."""
        for port in self.sentinel_ports:
            reply = cli(self.binaries, port, "SENTINEL", "get-master-addr-by-name", SERVICE).split()
            if len(reply) == 2:
                return reply[0], int(reply[1])
        return None


def _sentinel_config(port: int, master_port: int) -> str:
    return (
        f"port {port}\n"
        "bind 127.0.0.1\n"
        f"sentinel monitor {SERVICE} 127.0.0.1 {master_port} 2\n"
        f"sentinel down-after-milliseconds {SERVICE} 1000\n"
        f"sentinel failover-timeout {SERVICE} 5000\n"
        f"sentinel parallel-syncs {SERVICE} 1\n"
    )


def _sentinel_view(binaries: ServerBinaries, port: int) -> tuple[str | None, str | None]:
    """How many replicas and other sentinels this sentinel knows of."""
    master = cli(binaries, port, "SENTINEL", "master", SERVICE).split("\n")
    info = dict(zip(master[::2], master[1::2], strict=False))
    return info.get("num-slaves"), info.get("num-other-sentinels")


def _sentinel_knows(binaries: ServerBinaries, port: int) -> str:
    replicas, sentinels = _sentinel_view(binaries, port)
    return f"it knows {replicas} replicas and {sentinels} other sentinels"


def _sentinel_ready(binaries: ServerBinaries, port: int) -> bool:
    """This sentinel knows the master, its replica and the other sentinels."""
    return _sentinel_view(binaries, port) == ("1", str(SENTINELS - 1))


@contextmanager
def boot_sentinel(binaries: ServerBinaries = REDIS) -> Iterator[SentinelTopology]:
    with server_processes(binaries) as (directory, processes):
        deadline = time.monotonic() + BOOT_TIMEOUT
        master_port, replica_port = free_port_pair(), free_port_pair()
        running: dict[int, subprocess.Popen[bytes]] = {}
        for name, port, options in (
            # a replica syncs at once, not after the default 5 s wait for other replicas to share the transfer
            ("master", master_port, ("--repl-diskless-sync-delay", "0")),
            ("replica", replica_port, ("--replicaof", "127.0.0.1", str(master_port))),
        ):
            (directory / name).mkdir()
            running[port] = start_server(binaries, port, directory / name, *options)
            processes.append(running[port])
        for port in (master_port, replica_port):
            answers_ping(binaries, port, deadline)
        # the sentinels start once the replica is in sync: a sentinel learns the replicas from the master's INFO,
        # which it asks for on connecting and then every 10 s, so one started earlier may wait 10 s to see it
        wait_for(f"replica {replica_port} in sync", lambda: replica_synced(binaries, replica_port), deadline)
        sentinel_ports = tuple(free_port_pair() for _ in range(SENTINELS))
        for n, port in enumerate(sentinel_ports):
            node_dir = directory / f"sentinel-{n}"
            node_dir.mkdir()
            config = node_dir / "sentinel.conf"
            config.write_text(_sentinel_config(port, master_port))
            running[port] = start_server(binaries, port, node_dir, "--sentinel", config=config)
            processes.append(running[port])
        for port in sentinel_ports:
            answers_ping(binaries, port, deadline)
        deadline = time.monotonic() + 3 * BOOT_TIMEOUT  # hello messages go out every 2 s, INFO every 10 s
        for port in sentinel_ports:
            wait_for(f"sentinel {port} sees the replica and the other sentinels",
                     partial(_sentinel_ready, binaries, port), deadline, partial(_sentinel_knows, binaries, port))
        hosts = ",".join(f"127.0.0.1:{p}" for p in sentinel_ports)
        yield SentinelTopology(
            f"{binaries.scheme}+sentinel://{hosts}/{SERVICE}", master_port, replica_port, sentinel_ports, binaries,
            running,
        )


def require_redis_sentinel() -> None:
    require_redis("REDIS SENTINEL")


@pytest.fixture(scope="session")
def redis_sentinel() -> Iterator[SentinelTopology]:
    url = os.environ.get("TESSERA_TEST_REDIS_SENTINEL")
    if url:
        yield SentinelTopology(url)
        return
    require_redis_sentinel()
    with boot_sentinel(REDIS) as topology:
        yield topology
