"""The servers under test: start one (pinned to a CPU), wait until it answers, measure its CPU, stop it.

A ``Target`` is one server stack (``tessera-uvicorn``, ``tessera-granian``, ``better-auth``, ``bare-*``); a
``Mode`` is the configuration it is started in (database sessions, cookie cache, Redis secondary storage, jwt
plugin). Every process started here is registered so ``stop_all()`` can end it on Ctrl-C or failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference" / "node"
TICKS = os.sysconf("SC_CLK_TCK")
_RUNNING: list[subprocess.Popen[bytes]] = []


# -- CPU accounting from /proc --------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), in seconds; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # fields 14 and 15 of stat(5)


def descendants(pid: int) -> list[int]:
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                out.extend(descendants(int(child)))
    return out


def tree_cpu(pid: int) -> dict[int, float]:
    return {p: cpu_seconds(p) for p in descendants(pid)}


def delta_cpu(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(v - before.get(p, 0.0) for p, v in after.items())


def wait_idle(pid: int, timeout: float = 20.0) -> None:
    """Wait until the server has finished the work left over from the warm-up (e.g. queued sign-ins)."""
    deadline = time.monotonic() + timeout
    last = sum(tree_cpu(pid).values())
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = sum(tree_cpu(pid).values())
        if now - last < 0.02:
            return
        last = now


def pinned(cpu: str | None, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", cpu, *cmd] if cpu is not None else cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- HTTP -------------------------------------------------------------------------------------------------


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, list[str]]:
    """One request; returns (status, JSON body or None, set-cookie headers)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={**(headers or {})})
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            raw = r.read()
            try:
                payload = json.loads(raw or b"null")
            except ValueError:
                payload = raw.decode(errors="replace")
            return r.status, payload, r.headers.get_all("set-cookie") or []
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw or b"null"), []
        except ValueError:
            return e.code, raw.decode(errors="replace"), []


# -- modes and targets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    """How an auth server is configured; the same switches on both sides."""

    name: str
    cookie_cache: bool = False
    redis: bool = False
    plugins: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = ["sessions in PostgreSQL" if not self.redis else "secondary storage on Redis (sessions in Redis)"]
        if self.cookie_cache:
            parts.append("cookie cache (compact, max_age 300)")
        if self.plugins:
            parts.append("plugins: " + ", ".join(self.plugins))
        return "; ".join(parts)


MODES = {
    "database": Mode("database"),
    "cookie-cache": Mode("cookie-cache", cookie_cache=True),
    "redis": Mode("redis", redis=True),
    # /token with a cookie-cache hit is the steady state the issue asks about (no session read either)
    "jwt": Mode("jwt", cookie_cache=True, plugins=("jwt",)),
}


@dataclass
class Target:
    name: str
    kind: str  # tessera | better-auth | bare
    server: str  # uvicorn | granian | node
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @classmethod
    def named(cls, name: str) -> Target:
        if name == "better-auth":
            return cls(name, "better-auth", "node")
        kind, _, server = name.partition("-")
        if kind not in ("tessera", "bare") or server not in ("uvicorn", "granian"):
            raise ValueError(f"unknown target {name!r}")
        return cls(name, kind, server)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, mode: Mode, database_url: str | None, redis_url: str | None, redis_prefix: str) -> list[str]:
        port = str(self.port)
        factory = "bench.apps:bare" if self.kind == "bare" else "bench.apps:tessera"
        if self.server == "uvicorn":
            return [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1", "--port", port,
                    "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
                    "--lifespan", "on"]  # fmt: skip
        if self.server == "granian":
            return [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                    "--port", port, "--workers", "1", "--loop", "uvloop", "--no-ws", "--log-level", "warning",
                    factory]  # fmt: skip
        assert database_url
        cmd = ["node", "server.mjs", "--port", port, "--database-url", database_url, "--app-name", self.app_name]
        if mode.cookie_cache:
            cmd.append("--cookie-cache")
        if mode.plugins:
            cmd += ["--plugins", ",".join(mode.plugins)]
        if mode.redis:
            assert redis_url
            cmd += ["--redis-url", redis_url, "--redis-prefix", redis_prefix]
        return cmd

    @property
    def app_name(self) -> str:
        """PostgreSQL application_name and Redis client name of this server's connections."""
        return f"tessera-bench-{self.name}-{self.port}"

    def start(
        self,
        mode: Mode,
        *,
        cpu: str | None,
        logdir: Path,
        database_url: str | None = None,
        redis_url: str | None = None,
        redis_prefix: str = "",
    ) -> None:
        self.port = free_port()
        self.log = logdir / f"{self.name}-{mode.name}-{self.port}.log"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH")) if p)
        if self.kind == "tessera":
            assert database_url
            env.update(
                TESSERA_BENCH_DATABASE=database_url,
                TESSERA_BENCH_PORT=str(self.port),
                TESSERA_BENCH_COOKIE_CACHE="1" if mode.cookie_cache else "",
                TESSERA_BENCH_REDIS=redis_url if mode.redis and redis_url else "",
                TESSERA_BENCH_REDIS_PREFIX=redis_prefix,
                TESSERA_BENCH_PLUGINS=",".join(mode.plugins),
                TESSERA_BENCH_APP_NAME=self.app_name,
            )
        if self.kind == "better-auth":
            env["NODE_ENV"] = "production"
        cmd = self.command(mode, database_url, redis_url, redis_prefix)
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                pinned(cpu, cmd),
                cwd=REFERENCE if self.kind == "better-auth" else ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _RUNNING.append(self.proc)
        ready = self.base + ("/" if self.kind == "bare" else "/api/auth/ok")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if http("GET", ready)[0] == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with contextlib.suppress(ValueError):
        _RUNNING.remove(proc)


def stop_all() -> None:
    """End every server this process started (by its own Popen handle) that is still running."""
    for proc in list(_RUNNING):
        _stop(proc)
