"""Real Redis-protocol servers for tests (pytest plugin, loaded by ``tests/conftest.py``).

``boot_cluster(binaries)`` starts three masters of a server (``redis-server``, or Valkey's ``valkey-server``) on
free localhost ports in a temporary directory, joins them with its CLI's ``--cluster create`` (no replicas), waits
for ``cluster_state:ok`` and yields a ``Cluster`` description; at the end it kills the servers and removes the
directory. Boot takes about 2 s, which is the server's own floor: a fresh master waits 2 s
(``CLUSTER_WRITABLE_DELAY``) before it reports ``ok``. ``boot_server(binaries)`` is one standalone server, the same
way. Neither persists anything.

``redis_cluster`` (session-scoped) is that cluster from ``redis-server``/``redis-cli`` on the PATH;
``TESSERA_TEST_REDIS_CLUSTER`` (a ``redis+cluster://host:port,...`` URL) uses an existing cluster instead. Without
the binaries, tests using it are skipped, and the reason is printed.
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
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NoReturn

import pytest

NODES = 3
BOOT_TIMEOUT = 10.0


@dataclass(frozen=True)
class ServerBinaries:
    """A Redis-protocol server, its CLI and the URL scheme clients reach it with."""

    name: str  # for messages: "Redis", "Valkey"
    server: str
    cli: str
    scheme: str  # redis, valkey (a cluster URL is <scheme>+cluster://)


REDIS = ServerBinaries("Redis", "redis-server", "redis-cli", "redis")


@dataclass(frozen=True)
class Cluster:
    ports: tuple[int, ...]
    url: str  # <scheme>+cluster://127.0.0.1:p1,127.0.0.1:p2,...


def cluster_from_url(url: str) -> Cluster:
    """An existing cluster, named by its ``<scheme>+cluster://`` URL."""
    hosts = url.partition("://")[2].partition("/")[0].rpartition("@")[2]
    return Cluster(tuple(int(h.rpartition(":")[2]) for h in hosts.split(",")), url)


def skip_loudly(reason: str) -> NoReturn:
    """Skip, and say so in the warnings summary too: a server missing here means its tests did not run."""
    warnings.warn(reason, stacklevel=2)
    pytest.skip(reason)


def free_port_pair() -> int:
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
    raise RuntimeError("no free port pair for a cluster node")


def cli(binaries: ServerBinaries, port: int, *args: str) -> str:
    result = subprocess.run(
        [binaries.cli, "-h", "127.0.0.1", "-p", str(port), *args], capture_output=True, text=True, timeout=5
    )
    return result.stdout


def wait_for(what: str, ready: Callable[[], bool], deadline: float) -> None:
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"test server did not boot: {what}")
        time.sleep(0.02)


def start_server(
    binaries: ServerBinaries, port: int, directory: Path, *options: str, config: Path | None = None
) -> subprocess.Popen[bytes]:
    """A server on ``port``, its files in ``directory``; ``config``: a configuration file read first (one the
    server may rewrite, as a sentinel does)."""
    return subprocess.Popen(
        [
            binaries.server, *([str(config)] if config else []), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(directory / "server.log"),
            *options,
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _cluster_ok(binaries: ServerBinaries, port: int) -> bool:
    return "cluster_state:ok" in cli(binaries, port, "CLUSTER", "INFO")


def answers_ping(binaries: ServerBinaries, port: int, deadline: float) -> None:
    wait_for(f"{binaries.name} on {port} answers PING", lambda: cli(binaries, port, "PING").strip() == "PONG", deadline)


@contextmanager
def server_processes(binaries: ServerBinaries) -> Iterator[tuple[Path, list[subprocess.Popen[bytes]]]]:
    """A temporary directory for the servers started into the list; at the end they are killed, it is removed."""
    directory = Path(tempfile.mkdtemp(prefix=f"tessera-{binaries.scheme}-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        yield directory, processes
    finally:
        for process in processes:
            process.kill()
        for process in processes:
            process.wait(timeout=5)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def boot_server(binaries: ServerBinaries) -> Iterator[str]:
    """One standalone server; yields its URL (``<scheme>://127.0.0.1:<port>/0``)."""
    with server_processes(binaries) as (directory, processes):
        port = free_port_pair()
        processes.append(start_server(binaries, port, directory))
        answers_ping(binaries, port, time.monotonic() + BOOT_TIMEOUT)
        yield f"{binaries.scheme}://127.0.0.1:{port}/0"


@contextmanager
def boot_cluster(binaries: ServerBinaries) -> Iterator[Cluster]:
    with server_processes(binaries) as (directory, processes):
        deadline = time.monotonic() + BOOT_TIMEOUT
        ports: list[int] = []
        for n in range(NODES):
            port = free_port_pair()
            node_dir = directory / str(n)
            node_dir.mkdir()
            processes.append(start_server(
                binaries, port, node_dir,
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
            ))
            ports.append(port)
        for port in ports:
            answers_ping(binaries, port, deadline)
        created = subprocess.run(
            [binaries.cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports),
             "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True, text=True, timeout=BOOT_TIMEOUT,
        )
        if created.returncode != 0:
            raise RuntimeError(f"{binaries.cli} --cluster create failed: {created.stdout}{created.stderr}")
        for port in ports:
            wait_for(f"node {port} reports cluster_state:ok", partial(_cluster_ok, binaries, port), deadline)
        yield Cluster(tuple(ports), f"{binaries.scheme}+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports))


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[Cluster]:
    url = os.environ.get("TESSERA_TEST_REDIS_CLUSTER")
    if url:
        yield cluster_from_url(url)
        return
    missing = [tool for tool in (REDIS.server, REDIS.cli) if shutil.which(tool) is None]
    if missing:
        skip_loudly(f"REDIS CLUSTER TESTS SKIPPED: {' and '.join(missing)} not on the PATH (apt-get install redis-server)")
    with boot_cluster(REDIS) as cluster:
        yield cluster
