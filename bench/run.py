#!/usr/bin/env python3
"""Benchmark tessera against the pinned Better Auth 1.7.24 reference, side by side.

    python bench/run.py                       # everything, ~4 minutes, writes bench/results/<date>.md
    python bench/run.py --targets tessera-uvicorn,better-auth --duration 5 --out /tmp/quick.md

Targets, each started alone, pinned to one core (``taskset -c 0``) with the load generator on the other:

* ``tessera-uvicorn`` / ``tessera-granian``: ``bench/apps.py:tessera`` on PostgreSQL (database
  ``tessera_bench``), uvicorn with uvloop + httptools, or granian (ASGI, uvloop); one worker.
* ``better-auth``: ``tests/reference/node/server.mjs`` (better-auth 1.7.24, core only) on PostgreSQL
  (database ``tessera_bench_ref``), ``NODE_ENV=production``; its ``/healthz`` is the bare ``node:http`` ceiling.
* ``bare-uvicorn`` / ``bare-granian``: ``bench/apps.py:bare``, a raw ASGI ``{"ok":true}``: the ceiling of the
  Python server stack.

Scenarios: ``get-session`` (valid cookie, session read from the database), ``sign-in`` (real scrypt
N=16384 r=16 on both sides, the same user every time), ``ok`` (``GET /api/auth/ok``, no token). Each is
warmed up, then measured with wrk (or the built-in asyncio load generator when wrk is missing) for
``--duration`` seconds. Server CPU is read from ``/proc/<pid>/stat`` (the server's whole process tree) before
and after, and so is the CPU of the PostgreSQL backends serving that database. Both databases are dropped
and recreated at the start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference" / "node"
PASSWORD = "correct-horse-battery"
TICKS = os.sysconf("SC_CLK_TCK")
ALL_TARGETS = ["bare-uvicorn", "bare-granian", "tessera-uvicorn", "tessera-granian", "better-auth"]


# -- processes and CPU ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


# -- PostgreSQL -------------------------------------------------------------------------------------


def pg(admin_url: str, sql: str) -> list[Any]:
    import asyncpg

    async def run() -> list[Any]:
        conn = await asyncpg.connect(admin_url, timeout=5)
        try:
            return list(await conn.fetch(sql))
        finally:
            await conn.close()

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(run())
    finally:
        loop.close()


def recreate_database(admin_url: str, name: str) -> str:
    pg(admin_url, f'drop database if exists "{name}" with (force)')
    pg(admin_url, f'create database "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}"


def backend_cpu(admin_url: str, database: str) -> dict[int, float]:
    rows = pg(admin_url, f"select pid from pg_stat_activity where datname = '{database}' and pid <> pg_backend_pid()")
    return {int(r["pid"]): cpu_seconds(int(r["pid"])) for r in rows}


# -- load generation --------------------------------------------------------------------------------

WRK_DONE = """
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"non2xx":%d,'
    .. '"socket_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass
class Load:
    method: str = "GET"
    path: str = "/"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    connections: int = 32


@dataclass
class Measured:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for our ASCII bodies


def run_wrk(base: str, load: Load, seconds: float, cpu: str | None) -> Measured:
    script = [f"wrk.method = {lua_string(load.method)}"]
    if load.body:
        script.append(f"wrk.body = {lua_string(load.body)}")
    for k, v in load.headers.items():
        script.append(f"wrk.headers[{lua_string(k)}] = {lua_string(v)}")
    script.append(WRK_DONE)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write("\n".join(script))
        lua = f.name
    try:
        cmd = pinned(
            cpu,
            [
                "wrk",
                "-t1",
                f"-c{load.connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                lua,
                base + load.path,
            ],
        )
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(lua)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    r = json.loads(line[7:])
    return Measured(
        r["requests"],
        r["duration_us"] / 1e6,
        r["p50_us"] / 1e3,
        r["p90_us"] / 1e3,
        r["p99_us"] / 1e3,
        r["non2xx"],
        r["socket_errors"],
    )


async def _asyncio_load(base: str, load: Load, seconds: float) -> Measured:
    """A small keep-alive HTTP/1.1 load generator (used when wrk is not installed)."""
    from urllib.parse import urlsplit

    u = urlsplit(base)
    body = load.body.encode()
    head = [f"{load.method} {load.path} HTTP/1.1", f"Host: {u.netloc}"]
    head += [f"{k}: {v}" for k, v in load.headers.items()]
    if body or load.method == "POST":
        head.append(f"Content-Length: {len(body)}")
    request = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    latencies: list[float] = []
    bad = errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal bad, errors
        reader, writer = await asyncio.open_connection(u.hostname, u.port)
        try:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                writer.write(request)
                status_line = await reader.readline()
                status = int(status_line.split()[1])
                length, chunked = 0, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                        chunked = True
                if chunked:
                    while True:
                        size = int((await reader.readline()).split(b";")[0], 16)
                        await reader.readexactly(size + 2)
                        if size == 0:
                            break
                elif length:
                    await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                if not 200 <= status < 400:
                    bad += 1
        except (OSError, ValueError, asyncio.IncompleteReadError):
            errors += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(load.connections)))
    elapsed = time.perf_counter() - start
    q = statistics.quantiles(sorted(latencies), n=100) if len(latencies) > 1 else [0.0] * 99
    return Measured(len(latencies), elapsed, q[49] * 1e3, q[89] * 1e3, q[98] * 1e3, bad, errors)


def run_load(base: str, load: Load, seconds: float, cpu: str | None, use_wrk: bool) -> Measured:
    if use_wrk:
        return run_wrk(base, load, seconds, cpu)
    if cpu is not None:
        os.sched_setaffinity(0, {int(c) for c in cpu.split(",")})
    return asyncio.run(_asyncio_load(base, load, seconds))


# -- targets ----------------------------------------------------------------------------------------


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any, list[str]]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={**(headers or {})})
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null"), r.headers.get_all("set-cookie") or []
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), []


@dataclass
class Target:
    name: str
    kind: str  # tessera | better-auth | bare
    server: str  # uvicorn | granian | node
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    database: str | None = None
    log: Path | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, args: argparse.Namespace, database_url: str | None, logdir: Path) -> None:
        self.port = free_port()
        self.log = logdir / f"{self.name}.log"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH")) if p)
        cwd = ROOT
        factory = "bench.apps:bare" if self.kind == "bare" else "bench.apps:tessera"
        if self.kind == "tessera":
            assert database_url
            env.update(TESSERA_BENCH_DATABASE=database_url, TESSERA_BENCH_PORT=str(self.port))
        if self.server == "uvicorn":
            cmd = [
                sys.executable,
                "-m",
                "uvicorn",
                factory,
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
                "--lifespan",
                "on",
            ]
        elif self.server == "granian":
            cmd = [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "asgi",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--loop",
                "uvloop",
                "--no-ws",
                "--log-level",
                "warning",
                factory,
            ]
        else:
            assert database_url
            env["NODE_ENV"] = "production"
            cmd = ["node", "server.mjs", "--port", str(self.port), "--database-url", database_url]
            cwd = REFERENCE
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                pinned(args.server_cpu, cmd), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
            )
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
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def loads(self, args: argparse.Namespace) -> dict[str, Load]:
        if self.kind == "bare":
            return {"bare": Load("GET", "/", connections=args.connections)}
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        status, _, _ = http(
            "POST", self.base + "/api/auth/sign-up/email", {"email": email, "password": PASSWORD, "name": "Bench"}
        )
        assert status == 200, f"{self.name}: sign-up answered {status}"
        status, body, cookies = http(
            "POST", self.base + "/api/auth/sign-in/email", {"email": email, "password": PASSWORD}
        )
        assert status == 200 and cookies, f"{self.name}: sign-in answered {status}"
        cookie = "; ".join(c.split(";", 1)[0] for c in cookies)
        status, body, _ = http("GET", self.base + "/api/auth/get-session", headers={"cookie": cookie})
        assert status == 200 and body and body["user"]["email"] == email, f"{self.name}: get-session {body}"
        loads = {
            "get-session": Load("GET", "/api/auth/get-session", {"Cookie": cookie}, connections=args.connections),
            "sign-in": Load(
                "POST",
                "/api/auth/sign-in/email",
                {"Content-Type": "application/json"},
                json.dumps({"email": email, "password": PASSWORD}),
                connections=args.signin_connections,
            ),
            "ok": Load("GET", "/api/auth/ok", connections=args.connections),
        }
        if self.kind == "better-auth":
            loads["bare"] = Load("GET", "/healthz", connections=args.connections)
        return loads


@dataclass
class Row:
    target: str
    server: str
    scenario: str
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms: float
    db_cpu_ms: float | None
    requests: int
    non2xx: int
    socket_errors: int


def measure(target: Target, args: argparse.Namespace, admin_url: str, use_wrk: bool) -> list[Row]:
    rows = []
    assert target.proc is not None
    for scenario, load in target.loads(args).items():
        if scenario not in args.scenarios and not (scenario == "bare" and "bare" in args.scenarios):
            continue
        run_load(target.base, load, args.warmup, args.load_cpu, use_wrk)
        wait_idle(target.proc.pid)
        cpu0 = tree_cpu(target.proc.pid)
        db0 = backend_cpu(admin_url, target.database) if target.database else {}
        m = run_load(target.base, load, args.duration, args.load_cpu, use_wrk)
        server_cpu = delta_cpu(cpu0, tree_cpu(target.proc.pid))
        db_cpu = delta_cpu(db0, backend_cpu(admin_url, target.database)) if target.database else None
        n = max(1, m.requests)
        label = "node:http /healthz" if target.kind == "better-auth" and scenario == "bare" else scenario
        rows.append(
            Row(
                target.name,
                target.server,
                label,
                m.rps,
                m.p50_ms,
                m.p99_ms,
                server_cpu * 1e3 / n,
                db_cpu * 1e3 / n if db_cpu is not None else None,
                m.requests,
                m.non2xx,
                m.socket_errors,
            )
        )
        print(
            f"  {target.name:16s} {label:20s} {m.rps:10.1f} req/s  p50 {m.p50_ms:8.2f} ms  "
            f"p99 {m.p99_ms:8.2f} ms  cpu {server_cpu * 1e3 / n:7.3f} ms/req  non2xx {m.non2xx}",
            flush=True,
        )
    return rows


# -- report -----------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    def out(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return "n/a"

    from importlib.metadata import PackageNotFoundError, version

    def pkg(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "n/a"

    ba = json.loads((REFERENCE / "node_modules" / "better-auth" / "package.json").read_text())["version"]
    cpu_model = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    commit = out(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    return {
        "tessera commit": commit,
        "python": platform.python_version(),
        "uvicorn": pkg("uvicorn"),
        "uvloop": pkg("uvloop"),
        "httptools": pkg("httptools"),
        "granian": pkg("granian"),
        "sqlalchemy": pkg("sqlalchemy"),
        "asyncpg": pkg("asyncpg"),
        "node": out(["node", "--version"]),
        "better-auth": ba,
        "wrk": out(["wrk", "--version"]).splitlines()[0] if shutil.which("wrk") else "n/a",
        "cpu": f"{os.cpu_count()} x {cpu_model}",
        "kernel": platform.release(),
        "load average at the end": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def fmt(v: float | None, digits: int = 1) -> str:
    return "n/a" if v is None else f"{v:,.{digits}f}"


def report(rows: list[Row], args: argparse.Namespace, command: str, info: dict[str, str], use_wrk: bool) -> str:
    lines = [
        f"# Benchmark: tessera vs Better Auth {info['better-auth']} ({dt.date.today().isoformat()})",
        "",
        "Produced by:",
        "",
        "```sh",
        command,
        "```",
        "",
        "Machine and versions: " + "; ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "",
        f"Method: each target started alone; server pinned to CPU {args.server_cpu}, load generator "
        f"({'wrk -t1' if use_wrk else 'built-in asyncio generator'}) on CPU {args.load_cpu}; PostgreSQL unpinned. "
        f"{args.warmup:g} s warm-up then {args.duration:g} s measured per scenario; {args.connections} connections "
        f"({args.signin_connections} for sign-in). Server CPU = utime+stime of the server's process tree from "
        "/proc, DB CPU = the same for the PostgreSQL backends of that server's database, both per request. "
        "Sign-in uses the real scrypt cost (N=16384, r=16, p=1) on both sides. The machine is shared: req/s moves "
        "between runs, CPU per request is the steadier figure.",
        "",
        "| target | scenario | req/s | p50 ms | p99 ms | server CPU ms/req | DB CPU ms/req | requests | non-2xx |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.target} | {r.scenario} | {fmt(r.rps)} | {fmt(r.p50_ms, 2)} | {fmt(r.p99_ms, 2)} | "
            f"{fmt(r.server_cpu_ms, 3)} | {fmt(r.db_cpu_ms, 3)} | {r.requests:,} | {r.non2xx + r.socket_errors} |"
        )
    by = {(r.target, r.scenario): r for r in rows}
    ratio_rows = []
    for scenario in ("get-session", "sign-in", "ok"):
        ba = by.get(("better-auth", scenario))
        if not ba:
            continue
        for name in ("tessera-uvicorn", "tessera-granian"):
            ts = by.get((name, scenario))
            if ts and ba.rps and ts.server_cpu_ms:
                ratio_rows.append(
                    f"| {scenario} | {name} | {ts.rps / ba.rps:.2f}x | {ba.server_cpu_ms / ts.server_cpu_ms:.2f}x | "
                    f"{ba.p50_ms / ts.p50_ms if ts.p50_ms else 0:.2f}x |"
                )
    if ratio_rows:
        lines += [
            "",
            "Ratios against Better Auth (higher is better for tessera):",
            "",
            "| scenario | tessera on | req/s ratio | CPU/req ratio (BA / tessera) | p50 ratio (BA / tessera) |",
            "|---|---|---:|---:|---:|",
            *ratio_rows,
        ]
    ceilings = [r for r in rows if r.scenario in ("bare", "node:http /healthz")]
    if ceilings:
        lines += [
            "",
            "Ceilings (no auth work): "
            + "; ".join(
                f"{r.target} {r.scenario} {fmt(r.rps)} req/s at {fmt(r.server_cpu_ms, 3)} ms CPU/req" for r in ceilings
            )
            + ".",
        ]
    return "\n".join(lines) + "\n"


# -- main -------------------------------------------------------------------------------------------


def ensure_node_modules() -> None:
    if not (REFERENCE / "node_modules" / "better-auth" / "package.json").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=REFERENCE, check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", default=",".join(ALL_TARGETS))
    ap.add_argument("--scenarios", default="get-session,sign-in,ok,bare")
    ap.add_argument("--duration", type=float, default=8.0, help="seconds measured per scenario (max 10)")
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--signin-connections", type=int, default=4)
    ap.add_argument("--server-cpu", default="0", help="CPU list for the server (taskset), '' for none")
    ap.add_argument("--load-cpu", default="1", help="CPU list for the load generator, '' for none")
    ap.add_argument(
        "--postgres", default=os.environ.get("TESSERA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    ap.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / f"{dt.date.today().isoformat()}.md"))
    args = ap.parse_args()
    args.duration = min(args.duration, 10.0)
    args.scenarios = set(args.scenarios.split(","))
    if not shutil.which("taskset") or args.server_cpu == "":
        args.server_cpu = None
    if not shutil.which("taskset") or args.load_cpu == "":
        args.load_cpu = None
    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and shutil.which("wrk") is not None)
    command = "python bench/run.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    targets = [t for t in args.targets.split(",") if t]

    needs_node = "better-auth" in targets
    if needs_node:
        ensure_node_modules()
    databases: dict[str, str] = {}
    if any(t.startswith("tessera") for t in targets):
        databases["tessera"] = recreate_database(args.postgres, "tessera_bench")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join((str(ROOT / "src"), str(ROOT))))
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import asyncio, sys, bench.apps as a; asyncio.run(a.migrate(sys.argv[1]))",
                databases["tessera"],
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )
    if needs_node:
        databases["better-auth"] = recreate_database(args.postgres, "tessera_bench_ref")

    rows: list[Row] = []
    logdir = Path(tempfile.mkdtemp(prefix="tessera-bench-"))
    started = time.monotonic()
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load generator: {'wrk' if use_wrk else 'python asyncio'}; logs in {logdir}", flush=True)
    for name in targets:
        kind, _, server = name.partition("-")
        if kind == "better":
            kind, server = "better-auth", "node"
        target = Target(name, kind, server)
        db_url = databases.get("tessera" if kind == "tessera" else kind)
        target.database = db_url.rsplit("/", 1)[1] if db_url else None
        try:
            target.start(args, db_url, logdir)
            rows.extend(measure(target, args, args.postgres, use_wrk))
        finally:
            target.stop()
    print(f"total {time.monotonic() - started:.0f} s", flush=True)

    info = versions()
    info = {**info, "load average at the start": load_before}
    text = report(rows, args, command, info, use_wrk)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n")
    print(text)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
