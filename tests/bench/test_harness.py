"""The benchmark harness's own pieces on tiny workloads, so ``bench/run.py`` cannot rot unnoticed.

No wrk, no Node, no timed runs: the log and MONITOR parsers, the wrk script and its output parser, the built-in
load generator feeding one cookie per request, the signed session cookie, the report's target verdicts, and,
when PostgreSQL and Redis are reachable, the two server-side counters end to end.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from bench.counting import RedisCommands, normalize, parse_monitor, parse_statements
from bench.loadgen import Load, parse_wrk, run_load, wrk_script
from bench.report import CountRow, Results, Row, cpu_verdicts, markdown, targets
from bench.scenarios import signed_cookie_value

from bench import counting
from tessera.crypto.signing import Signer

LOG = """\
2026-11-23 18:06:42.311 UTC [5350] postgres@tessera_bench LOG:  execute __asyncpg_stmt_1__: SELECT session.token
\tFROM session JOIN "user" ON "user".id = session."userId"
\tWHERE session.token = $1::VARCHAR
2026-11-23 18:06:42.311 UTC [5350] postgres@tessera_bench DETAIL:  parameters: $1 = 'abc'
2026-11-23 18:06:42.312 UTC [5351] postgres@tessera_bench_ref LOG:  execute <unnamed>: select * from "session"
2026-11-23 18:06:42.313 UTC [5350] postgres@tessera_bench LOG:  statement: BEGIN
2026-11-23 18:06:42.314 UTC [5350] postgres@tessera_bench LOG:  duration: 0.1 ms
2026-11-23 18:06:42.315 UTC [5352] postgres@other ERROR:  duplicate key value
2026-11-23 18:06:42.315 UTC [5352] postgres@other STATEMENT:  INSERT INTO x VALUES (1)
2026-11-23 18:06:43.590 UTC [2190] LOG:  checkpoint starting: immediate force wait
"""


def test_statement_log_parser_keeps_one_database_and_multiline_statements() -> None:
    got = parse_statements(LOG, "tessera_bench")
    assert len(got) == 2
    assert got[0].startswith("SELECT session.token") and got[0].rstrip().endswith("$1::VARCHAR")
    assert got[1] == "BEGIN"
    assert parse_statements(LOG, "tessera_bench_ref") == ['select * from "session"']
    assert parse_statements(LOG, "other") == []  # errors are not executions
    assert normalize("select  *\n from t where a = 'x' and b = $12") == "select * from t where a = ? and b = $n"


def test_monitor_parser_attributes_round_trips_and_script_commands() -> None:
    lines = [
        '+1700000000.000001 [13 127.0.0.1:5000] "EVALSHA" "abc" "1" "p:k"',
        '+1700000000.000002 [13 lua] "GET" "p:k"',
        '+1700000000.000003 [13 lua] "GET" "p:marker"',
        '+1700000000.000004 [13 127.0.0.1:6000] "GET" "someone-else"',
        '+1700000000.000005 [0 127.0.0.1:5000] "SET" "other-db"',
        "OK",
    ]
    c = parse_monitor(lines, 13, {"127.0.0.1:5000"})
    assert c.total == 1 and dict(c.client) == {"EVALSHA": 1} and dict(c.lua) == {"GET": 2}
    assert parse_monitor(lines, 13, None).total == 2
    assert RedisCommands().total == 0


def test_wrk_script_and_output() -> None:
    load = Load("POST", "/api/auth/sign-out", {"Origin": "http://127.0.0.1:1"}, "{}", cookies=["a=1"])
    script = wrk_script(load, "/tmp/cookies.txt")
    assert 'wrk.method = "POST"' in script and 'wrk.body = "{}"' in script
    assert 'io.lines("/tmp/cookies.txt")' in script and "wrk.thread:stop()" in script
    out = 'Running 1s test\nRESULT {"requests":10,"duration_us":2000000,"p50_us":1500,"p90_us":2000,' \
          '"p99_us":3000,"non2xx":1,"socket_errors":0}\n'  # fmt: skip
    m = parse_wrk(out)
    assert (m.requests, m.rps, m.p50_ms, m.p99_ms, m.non2xx) == (10, 5.0, 1.5, 3.0, 1)


@contextlib.contextmanager
def http_server() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            seen.append(self.headers.get("cookie", ""))
            body = b'{"success":true}'
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_builtin_load_generator_sends_each_cookie_once_then_stops() -> None:
    cookies = [f"better-auth.session_token=t{i}" for i in range(40)]
    with http_server() as (base, seen):
        m = run_load(base, Load("POST", "/sign-out", {}, "{}", connections=4, cookies=cookies), 10, None, False)
    assert m.exhausted and m.requests == 40 and m.non2xx == 0
    assert sorted(seen) == sorted(cookies)
    assert m.seconds < 10


def test_signed_cookie_is_better_auths_format() -> None:
    from urllib.parse import unquote

    from bench.apps import SECRET

    value = unquote(signed_cookie_value("tok123"))
    assert Signer(SECRET).unsign(value) == "tok123"


def _row(target: str, scenario: str, rps: float, cpu: float) -> Row:
    return Row(target, target.split("-")[-1], "database", scenario, rps, 1.0, 2.0, cpu, 0.1, int(rps), 0, 0)


def test_report_states_each_target_as_measured() -> None:
    res = Results(
        rows=[
            _row("bare-granian", "bare", 10_000, 0.04),
            _row("tessera-granian", "get-session-cache", 6_000, 0.15),
            _row("better-auth", "get-session-cache", 500, 1.7),
            _row("tessera-granian", "get-session-redis", 5_000, 0.3),
            _row("better-auth", "get-session-redis", 600, 1.5),
        ],
        counts=[
            CountRow("tessera", "cookie-cache", "get-session-cache", 20, 0.0, 0.0),
            CountRow("tessera", "redis", "get-session-redis", 20, 0.0, 1.05, {}, {"EVALSHA": 20, "PUBLISH": 1}),
            CountRow("tessera", "jwt", "token", 20, 1.0, 0.0, {"select 1": 20}),
        ],
    )
    verdicts = {what: met for what, _, met in targets(res)}
    assert verdicts["get-session-cache on tessera-granian: ≥10x Better Auth's req/s"] is True
    assert verdicts["get-session-cache on tessera-granian: ≥½ of the bare endpoint's req/s"] is True
    assert verdicts["get-session-redis on tessera-granian: ≥10x Better Auth's req/s"] is False
    assert verdicts["get-session-redis on tessera-granian: ≥½ of the bare endpoint's req/s"] is True
    assert verdicts["0 SQL per session read on a cookie-cache hit"] is True
    assert verdicts["1 Redis read per session read from Redis (and 0 SQL)"] is True
    assert verdicts["0 SQL per /token in steady state"] is False
    assert verdicts["0 SQL per /jwks in steady state"] is None
    by_cpu = cpu_verdicts(res)
    assert by_cpu["get-session-cache on tessera-granian: ≥10x Better Auth's req/s"] is True  # 1.7 / 0.15
    assert by_cpu["get-session-cache on tessera-granian: ≥½ of the bare endpoint's req/s"] is False  # 0.04 / 0.15
    text = markdown(res, title="t", command="python bench/run.py", info={}, method="m", modes="x")
    assert "| tessera-granian | get-session-cache | 6,000.0 |" in text and "## The issue's targets" in text


# -- the counters end to end, when the services are there -------------------------------------------------

PG_ADMIN = os.environ.get("TESSERA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test").replace(
    "+asyncpg", ""
).rsplit("/", 1)[0] + "/postgres"
REDIS = urlsplit(os.environ.get("TESSERA_TEST_REDIS", "redis://127.0.0.1:6379/0"))


def test_statement_log_counts_what_postgres_executed() -> None:
    import asyncio

    asyncpg = pytest.importorskip("asyncpg")
    try:
        counting.pg_fetch(PG_ADMIN, "select 1")
    except Exception as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc!r}")
    name = f"tessera_bench_t_{secrets.token_hex(4)}"
    counting.pg_fetch(PG_ADMIN, f'create database "{name}"')
    try:
        try:
            log = counting.StatementLog(PG_ADMIN, name)
        except Exception as exc:
            pytest.skip(f"the PostgreSQL server log is not readable here: {exc!r}")
        log.enable()

        async def work() -> None:
            conn = await asyncpg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + name)
            try:
                await conn.execute("create table t (a int)")
                await conn.fetch("select a from t where a = $1", 7)
            finally:
                await conn.close()

        log.mark()
        asyncio.run(work())
        import time

        time.sleep(0.3)
        statements = log.statements()
        if not statements:
            pytest.skip(f"nothing logged in {log.path} (log_destination elsewhere?)")
        assert [normalize(s) for s in statements] == ["create table t (a int)", "select a from t where a = $n"]
    finally:
        with contextlib.suppress(Exception):
            counting.pg_fetch(PG_ADMIN, f'alter database "{name}" reset log_statement')
        counting.pg_fetch(PG_ADMIN, f'drop database if exists "{name}" with (force)')


def test_redis_monitor_counts_one_named_clients_round_trips() -> None:
    host, port, db = REDIS.hostname or "127.0.0.1", REDIS.port or 6379, 13
    try:
        counting.redis_command(host, port, "PING")
    except OSError as exc:
        pytest.skip(f"Redis not reachable at {host}:{port}: {exc!r}")
    prefix = f"tessera-bench-test:{secrets.token_hex(4)}:"
    name = f"tessera-bench-test-{secrets.token_hex(4)}"
    monitor = counting.RedisMonitor(host, port, db)
    try:
        with socket.create_connection((host, port), timeout=5) as s:
            f = s.makefile("rb")
            for cmd in (["CLIENT", "SETNAME", name], ["SELECT", str(db)], ["SET", prefix + "k", "v"],
                        ["GET", prefix + "k"], ["EVAL", "return redis.call('GET', KEYS[1])", "1", prefix + "k"]):  # fmt: skip
                counting._send(s, *cmd)
                counting._read_reply(f)
            addrs = counting.client_addrs(host, port, name)
        import time

        time.sleep(0.3)
        c = parse_monitor(monitor.take(), db, addrs)
        assert addrs and dict(c.client) == {"SELECT": 1, "SET": 1, "GET": 1, "EVAL": 1} and dict(c.lua) == {"GET": 1}
    finally:
        monitor.close()
        assert counting.delete_prefix(host, port, db, prefix) == 1
