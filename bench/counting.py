"""Server-side counters: SQL statements PostgreSQL executed and Redis commands Redis received, per operation.

Neither trusts the application under test:

* **PostgreSQL**: ``pg_stat_statements`` is usually not preloaded (it needs a server restart), so the bench
  database gets ``log_statement = 'all'`` (``ALTER DATABASE ... SET``, new connections only: the counting server
  is started after it, and the setting is reset when it stops) and the server log is parsed. Every logged
  statement for that database counts, ``BEGIN``/``COMMIT`` included; ``execute`` (extended protocol) and
  ``statement`` (simple protocol) lines are both statements. The log is read directly when readable, else
  through ``pg_read_file`` (superuser).
* **Redis**: the server is shared, so ``INFO commandstats`` would count other people's traffic. A ``MONITOR``
  connection sees every command with its logical database and client address; only commands on the bench's
  database index from the addresses of the server's own connections (named with ``CLIENT SETNAME``) count.
  Commands run inside a Lua script show up as ``[db lua]`` and are not round trips: they are listed apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# "%m [%p] %q%u@%d " (Debian's default) and friends: we only need "<user>@<db> LOG:  <what>: <sql>"
_LOG_LINE = re.compile(r"\S*@(?P<db>\S+) (?P<level>[A-Z]+):  (?P<msg>.*)$")
_STATEMENT = re.compile(r"^(?:statement|execute [^:]*): (?P<sql>.*)$", re.S)
_PREFIXED = re.compile(r"^\d{4}-\d\d-\d\d[ T]")  # a new log record (vs a continuation line)


def parse_statements(text: str, database: str) -> list[str]:
    """The statements ``log_statement = 'all'`` logged for ``database`` in a chunk of server log."""
    out: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if _PREFIXED.match(line):
            if current is not None:
                out.append("\n".join(current))
                current = None
            m = _LOG_LINE.search(line)
            if m and m["db"] == database and m["level"] == "LOG":
                s = _STATEMENT.match(m["msg"])
                if s:
                    current = [s["sql"]]
        elif current is not None:
            current.append(line)  # a multi-line statement continues without a prefix
    if current is not None:
        out.append("\n".join(current))
    return out


def normalize(sql: str) -> str:
    s = " ".join(sql.split())
    s = re.sub(r"'[^']*'", "?", s)
    s = re.sub(r"\$\d+", "$n", s)
    return s[:160]


def pg_fetch(admin_url: str, sql: str, *args: Any) -> list[Any]:
    import asyncpg

    async def run() -> list[Any]:
        conn = await asyncpg.connect(admin_url, timeout=5)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    return asyncio.run(run())


class StatementLog:
    """``log_statement = 'all'`` on one database while counting, and a reader of the server log."""

    def __init__(self, admin_url: str, database: str, log_path: str | None = None) -> None:
        self.admin_url, self.database = admin_url, database
        self.path = log_path or self.find_log()
        self.local = Path(self.path).is_file() and _readable(self.path)
        self.offset = self.size()

    def find_log(self) -> str:
        rows = pg_fetch(self.admin_url, "select pg_current_logfile() as f, current_setting('data_directory') as d")
        if rows and rows[0]["f"]:
            f = str(rows[0]["f"])
            return f if f.startswith("/") else f"{rows[0]['d']}/{f}"
        version = pg_fetch(self.admin_url, "select current_setting('server_version_num')::int / 10000 as v")[0]["v"]
        guess = f"/var/log/postgresql/postgresql-{version}-main.log"  # Debian: stderr redirected by pg_ctlcluster
        return guess

    def size(self) -> int:
        if self.local:
            return Path(self.path).stat().st_size
        rows = pg_fetch(self.admin_url, "select (pg_stat_file($1)).size as s", self.path)
        return int(rows[0]["s"])

    def read_new(self) -> str:
        end = self.size()
        if end < self.offset:  # rotated
            self.offset = 0
        if self.local:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read(end - self.offset)
        else:
            rows = pg_fetch(self.admin_url, "select pg_read_binary_file($1, $2, $3) as b", self.path, self.offset,
                            end - self.offset)  # fmt: skip
            data = bytes(rows[0]["b"])
        self.offset = end
        return data.decode(errors="replace")

    def enable(self) -> None:
        pg_fetch(self.admin_url, f'alter database "{self.database}" set log_statement = \'all\'')

    def disable(self) -> None:
        pg_fetch(self.admin_url, f'alter database "{self.database}" reset log_statement')

    def mark(self) -> None:
        self.offset = self.size()

    def statements(self) -> list[str]:
        return parse_statements(self.read_new(), self.database)


def _readable(path: str) -> bool:
    try:
        with open(path, "rb"):
            return True
    except OSError:
        return False


# -- Redis ------------------------------------------------------------------------------------------------

# +1700000000.123456 [13 127.0.0.1:54321] "EVALSHA" "abc" "1" "key"
_MONITOR = re.compile(r'^\+?\d+\.\d+ \[(?P<db>\d+) (?P<addr>\S+)\] "(?P<cmd>[^"]+)"')


@dataclass
class RedisCommands:
    client: Counter[str] = field(default_factory=Counter)  # round trips from the server's connections
    lua: Counter[str] = field(default_factory=Counter)  # commands run inside scripts

    @property
    def total(self) -> int:
        return sum(self.client.values())


def parse_monitor(lines: list[str], db: int, addrs: set[str] | None) -> RedisCommands:
    """Count MONITOR lines on logical database ``db``; ``addrs`` (None: any) are the clients to attribute."""
    out = RedisCommands()
    for line in lines:
        m = _MONITOR.match(line)
        if not m or int(m["db"]) != db:
            continue
        if m["addr"] == "lua":
            out.lua[m["cmd"].upper()] += 1
        elif addrs is None or m["addr"] in addrs:
            out.client[m["cmd"].upper()] += 1
    return out


class RedisMonitor:
    """A raw ``MONITOR`` connection read by a thread; ``take()`` returns and clears the lines seen so far."""

    def __init__(self, host: str, port: int, db: int) -> None:
        self.host, self.port, self.db = host, port, db
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.sendall(b"MONITOR\r\n")
        self._file = self.sock.makefile("rb")
        first = self._file.readline()
        if not first.startswith(b"+OK"):
            raise RuntimeError(f"Redis MONITOR answered {first!r}")
        self.sock.settimeout(None)
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for raw in self._file:
                with self._lock:
                    self._lines.append(raw.decode(errors="replace").rstrip("\r\n"))
        except (OSError, ValueError):
            return

    def take(self) -> list[str]:
        with self._lock:
            lines, self._lines = self._lines, []
        return lines

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def redis_command(host: str, port: int, *args: str | int) -> Any:
    """One command on a fresh connection (RESP), for CLIENT LIST and cleanup; returns the decoded reply."""
    with socket.create_connection((host, port), timeout=5) as s:
        _send(s, *(str(a) for a in args))
        return _read_reply(s.makefile("rb"))


def _read_reply(f: Any) -> Any:
    line = f.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode(errors="replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise RuntimeError(f"unexpected Redis reply {line!r}")


def client_addrs(host: str, port: int, name: str) -> set[str]:
    """Addresses of the connections named ``name`` (CLIENT SETNAME) on the Redis server."""
    out = set()
    for line in str(redis_command(host, port, "CLIENT", "LIST")).splitlines():
        kv = dict(x.split("=", 1) for x in line.split() if "=" in x)
        if kv.get("name") == name:
            out.add(kv.get("addr", ""))
    return out


def _send(s: socket.socket, *args: str) -> None:
    parts = [a.encode() for a in args]
    s.sendall(b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))


def delete_prefix(host: str, port: int, db: int, prefix: str) -> int:
    """Delete every key under ``prefix`` on database ``db`` (SCAN + UNLINK); never FLUSHDB: Redis is shared."""
    deleted, cursor = 0, "0"
    with socket.create_connection((host, port), timeout=10) as s:
        f = s.makefile("rb")
        _send(s, "SELECT", str(db))
        _read_reply(f)
        while True:
            _send(s, "SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000")
            cursor, keys = _read_reply(f)
            if keys:
                _send(s, "UNLINK", *keys)
                deleted += int(_read_reply(f))
            if cursor == "0":
                return deleted


@dataclass
class Count:
    """What one operation cost the servers behind the app, averaged over ``n`` calls."""

    n: int
    sql: float
    redis: float
    sql_statements: dict[str, int]
    redis_commands: dict[str, int]
    redis_in_scripts: dict[str, int]


def count_operation(
    call: Callable[[int], None],
    n: int,
    log: StatementLog | None,
    monitor: RedisMonitor | None,
    redis_addrs: Callable[[], set[str] | None],
    settle: Callable[[], None],
) -> Count:
    """Call ``call(i)`` ``n`` times, one after another, and attribute what the servers logged to it."""
    settle()
    if log:
        log.mark()
    if monitor:
        monitor.take()
    for i in range(n):
        call(i)
    settle()
    statements = log.statements() if log else []
    commands = parse_monitor(monitor.take(), monitor.db, redis_addrs()) if monitor else RedisCommands()
    return Count(
        n,
        len(statements) / n,
        commands.total / n,
        dict(Counter(normalize(s) for s in statements).most_common()),
        dict(commands.client.most_common()),
        dict(commands.lua.most_common()),
    )
