"""In-process secondary storage: the testing seam, and the zero-setup store for a single process.

Every operation is atomic because none of them awaits while touching the table. Expired keys are dropped when
read and swept, earliest first, as writes happen, so memory stays proportional to the live keys without a
background task. Its pub/sub reaches every subscriber in this process (two ``Tessera`` objects sharing one
``MemoryStorage`` behave like two instances sharing one Redis).
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Callable, Sequence

from .. import _json
from .base import Event


class MemoryStorage:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        #: key -> (value, expires at on ``clock`` or None)
        self._data: dict[str, tuple[str, float | None]] = {}
        self._channels: dict[str, set[_MemorySubscription]] = {}
        self._expiries: list[tuple[float, str]] = []

    # -- SecondaryStorage --------------------------------------------------------------------------------

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= self._clock():
            del self._data[key]
            return None
        return value

    def _put(self, key: str, value: str, ttl: int | None) -> None:
        if ttl is not None and ttl <= 0:
            self._data.pop(key, None)
            return
        now = self._clock()
        expires = None if ttl is None else now + ttl
        self._data[key] = (value, expires)
        if expires is not None:
            heapq.heappush(self._expiries, (expires, key))
        self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Drop keys whose time has come, earliest first (a heap: O(log n) per expiring write, no scans)."""
        expiries = self._expiries
        while expiries and expiries[0][0] <= now:
            expires, key = heapq.heappop(expiries)
            item = self._data.get(key)
            if item is not None and item[1] == expires:
                del self._data[key]

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: int | None = None) -> None:
        self._put(key, value, ttl)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def get_and_delete(self, key: str) -> str | None:
        value = self._live(key)
        self._data.pop(key, None)
        return value

    async def increment(self, key: str, ttl: int) -> int:
        current = self._live(key)
        if current is None:
            self._put(key, "1", ttl)
            return 1
        count = int(current) + 1
        self._data[key] = (str(count), self._data[key][1])
        return count

    # -- AtomicStorage -----------------------------------------------------------------------------------

    async def compare_and_set(self, key: str, expected: str | None, value: str | None, ttl: int | None) -> bool:
        if self._live(key) != expected:
            return False
        if value is None:
            self._data.pop(key, None)
        else:
            self._put(key, value, ttl)
        return True

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        return [self._live(k) for k in keys]

    async def get_session(self, token: str, marker_prefix: str) -> tuple[str | None, str | None]:
        value = self._live(token)
        if value is None:
            return None, None
        try:
            user_id = _json.loads(value)["session"]["userId"]
        except (ValueError, KeyError, TypeError):
            return value, None
        return value, self._live(marker_prefix + str(user_id))

    # -- PubSubStorage -----------------------------------------------------------------------------------

    async def publish(self, channel: str, message: str) -> None:
        for sub in list(self._channels.get(channel, ())):
            sub.queue.put_nowait(Event("message", message))

    async def subscribe(self, channel: str) -> _MemorySubscription:
        sub = _MemorySubscription(self, channel)
        self._channels.setdefault(channel, set()).add(sub)
        sub.queue.put_nowait(Event("live"))
        return sub

    def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires (``None``: no expiry or absent). For tests."""
        if self._live(key) is None:
            return None
        expires = self._data[key][1]
        return None if expires is None else expires - self._clock()

    def keys(self) -> list[str]:
        return [k for k in list(self._data) if self._live(k) is not None]

    async def close(self) -> None:
        return None


class _MemorySubscription:
    def __init__(self, storage: MemoryStorage, channel: str) -> None:
        self._storage = storage
        self._channel = channel
        self.queue: asyncio.Queue[Event] = asyncio.Queue()

    async def receive(self, timeout: float) -> Event | None:
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation racing a result
            async with asyncio.timeout(timeout):
                return await self.queue.get()
        except TimeoutError:
            return None

    async def ping(self) -> None:
        self.queue.put_nowait(Event("pong"))

    async def close(self) -> None:
        self._storage._channels.get(self._channel, set()).discard(self)
