"""Where the SSR token cache keeps its entries: in this process (``MemoryTokenStore``) or in Redis
(``RedisTokenStore``, shared by every instance; a single server, Valkey, or a Redis Cluster).

The protocol is small and built for the one race that matters — a token exchange that started before a
revocation must never write its token back afterwards:

* a revocation leaves a marker on the entry (``purge``) or on the user (``purge_user``), for ``marker_ttl``
  (longer than any exchange may run);
* an exchange starts with ``begin`` (a per-entry lock, plus where the markers stood) and ends with ``commit``,
  which writes only if it still holds the lock and no marker was left since ``begin``.

In memory, nothing awaits between reading and writing. In Redis each step is a Lua script over one hash slot,
so the same code is atomic on a single server and on a cluster (see ``RedisTokenStore`` for the layout).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from .. import _json


@dataclass(frozen=True, slots=True)
class Entry:
    token: str
    #: the token's ``exp`` (seconds since the epoch)
    exp: float
    user_id: str | None


@dataclass(frozen=True, slots=True)
class Ticket:
    """A started exchange: the lock it holds, the revocation sequence number it started at (in Redis: the
    entry's purge generation) and, in Redis, the server time it started at (ms; user markers are compared to it)."""

    lock: str
    seq: int
    started_ms: int = 0


@runtime_checkable
class TokenStore(Protocol):
    #: entries are visible to other processes (so revocations learnt from other instances need no action)
    shared: bool

    async def get(self, key: str) -> Entry | None: ...

    async def begin(self, key: str, lock_ms: int) -> Ticket | None:
        """Lock ``key`` for an exchange; ``None`` when another exchange holds it."""

    async def commit(self, key: str, ticket: Ticket, entry: Entry, ttl_ms: int) -> bool:
        """Store ``entry`` unless the lock was lost or ``key`` or its user was purged since ``begin``."""

    async def release(self, key: str, ticket: Ticket) -> None: ...

    async def locked(self, key: str) -> bool: ...

    async def purge(self, keys: Iterable[str]) -> None: ...

    async def purge_user(self, user_id: str, except_key: str | None = None) -> None: ...


class MemoryTokenStore:
    """Entries in this process. Revocations from other instances reach it through the revocation feed."""

    shared = False

    def __init__(self, *, marker_ttl: float = 120.0, clock: Any = time.monotonic) -> None:
        self.marker_ttl = marker_ttl
        self._clock = clock
        self._entries: dict[str, tuple[Entry, float]] = {}
        self._users: dict[str, set[str]] = {}
        self._locks: dict[str, tuple[str, float]] = {}
        self._key_marks: dict[str, tuple[int, float]] = {}
        self._user_marks: dict[str, tuple[int, float]] = {}
        self._seq = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> Entry | None:
        item = self._entries.get(key)
        if item is None:
            return None
        if item[1] <= self._clock():
            self._drop(key)
            return None
        return item[0]

    async def begin(self, key: str, lock_ms: int) -> Ticket | None:
        now = self._clock()
        held = self._locks.get(key)
        if held is not None and held[1] > now:
            return None
        ticket = Ticket(uuid.uuid4().hex, self._seq)
        self._locks[key] = (ticket.lock, now + lock_ms / 1000)
        return ticket

    async def commit(self, key: str, ticket: Ticket, entry: Entry, ttl_ms: int) -> bool:
        now = self._clock()
        held = self._locks.get(key)
        if held is None or held[0] != ticket.lock:
            return False
        del self._locks[key]
        if held[1] <= now or self._marked(self._key_marks, key, now) > ticket.seq:
            return False
        if entry.user_id is not None and self._marked(self._user_marks, entry.user_id, now) > ticket.seq:
            return False
        self._entries[key] = (entry, now + ttl_ms / 1000)
        if entry.user_id is not None:
            self._users.setdefault(entry.user_id, set()).add(key)
        return True

    async def release(self, key: str, ticket: Ticket) -> None:
        held = self._locks.get(key)
        if held is not None and held[0] == ticket.lock:
            del self._locks[key]

    async def locked(self, key: str) -> bool:
        held = self._locks.get(key)
        return held is not None and held[1] > self._clock()

    async def purge(self, keys: Iterable[str]) -> None:
        self.purge_now(keys)

    async def purge_user(self, user_id: str, except_key: str | None = None) -> None:
        self.purge_user_now(user_id, except_key)

    # synchronous forms: a revocation outside an event loop still takes effect at once
    def purge_now(self, keys: Iterable[str]) -> None:
        now = self._clock()
        self._seq += 1
        for key in keys:
            self._key_marks[key] = (self._seq, now + self.marker_ttl)
            self._drop(key)
        self._sweep(now)

    def purge_user_now(self, user_id: str, except_key: str | None = None) -> None:
        now = self._clock()
        self._seq += 1
        self._user_marks[user_id] = (self._seq, now + self.marker_ttl)
        for key in list(self._users.get(user_id, ())):
            if key != except_key:
                self._drop(key)
        self._sweep(now)

    @staticmethod
    def _marked(marks: dict[str, tuple[int, float]], name: str, now: float) -> int:
        mark = marks.get(name)
        return mark[0] if mark is not None and mark[1] > now else -1

    def _drop(self, key: str) -> None:
        item = self._entries.pop(key, None)
        if item is not None and item[0].user_id is not None:
            keys = self._users.get(item[0].user_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._users[item[0].user_id]

    def _sweep(self, now: float) -> None:
        for marks in (self._key_marks, self._user_marks):
            for name in [n for n, (_, until) in marks.items() if until <= now]:
                del marks[name]
        for key in [k for k, (_, until) in self._entries.items() if until <= now]:
            self._drop(key)


# Layout (``P`` the prefix; ``{…}`` is a Redis Cluster hash tag, so each group lives in one slot):
#   P{<key>}:e    the entry (JSON)                P{<key>}:l   the exchange lock
#   P{<key>}:r    purge generation of the entry   P{u:<user>}:s  the user's entry keys (a set)
#   P{u:<user>}:m when the user was last purged (server ms)

# KEYS: lock, generation. ARGV: lock id, lock ms. -> {generation, server ms}, or -1 when locked
_BEGIN = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end
local t = redis.call('TIME')
return {tonumber(redis.call('GET', KEYS[2]) or '0'), tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)}
"""

# KEYS: user set, user marker. ARGV: key, started ms minus skew, ttl ms. Registers the entry with its user first,
# so a user purge from now on purges the entry (and bumps its generation, failing the commit's second step).
_ENROL = """
if tonumber(redis.call('GET', KEYS[2]) or '-1') >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
"""

# KEYS: entry, lock, generation. ARGV: lock id, generation at begin, value, ttl ms
_COMMIT = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
if (redis.call('GET', KEYS[3]) or '0') ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: entry, generation. ARGV: marker ms
_PURGE = """
redis.call('DEL', KEYS[1])
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
"""

# KEYS: user set, user marker. ARGV: marker ms, key kept. -> the keys to purge
_PURGE_USER = """
local t = redis.call('TIME')
redis.call('SET', KEYS[2], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), 'PX', ARGV[1])
local doomed = {}
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if member ~= ARGV[2] then
    doomed[#doomed + 1] = member
    redis.call('SREM', KEYS[1], member)
  end
end
return doomed
"""


class RedisTokenStore:
    """Entries in Redis, shared by every instance, under ``prefix`` (give each application its own).

    Needs ``redis`` (``pip install 'tessera-auth[redis]'``); pass ``url`` (``redis://…``, or
    ``redis+cluster://host:port,host:port`` for a Redis Cluster, as ``RedisStorage`` takes) or ``client`` (a
    ``redis.asyncio.Redis`` or ``RedisCluster``).

    Every script touches one hash slot: an entry's keys share the tag ``{<key>}``, a user's the tag
    ``{u:<user>}``. So a commit is two steps: enrol the entry with its user (refused if the user was purged
    after ``begin``, allowing ``skew_ms`` for the clocks of different nodes: 1 s on a cluster by default, so an
    exchange begun within a second after its user's purge is not cached), then write it (refused if the lock was
    lost or the entry purged: a user purge purges each enrolled entry). A user purge is likewise the user's
    script, then one purge per entry. Entries of one user thus spread over the cluster.
    """

    shared = True

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        prefix: str = "tessera:ssr:",
        marker_ttl: float = 120.0,
        skew_ms: int | None = None,
    ) -> None:
        try:
            from ..storage.redis import ClusterInit, connect
        except ImportError as exc:  # pragma: no cover - depends on installed extras
            raise ImportError("RedisTokenStore needs redis: pip install 'tessera-auth[redis]'") from exc
        if client is None:
            client = connect(url or "redis://127.0.0.1:6379/0")
        self.redis = client
        self.prefix = prefix
        self.marker_ms = int(marker_ttl * 1000)
        self._init = ClusterInit(client)
        # a single server compares its own clock with itself; cluster nodes' clocks may differ a little
        self.skew_ms = skew_ms if skew_ms is not None else (1000 if self._init.cluster else 0)
        self._begin = client.register_script(_BEGIN)
        self._enrol = client.register_script(_ENROL)
        self._commit = client.register_script(_COMMIT)
        self._release = client.register_script(_RELEASE)
        self._purge = client.register_script(_PURGE)
        self._purge_user = client.register_script(_PURGE_USER)

    def _k(self, key: str, kind: str) -> str:
        return f"{self.prefix}{{{key}}}:{kind}"

    def _u(self, user_id: str, kind: str) -> str:
        return f"{self.prefix}{{u:{user_id}}}:{kind}"

    async def get(self, key: str) -> Entry | None:
        if self._init.pending:
            await self._init()
        raw = await self.redis.get(self._k(key, "e"))
        if raw is None:
            return None
        data = _json.loads(raw)
        return Entry(data["t"], float(data["e"]), data.get("u"))

    async def begin(self, key: str, lock_ms: int) -> Ticket | None:
        if self._init.pending:
            await self._init()
        lock = uuid.uuid4().hex
        started = await self._begin(keys=[self._k(key, "l"), self._k(key, "r")], args=[lock, lock_ms])
        if started == -1:
            return None
        return Ticket(lock, int(started[0]), int(started[1]))

    async def commit(self, key: str, ticket: Ticket, entry: Entry, ttl_ms: int) -> bool:
        if self._init.pending:
            await self._init()
        user = entry.user_id
        if user is not None:
            keys = [self._u(user, "s"), self._u(user, "m")]
            if not await self._enrol(keys=keys, args=[key, ticket.started_ms - self.skew_ms, ttl_ms]):
                return False
        value = _json.dumps_str({"t": entry.token, "e": entry.exp, "u": user})
        keys = [self._k(key, "e"), self._k(key, "l"), self._k(key, "r")]
        return bool(await self._commit(keys=keys, args=[ticket.lock, ticket.seq, value, ttl_ms]))

    async def release(self, key: str, ticket: Ticket) -> None:
        if self._init.pending:
            await self._init()
        await self._release(keys=[self._k(key, "l")], args=[ticket.lock])

    async def locked(self, key: str) -> bool:
        if self._init.pending:
            await self._init()
        return bool(await self.redis.exists(self._k(key, "l")))

    async def purge(self, keys: Iterable[str]) -> None:
        if self._init.pending:
            await self._init()
        # each entry is its own slot: purge them side by side
        await asyncio.gather(*(
            self._purge(keys=[self._k(key, "e"), self._k(key, "r")], args=[self.marker_ms]) for key in set(keys)
        ))

    async def purge_user(self, user_id: str, except_key: str | None = None) -> None:
        if self._init.pending:
            await self._init()
        keys = [self._u(user_id, "s"), self._u(user_id, "m")]
        doomed = await self._purge_user(keys=keys, args=[self.marker_ms, except_key or ""])
        await self.purge(m.decode() if isinstance(m, bytes) else str(m) for m in doomed)

    async def aclose(self) -> None:
        await self.redis.aclose()
