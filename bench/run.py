#!/usr/bin/env python3
"""Benchmark tessera against the pinned Better Auth 1.7.24 reference, side by side, in one command.

    python bench/run.py                    # everything, ~7 minutes; writes bench/results/<date>-full.md and .json
    python bench/run.py --targets tessera-granian,better-auth --scenarios get-session-redis --duration 3

Targets (each started alone, pinned to one core with ``taskset``, the load generator on the other):
``tessera-uvicorn`` / ``tessera-granian`` (``bench/apps.py:tessera``), ``better-auth``
(``tests/reference/node/server.mjs``, better-auth 1.7.24, ``NODE_ENV=production``) and the ceilings
``bare-uvicorn`` / ``bare-granian`` (a raw ASGI ``{"ok":true}``; Better Auth's is its own ``/healthz``).

Each auth server is started once per mode (``bench/processes.py:MODES``: database sessions, cookie cache,
Redis secondary storage, jwt plugin) with the same switches on both sides, on the same PostgreSQL (databases
``tessera_bench_<run>`` and ``tessera_bench_ref_<run>``, created at the start and dropped at the end) and the
same Redis (``--redis``, a dedicated logical database; keys under ``tessera-bench:<run>:`` only, deleted at the
end).
Scenarios per mode are in ``bench/scenarios.py``. For each mode:

1. **counting pass** (``--count-calls`` sequential calls per scenario): a tessera server (uvicorn) and a Better
   Auth server are started with ``log_statement = 'all'`` on their database and a Redis ``MONITOR`` open; SQL
   statements and Redis commands are counted on the servers (``bench/counting.py``);
2. **timed pass** per target: warm-up (``--warmup``), wait for the server to go idle, then wrk for
   ``--duration`` seconds; server CPU (the process tree's utime+stime from /proc) and the CPU of the
   PostgreSQL backends of its database are read before and after.

In the jwt mode the local-verification micro-benchmark runs too: ``bench/jwt_verify.py`` (tessera's
``Verifier``) and ``bench/jwt_verify_reference.mjs`` (``jose``'s ``jwtVerify``), each on its own server's token.
Everything started is stopped, and every database, Redis key and temporary file removed, on success, failure
or Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.counting import RedisMonitor, StatementLog, client_addrs, count_operation, delete_prefix, pg_fetch
from bench.loadgen import Load, run_load
from bench.processes import (
    MODES,
    REFERENCE,
    ROOT,
    Mode,
    Target,
    cpu_seconds,
    delta_cpu,
    pinned,
    stop_all,
    tree_cpu,
    wait_idle,
)
from bench.report import CountRow, Results, Row, VerifyRow, as_json, markdown
from bench.scenarios import ALL_SCENARIOS, SCENARIOS_BY_MODE, caller, loads, make_sessions, sign_in_user

ALL_TARGETS = ["bare-uvicorn", "bare-granian", "tessera-uvicorn", "tessera-granian", "better-auth"]
# one pair per run, so two runs (e.g. from two worktrees) never drop each other's databases
DATABASES = {"tessera": "tessera_bench_{run}", "better-auth": "tessera_bench_ref_{run}"}


class Bench:
    """One run: its settings, its databases and Redis prefix, and what it measured."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.results = Results()
        self.run_id = uuid.uuid4().hex[:8]
        self.redis_prefix = f"tessera-bench:{self.run_id}:"
        r = urlsplit(args.redis)
        self.redis_host, self.redis_port = r.hostname or "127.0.0.1", r.port or 6379
        self.redis_db = int(r.path.strip("/") or 0)
        self.logdir = Path(tempfile.mkdtemp(prefix="tessera-bench-"))
        self.databases: dict[str, str] = {}
        self.use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and shutil.which("wrk") is not None)

    # -- setup and cleanup ----------------------------------------------------------------------------------

    def database_url(self, side: str) -> str:
        return self.args.postgres.rsplit("/", 1)[0] + "/" + self.database(side)

    def database(self, side: str) -> str:
        return DATABASES[side].format(run=self.run_id)

    def create_databases(self, sides: set[str]) -> None:
        for side in sorted(sides):
            name = self.database(side)
            pg_fetch(self.args.postgres, f'drop database if exists "{name}" with (force)')
            pg_fetch(self.args.postgres, f'create database "{name}"')
            self.databases[side] = name
        if "tessera" in sides:
            env = dict(os.environ, PYTHONPATH=os.pathsep.join((str(ROOT / "src"), str(ROOT))))
            code = "import asyncio, sys, bench.apps as a; asyncio.run(a.migrate(sys.argv[1]))"
            subprocess.run([sys.executable, "-c", code, self.database_url("tessera")], env=env, cwd=ROOT, check=True)

    def cleanup(self, keep_logs: bool = False) -> None:
        stop_all()
        for name in self.databases.values():
            with contextlib.suppress(Exception):
                pg_fetch(self.args.postgres, f'alter database "{name}" reset log_statement')
            if not self.args.keep_databases:
                with contextlib.suppress(Exception):
                    pg_fetch(self.args.postgres, f'drop database if exists "{name}" with (force)')
        with contextlib.suppress(Exception):
            n = delete_prefix(self.redis_host, self.redis_port, self.redis_db, self.redis_prefix)
            print(f"deleted {n} Redis keys under {self.redis_prefix}", flush=True)
        if keep_logs:
            print(f"server logs kept in {self.logdir}", flush=True)
        else:
            shutil.rmtree(self.logdir, ignore_errors=True)

    # -- one server ---------------------------------------------------------------------------------------

    def start(self, target: Target, mode: Mode, cpu: str | None) -> None:
        side = "better-auth" if target.kind == "better-auth" else "tessera"
        target.start(
            mode,
            cpu=cpu,
            logdir=self.logdir,
            database_url=self.database_url(side) if target.kind != "bare" else None,
            redis_url=self.args.redis,
            redis_prefix=f"{self.redis_prefix}{target.name}:{mode.name}:",
        )

    def wanted(self, mode: Mode) -> list[str]:
        return [s for s in SCENARIOS_BY_MODE[mode.name] if s in self.args.scenarios]

    # -- counting pass ------------------------------------------------------------------------------------

    def count(self, mode: Mode, side: str) -> None:
        target = Target.named("better-auth" if side == "better-auth" else "tessera-uvicorn")
        log = StatementLog(self.args.postgres, self.database(side), self.args.pg_log)
        log.enable()  # before the server starts: the setting applies to new connections
        monitor = RedisMonitor(self.redis_host, self.redis_port, self.redis_db)
        try:
            self.start(target, mode, None)
            fx = sign_in_user(target, mode)
            for scenario, load in loads(target, mode, fx, 1, 1).items():
                if scenario not in self.wanted(mode) or scenario == "bare":
                    continue
                n = min(self.args.count_calls, 5) if scenario == "sign-in" else self.args.count_calls
                cookies = None
                if load.cookies is not None:
                    cookies = make_sessions(self.args.postgres, self.database_url(side), fx, n + 1)
                caller(target.base, load, cookies)(0)  # warm-up: connections, prepared statements, keys
                call = caller(target.base, load, cookies[1:] if cookies else None)
                c = count_operation(
                    call, n, log, monitor,
                    lambda t=target: client_addrs(self.redis_host, self.redis_port, t.app_name),
                    lambda: time.sleep(0.4),
                )  # fmt: skip
                self.results.counts.append(
                    CountRow(side, mode.name, scenario, c.n, c.sql, c.redis, c.sql_statements, c.redis_commands,
                             c.redis_in_scripts)
                )  # fmt: skip
                print(f"  count {side:12s} {scenario:18s} SQL/op {c.sql:5.2f}  Redis/op {c.redis:5.2f}  "
                      f"{c.redis_commands or ''}", flush=True)  # fmt: skip
        finally:
            target.stop()
            monitor.close()
            log.disable()

    # -- timed pass ---------------------------------------------------------------------------------------

    def measure(self, target: Target, mode: Mode) -> None:
        args = self.args
        self.start(target, mode, args.server_cpu)
        try:
            fx = sign_in_user(target, mode) if target.kind != "bare" else None
            side = "better-auth" if target.kind == "better-auth" else "tessera"
            for scenario, load in loads(target, mode, fx, args.connections, args.signin_connections).items():
                if scenario not in self.wanted(mode):
                    continue
                if load.cookies is not None:
                    assert fx is not None
                    load = self.sign_out_load(target, load, side, fx)
                else:
                    run_load(target.base, load, args.warmup, args.load_cpu, self.use_wrk)
                self.timed(target, mode, scenario, load, side)
            if "jwt" in mode.plugins and fx is not None and fx.jwt and target.name in self.verify_on:
                self.verify(target, fx.jwt)
        finally:
            target.stop()

    def sign_out_load(self, target: Target, load: Load, side: str, fx: Any) -> Load:
        """Warm up on sessions of its own, then size the measured batch from the warm-up's rate (x3 margin)."""
        args = self.args
        warm = make_sessions(args.postgres, self.database_url(side), fx, args.signout_warmup_sessions)
        m = run_load(target.base, replace(load, cookies=warm), args.warmup, args.load_cpu, self.use_wrk)
        n = min(args.signout_max_sessions, math.ceil(m.rps * args.duration * 3) + 2000)
        return replace(load, cookies=make_sessions(args.postgres, self.database_url(side), fx, n))

    def timed(self, target: Target, mode: Mode, scenario: str, load: Load, side: str) -> None:
        args = self.args
        assert target.proc is not None
        wait_idle(target.proc.pid)
        database = self.database(side) if target.kind != "bare" else None
        cpu0 = tree_cpu(target.proc.pid)
        db0 = backend_cpu(args.postgres, database) if database else {}
        m = run_load(target.base, load, args.duration, args.load_cpu, self.use_wrk)
        server_cpu = delta_cpu(cpu0, tree_cpu(target.proc.pid))
        db_cpu = delta_cpu(db0, backend_cpu(args.postgres, database)) if database else None
        n = max(1, m.requests)
        row = Row(target.name, target.server, mode.name, scenario, m.rps, m.p50_ms, m.p99_ms, server_cpu * 1e3 / n,
                  db_cpu * 1e3 / n if db_cpu is not None else None, m.requests, m.non2xx, m.socket_errors,
                  m.exhausted)  # fmt: skip
        self.results.rows.append(row)
        print(f"  {target.name:16s} {scenario:18s} {m.rps:10.1f} req/s  p50 {m.p50_ms:8.2f} ms  "
              f"p99 {m.p99_ms:8.2f} ms  cpu {row.server_cpu_ms:7.3f} ms/req  errors {m.non2xx + m.socket_errors}"
              f"{'  (sessions ran out)' if m.exhausted else ''}", flush=True)  # fmt: skip

    # -- local JWT verification ------------------------------------------------------------------------------

    @property
    def verify_on(self) -> set[str]:
        """One tessera target (the first) and Better Auth run the verification micro-benchmark."""
        first = next((t for t in self.targets if t.startswith("tessera")), None)
        return {t for t in (first, "better-auth") if t in self.targets}

    def verify(self, target: Target, token: str) -> None:
        base = target.base
        flags = ["--token", token, "--jwks-url", base + "/api/auth/jwks", "--issuer", base, "--audience", base,
                 "--seconds", str(self.args.verify_seconds)]  # fmt: skip
        if target.kind == "better-auth":
            cmd, cwd, side = ["node", str(ROOT / "bench" / "jwt_verify_reference.mjs"), *flags], REFERENCE, "better-auth"
        else:
            cmd, cwd, side = [sys.executable, "-m", "bench.jwt_verify", *flags], ROOT, "tessera"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join((str(ROOT / "src"), str(ROOT))))
        out = subprocess.run(pinned(self.args.load_cpu, cmd), cwd=cwd, env=env, capture_output=True, text=True,
                             check=True, timeout=self.args.verify_seconds * 4 + 60).stdout  # fmt: skip
        for line in out.splitlines():
            if line.startswith("{"):
                v = json.loads(line)
                self.results.verify.append(
                    VerifyRow(side, v["verifier"], v["alg"], v["ops_per_s"], v["us_per_op"], v["cpu_us_per_op"])
                )
                print(f"  verify {side:12s} {v['verifier']:48s} {v['us_per_op']:8.1f} µs/op  "
                      f"{v['cpu_us_per_op']:8.1f} CPU µs/op", flush=True)  # fmt: skip

    # -- the run ------------------------------------------------------------------------------------------

    def run(self, targets: list[str]) -> None:
        self.targets = targets
        sides = {"better-auth" if t == "better-auth" else "tessera" for t in targets if not t.startswith("bare")}
        self.create_databases(sides)
        for mode in MODES.values():
            if not self.wanted(mode):
                continue
            print(f"mode {mode.name}: {mode.describe()}", flush=True)
            if self.args.count_calls > 0:
                for side in sorted(sides, reverse=True):  # tessera first
                    self.count(mode, side)
            for name in targets:
                target = Target.named(name)
                if target.kind == "bare" and mode.name != "database":
                    continue
                self.measure(target, mode)


def backend_cpu(admin_url: str, database: str) -> dict[int, float]:
    rows = pg_fetch(admin_url, "select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
                    database)  # fmt: skip
    return {int(r["pid"]): cpu_seconds(int(r["pid"])) for r in rows}



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

    def node_pkg(name: str) -> str:
        try:
            return str(json.loads((REFERENCE / "node_modules" / name / "package.json").read_text())["version"])
        except OSError:
            return "n/a"

    ba = node_pkg("better-auth")
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
        "redis-py": pkg("redis"),
        "cryptography": pkg("cryptography"),
        "node": out(["node", "--version"]),
        "better-auth": ba,
        "ioredis": node_pkg("ioredis"),
        "pg (node)": node_pkg("pg"),
        "jose": node_pkg("jose"),
        "wrk": (out(["wrk", "--version"]).splitlines() or ["n/a"])[0].split(" Copyright")[0] if shutil.which("wrk") else "n/a",
        "cpu": f"{os.cpu_count()} x {cpu_model}",
        "kernel": platform.release(),
        "load average at the end": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
    }




def method_text(args: argparse.Namespace, use_wrk: bool) -> str:
    return (
        f"Method: each target started alone per mode; server pinned to CPU {args.server_cpu}, load generator "
        f"({'wrk -t1' if use_wrk else 'built-in asyncio generator'}) on CPU {args.load_cpu}; PostgreSQL and Redis "
        f"unpinned. {args.warmup:g} s warm-up, wait for the server to go idle, then {args.duration:g} s measured "
        f"per scenario; {args.connections} connections ({args.signin_connections} for sign-in). Server CPU = "
        "utime+stime of the server's process tree from /proc, DB CPU = the same for the PostgreSQL backends of "
        "that server's database, both per request. Sign-in uses the real scrypt cost (N=16384, r=16, p=1) on both "
        "sides. Sign-out: every request carries a different fresh session (rows inserted before the window, "
        "one cookie each, wrk Lua script); the batch is sized at 3x the warm-up rate. "
        + (
            "SQL/op and Redis cmds/op come from a separate sequential counting pass "
            f"({args.count_calls} calls per scenario, at most 5 for sign-in), counted on the servers. "
            if args.count_calls > 0
            else "No counting pass (--count-calls 0). "
        )
        + "The machine is shared: req/s moves between runs, CPU per request is the steadier figure."
    )


def modes_text() -> str:
    lines = ["Modes (the same switches on both sides; rate limiting off, production mode, one process):", ""]
    for mode in MODES.values():
        lines.append(f"* `{mode.name}`: {mode.describe()}; scenarios {', '.join(SCENARIOS_BY_MODE[mode.name])}")
    return "\n".join(lines)


def ensure_node_modules() -> None:
    lock = REFERENCE / "package-lock.json"
    marker = REFERENCE / "node_modules" / ".package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=REFERENCE, check=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", default=",".join(ALL_TARGETS))
    ap.add_argument("--scenarios", default=",".join(ALL_SCENARIOS), help=f"any of {','.join(ALL_SCENARIOS)}")
    ap.add_argument("--duration", type=float, default=8.0, help="seconds measured per scenario (max 10)")
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--signin-connections", type=int, default=4)
    ap.add_argument("--count-calls", type=int, default=20, help="calls per scenario in the counting pass (0: skip)")
    ap.add_argument("--signout-warmup-sessions", type=int, default=3000)
    ap.add_argument("--signout-max-sessions", type=int, default=150_000)
    ap.add_argument("--verify-seconds", type=float, default=2.0, help="per verifier, JWT verification micro-bench")
    ap.add_argument("--server-cpu", default="0", help="CPU list for the server (taskset), '' for none")
    ap.add_argument("--load-cpu", default="1", help="CPU list for the load generator, '' for none")
    ap.add_argument(
        "--postgres", default=os.environ.get("TESSERA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a superuser connection (creates/drops the bench databases, sets log_statement on them)",
    )  # fmt: skip
    ap.add_argument("--pg-log", default=None, help="PostgreSQL server log (default: pg_current_logfile() or Debian's)")
    ap.add_argument("--redis", default=os.environ.get("TESSERA_BENCH_REDIS", "redis://127.0.0.1:6379/13"),
                    help="Redis URL; its database index is the bench's own")  # fmt: skip
    ap.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    ap.add_argument("--keep-databases", action="store_true", help="do not drop the bench databases at the end")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / f"{dt.date.today().isoformat()}-full.md"))
    ap.add_argument("--overwrite", action="store_true", help="replace --out if it exists (committed results)")
    args = ap.parse_args(argv)
    if Path(args.out).exists() and not args.overwrite:
        ap.error(f"{args.out} exists (committed results?); pass another --out or --overwrite")
    args.duration = min(args.duration, 10.0)
    args.scenarios = set(args.scenarios.split(","))
    unknown = args.scenarios - set(ALL_SCENARIOS)
    if unknown:
        ap.error(f"unknown scenario(s) {sorted(unknown)}; known: {', '.join(ALL_SCENARIOS)}")
    if not shutil.which("taskset") or args.server_cpu == "":
        args.server_cpu = None
    if not shutil.which("taskset") or args.load_cpu == "":
        args.load_cpu = None
    return args


def main() -> None:
    args = parse_args()
    command = "python bench/run.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    targets = [t for t in args.targets.split(",") if t]
    for t in targets:
        Target.named(t)  # validates the name
    if "better-auth" in targets:
        ensure_node_modules()

    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    bench = Bench(args)
    started = time.monotonic()
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load generator: {'wrk' if bench.use_wrk else 'python asyncio'}; run {bench.run_id}", flush=True)
    finished = False
    try:
        bench.run(targets)
        finished = True
    except KeyboardInterrupt:
        print("interrupted: stopping the servers, removing the bench databases and Redis keys", flush=True)
        sys.exit(130)
    finally:
        bench.cleanup(keep_logs=not finished)
    print(f"total {time.monotonic() - started:.0f} s", flush=True)

    info = {**versions(), "load average at the start": load_before}
    title = f"Benchmark: tessera vs Better Auth {info['better-auth']} ({dt.date.today().isoformat()})"
    text = markdown(bench.results, title=title, command=command, info=info,
                    method=method_text(args, bench.use_wrk), modes=modes_text())  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps(as_json(bench.results, info, command), indent=1) + "\n")
    print(text)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
