"""Where the SSR token cache keeps its entries: in this process (``MemoryTokenStore``) or in Redis
(``RedisTokenStore``, shared by every instance).

The protocol is small and built for the one race that matters — a token exchange that started before a
revocation must never write its token back afterwards:

* every revocation takes the next number of a sequence and leaves it as a marker on the entry (``purge``) or
  on the user (``purge_user``), for ``marker_ttl`` (longer than any exchange may run);
* an exchange starts with ``begin`` (a per-entry lock, plus the sequence's current number) and ends with
  ``commit``, which writes only if it still holds the lock and no marker newer than its number exists.

In Redis each of those steps is one Lua script, so it is atomic across processes; in memory, nothing awaits
between reading and writing.
"""

from __future__ import annotations

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
    """A started exchange: the lock it holds and the revocation sequence number it started at."""

    lock: str
    seq: int


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


_BEGIN = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return tonumber(redis.call('GET', KEYS[2]) or '0')
end
return -1
"""

_COMMIT = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
local started = tonumber(ARGV[2])
if tonumber(redis.call('GET', KEYS[3]) or '-1') > started then return 0 end
if KEYS[5] ~= KEYS[3] and tonumber(redis.call('GET', KEYS[5]) or '-1') > started then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
if KEYS[4] ~= KEYS[1] then
  redis.call('SADD', KEYS[4], ARGV[5])
  if redis.call('PTTL', KEYS[4]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[4], ARGV[4]) end
end
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_PURGE = """
local seq = redis.call('INCR', KEYS[1])
for i = 2, #KEYS, 2 do
  redis.call('DEL', KEYS[i])
  redis.call('SET', KEYS[i + 1], seq, 'PX', ARGV[1])
end
return seq
"""

_PURGE_USER = """
local seq = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[3], seq, 'PX', ARGV[1])
for _, member in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if member ~= ARGV[3] then
    redis.call('DEL', ARGV[2] .. member)
    redis.call('SREM', KEYS[2], member)
  end
end
return seq
"""


class RedisTokenStore:
    """Entries in Redis, shared by every instance, under ``prefix`` (give each application its own).

    Needs ``redis`` (``pip install 'tessera-auth[redis]'``); pass ``client`` (a ``redis.asyncio.Redis``) or
    ``url``. Single-node Redis (or Valkey): the scripts touch keys derived inside them.
    """

    shared = True

    def __init__(
        self, url: str | None = None, *, client: Any = None, prefix: str = "tessera:ssr:", marker_ttl: float = 120.0
    ) -> None:
        if client is None:
            try:
                import redis.asyncio as redis_asyncio
            except ImportError as exc:  # pragma: no cover - depends on installed extras
                raise ImportError("RedisTokenStore needs redis: pip install 'tessera-auth[redis]'") from exc
            client = redis_asyncio.Redis.from_url(url or "redis://127.0.0.1:6379/0")
        self.redis = client
        self.prefix = prefix
        self.marker_ms = int(marker_ttl * 1000)
        self._begin = client.register_script(_BEGIN)
        self._commit = client.register_script(_COMMIT)
        self._release = client.register_script(_RELEASE)
        self._purge = client.register_script(_PURGE)
        self._purge_user = client.register_script(_PURGE_USER)

    def _k(self, kind: str, name: str) -> str:
        return f"{self.prefix}{kind}:{name}"

    async def get(self, key: str) -> Entry | None:
        raw = await self.redis.get(self._k("e", key))
        if raw is None:
            return None
        data = _json.loads(raw)
        return Entry(data["t"], float(data["e"]), data.get("u"))

    async def begin(self, key: str, lock_ms: int) -> Ticket | None:
        lock = uuid.uuid4().hex
        seq = int(await self._begin(keys=[self._k("l", key), f"{self.prefix}seq"], args=[lock, lock_ms]))
        return None if seq < 0 else Ticket(lock, seq)

    async def commit(self, key: str, ticket: Ticket, entry: Entry, ttl_ms: int) -> bool:
        user = entry.user_id
        keys = [
            self._k("e", key),
            self._k("l", key),
            self._k("r", key),
            self._k("u", user) if user is not None else self._k("e", key),
            self._k("ur", user) if user is not None else self._k("r", key),
        ]
        value = _json.dumps_str({"t": entry.token, "e": entry.exp, "u": user})
        return bool(await self._commit(keys=keys, args=[ticket.lock, ticket.seq, value, ttl_ms, key]))

    async def release(self, key: str, ticket: Ticket) -> None:
        await self._release(keys=[self._k("l", key)], args=[ticket.lock])

    async def locked(self, key: str) -> bool:
        return bool(await self.redis.exists(self._k("l", key)))

    async def purge(self, keys: Iterable[str]) -> None:
        names = [f"{self.prefix}seq"]
        for key in keys:
            names += [self._k("e", key), self._k("r", key)]
        if len(names) > 1:
            await self._purge(keys=names, args=[self.marker_ms])

    async def purge_user(self, user_id: str, except_key: str | None = None) -> None:
        keys = [f"{self.prefix}seq", self._k("u", user_id), self._k("ur", user_id)]
        await self._purge_user(keys=keys, args=[self.marker_ms, f"{self.prefix}e:", except_key or ""])

    async def aclose(self) -> None:
        await self.redis.aclose()
