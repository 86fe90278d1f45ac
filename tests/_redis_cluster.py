"""Real Redis-protocol servers for tests (pytest plugin, loaded by ``tests/conftest.py``).

``boot_cluster(binaries)`` starts three masters of a server (``redis-server``, or Valkey's ``valkey-server``) on
free localhost ports in a temporary directory, joins them with its CLI's ``--cluster create`` (no replicas), waits
for ``cluster_state:ok`` and yields a ``Cluster`` description; at the end it kills the servers and removes the
directory. Boot takes about 2 s, which is the server's own floor: a fresh master waits 2 s
(``CLUSTER_WRITABLE_DELAY``) before it reports ``ok``. ``boot_server(binaries)`` is one standalone server, the same
way. Neither persists anything.

``boot_cluster(binaries, replicas=1)`` gives each master a replica (six nodes) and a 1 s ``cluster-node-timeout``,
so a killed master is failed over in a few seconds; it is yielded once every node sees the three masters and their
replicas, all connected, and every replica is in sync (about 3 s). A test that kills a node boots its own.

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
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NoReturn

import pytest

NODES = 3
BOOT_TIMEOUT = 10.0
#: how long a cluster with replicas lets a master be silent before failing it over (ms; the default is 15 s)
FAILOVER_NODE_TIMEOUT_MS = 1000


@dataclass(frozen=True)
class ServerBinaries:
    """A Redis-protocol server, its CLI and the URL scheme clients reach it with."""

    name: str  # for messages: "Redis", "Valkey"
    server: str
    cli: str
    scheme: str  # redis, valkey (a cluster URL is <scheme>+cluster://)


REDIS = ServerBinaries("Redis", "redis-server", "redis-cli", "redis")


@dataclass(frozen=True)
class ClusterNode:
    """One line of ``CLUSTER NODES``: a node as another node (or itself) sees it."""

    node_id: str
    port: int
    flags: frozenset[str]  # myself, master, slave, fail?, fail, handshake, noaddr, ...
    master_id: str  # "-" for a master
    link: str  # connected, disconnected
    slots: tuple[tuple[int, int], ...]  # the ranges a master serves, bounds included

    @property
    def role(self) -> str:
        return "master" if "master" in self.flags else "replica"

    def serves(self, slot: int) -> bool:
        return any(first <= slot <= last for first, last in self.slots)


def _slot_range(text: str) -> tuple[int, int] | None:
    """``"0-5460"`` or ``"5461"``; ``None`` for a slot being migrated (``[5461->-<id>]``)."""
    if text.startswith("["):
        return None
    first, _, last = text.partition("-")
    return int(first), int(last or first)


def cluster_nodes(binaries: ServerBinaries, port: int) -> list[ClusterNode]:
    """The cluster as the node on ``port`` sees it (empty when it does not answer)."""
    nodes = []
    for line in cli(binaries, port, "CLUSTER", "NODES").splitlines():
        if len(line.split()) < 8:
            continue  # not a node: an error reply
        node_id, address, flags, master_id, _, _, _, link, *slots = line.split()
        ranges = (_slot_range(text) for text in slots)
        nodes.append(ClusterNode(
            node_id, int(address.partition("@")[0].rpartition(":")[2]), frozenset(flags.split(",")), master_id, link,
            tuple(r for r in ranges if r is not None),
        ))
    return nodes


@dataclass(frozen=True)
class Cluster:
    ports: tuple[int, ...]
    url: str  # <scheme>+cluster://127.0.0.1:p1,127.0.0.1:p2,...
    binaries: ServerBinaries = REDIS
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict, compare=False, repr=False)

    def kill(self, port: int) -> None:
        """SIGKILL the node on ``port`` (no shutdown, no last words to its replica or clients)."""
        sigkill(self.processes[port])

    def nodes(self) -> list[ClusterNode]:
        """The cluster as the first node that answers sees it."""
        for port in self.ports:
            if nodes := cluster_nodes(self.binaries, port):
                return nodes
        return []

    def master_of(self, slot: int) -> ClusterNode:
        return next(node for node in self.nodes() if node.role == "master" and node.serves(slot))

    def replica_of(self, master: ClusterNode) -> ClusterNode:
        return next(node for node in self.nodes() if node.master_id == master.node_id)

    def replicate(self, master: ClusterNode, timeout_ms: int = 1000) -> int:
        """How many replicas have every write ``master`` took so far, waiting up to ``timeout_ms`` for one
        (``WAIT 1``). WAIT counts the replicas that have the writes of its own connection, so it follows a
        write of that connection to a key of one of ``master``'s slots: a fresh connection's WAIT waits for
        nothing."""
        from redis.crc import key_slot

        tag = next(f"{{wait-{n}}}" for n in range(100_000) if master.serves(key_slot(f"{{wait-{n}}}".encode())))
        result = subprocess.run(
            [self.binaries.cli, "-h", "127.0.0.1", "-p", str(master.port)],
            input=f"SET {tag} 1 PX 60000\nWAIT 1 {timeout_ms}\n", capture_output=True, text=True, timeout=5,
        )
        replies = result.stdout.split()
        if replies[:1] != ["OK"] or not replies[-1].isdigit():
            raise RuntimeError(f"SET and WAIT on {master.port} answered {result.stdout!r} {result.stderr!r}")
        return int(replies[-1])


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


def wait_for(what: str, ready: Callable[[], bool], deadline: float, seen: Callable[[], str] | None = None) -> None:
    """Until ``ready()``; past ``deadline`` a ``RuntimeError`` names ``what`` was awaited and, with ``seen``,
    what there was instead."""
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"test server did not boot: {what}" + (f"; instead: {seen()}" if seen else ""))
        time.sleep(0.02)


def sigkill(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.wait(timeout=5)


def require_redis(what: str) -> None:
    """Skip, loudly, unless ``redis-server`` and ``redis-cli`` are on the PATH."""
    missing = [tool for tool in (REDIS.server, REDIS.cli) if shutil.which(tool) is None]
    if missing:
        skip_loudly(f"{what} TESTS SKIPPED: {' and '.join(missing)} not on the PATH (apt-get install redis-server)")


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


def replica_synced(binaries: ServerBinaries, port: int) -> bool:
    return "master_link_status:up" in cli(binaries, port, "INFO", "replication")


def _settled(binaries: ServerBinaries, port: int, replicas: int) -> bool:
    """The node on ``port`` sees ``NODES`` masters serving slots, each with ``replicas`` replicas, every node
    connected and none failing or still shaking hands."""
    nodes = cluster_nodes(binaries, port)
    masters = [node for node in nodes if node.role == "master" and node.slots]
    return (
        len(nodes) == NODES * (1 + replicas) and len(masters) == NODES
        and all(sum(node.master_id == m.node_id for node in nodes) == replicas for m in masters)
        and all(node.link == "connected" and not node.flags & {"fail?", "fail", "handshake", "noaddr"} for node in nodes)
    )


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
def boot_cluster(binaries: ServerBinaries, replicas: int = 0) -> Iterator[Cluster]:
    with server_processes(binaries) as (directory, processes):
        deadline = time.monotonic() + BOOT_TIMEOUT * (1 + replicas)
        node_timeout = FAILOVER_NODE_TIMEOUT_MS if replicas else 2000
        running: dict[int, subprocess.Popen[bytes]] = {}
        for n in range(NODES * (1 + replicas)):
            port = free_port_pair()
            node_dir = directory / str(n)
            node_dir.mkdir()
            running[port] = start_server(
                binaries, port, node_dir,
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", str(node_timeout),
                # a replica syncs at once, not after the default 5 s wait for other replicas to share the transfer
                "--repl-diskless-sync-delay", "0",
            )
            processes.append(running[port])
        ports = tuple(running)
        for port in ports:
            answers_ping(binaries, port, deadline)
        created = subprocess.run(
            [binaries.cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports),
             "--cluster-replicas", str(replicas), "--cluster-yes"],
            capture_output=True, text=True, timeout=BOOT_TIMEOUT * (1 + replicas),
        )
        if created.returncode != 0:
            raise RuntimeError(f"{binaries.cli} --cluster create failed: {created.stdout}{created.stderr}")
        for port in ports:
            wait_for(f"node {port} reports cluster_state:ok", partial(_cluster_ok, binaries, port), deadline,
                     partial(cli, binaries, port, "CLUSTER", "INFO"))
        if replicas:
            for port in ports:
                wait_for(f"node {port} sees {NODES} masters with {replicas} replica(s) each, all connected",
                         partial(_settled, binaries, port, replicas), deadline,
                         partial(cli, binaries, port, "CLUSTER", "NODES"))
            for node in cluster_nodes(binaries, ports[0]):
                if node.role == "replica":
                    wait_for(f"replica {node.port} in sync", partial(replica_synced, binaries, node.port), deadline,
                             partial(cli, binaries, node.port, "INFO", "replication"))
        yield Cluster(
            ports, f"{binaries.scheme}+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports), binaries, running
        )


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[Cluster]:
    url = os.environ.get("TESSERA_TEST_REDIS_CLUSTER")
    if url:
        yield cluster_from_url(url)
        return
    require_redis("REDIS CLUSTER")
    with boot_cluster(REDIS) as cluster:
        yield cluster
