"""A real Redis Cluster for tests (pytest plugin, loaded by ``tests/conftest.py``).

``redis_cluster`` (session-scoped) starts three ``redis-server`` masters on free localhost ports in a temporary
directory, joins them with ``redis-cli --cluster create`` (no replicas), waits for ``cluster_state:ok`` and yields
a ``RedisCluster`` description; at the end it kills the servers and removes the directory. Boot takes about 2 s,
which is Redis' own floor: a fresh master waits 2 s (``CLUSTER_WRITABLE_DELAY``) before it reports ``ok``. ``TESSERA_TEST_REDIS_CLUSTER`` (a ``redis+cluster://host:port,...`` URL) uses an existing cluster instead.

Without ``redis-server``/``redis-cli`` on the PATH, tests using it are skipped, and the reason is printed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

NODES = 3
BOOT_TIMEOUT = 10.0


@dataclass(frozen=True)
class RedisCluster:
    ports: tuple[int, ...]
    url: str  # redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...


def _free_port_pair() -> int:
    """A port ``p`` with ``p`` and its cluster-bus port ``p + 10000`` both free."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


def _cli(port: int, *args: str) -> str:
    result = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args], capture_output=True, text=True, timeout=5
    )
    return result.stdout


def _wait(what: str, ready: Callable[[], bool], deadline: float) -> None:
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Redis Cluster did not boot: {what}")
        time.sleep(0.02)


def _boot(directory: Path, processes: list[subprocess.Popen[bytes]]) -> tuple[int, ...]:
    deadline = time.monotonic() + BOOT_TIMEOUT
    ports: list[int] = []
    for n in range(NODES):
        port = _free_port_pair()
        node_dir = directory / str(n)
        node_dir.mkdir()
        processes.append(subprocess.Popen(
            [
                "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(node_dir),
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(node_dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        ports.append(port)
    for port in ports:
        _wait(f"node {port} answers PING", lambda p=port: _cli(p, "PING").strip() == "PONG", deadline)
    created = subprocess.run(
        ["redis-cli", "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports),
         "--cluster-replicas", "0", "--cluster-yes"],
        capture_output=True, text=True, timeout=BOOT_TIMEOUT,
    )
    if created.returncode != 0:
        raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout}{created.stderr}")
    for port in ports:
        _wait(f"node {port} reports cluster_state:ok", lambda p=port: "cluster_state:ok" in _cli(p, "CLUSTER", "INFO"),
              deadline)
    return tuple(ports)


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    url = os.environ.get("TESSERA_TEST_REDIS_CLUSTER")
    if url:
        hosts = url.partition("://")[2].partition("/")[0].rpartition("@")[2]
        yield RedisCluster(tuple(int(h.rpartition(":")[2]) for h in hosts.split(",")), url)
        return
    missing = [tool for tool in ("redis-server", "redis-cli") if shutil.which(tool) is None]
    if missing:
        reason = f"REDIS CLUSTER TESTS SKIPPED: {' and '.join(missing)} not on the PATH (apt-get install redis-server)"
        warnings.warn(reason, stacklevel=1)
        pytest.skip(reason)
    directory = Path(tempfile.mkdtemp(prefix="tessera-redis-cluster-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        ports = _boot(directory, processes)
        yield RedisCluster(ports, "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports))
    finally:
        for process in processes:
            process.kill()
        for process in processes:
            process.wait(timeout=5)
        shutil.rmtree(directory, ignore_errors=True)
