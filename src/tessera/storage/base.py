"""Secondary storage: the key-value store Better Auth calls ``secondaryStorage`` (Redis, Valkey, …).

``SecondaryStorage`` is the whole contract a user-written backend must meet; it is Better Auth 1.7's
(``get``/``set``/``delete``/``getAndDelete``/``increment``), so one Redis serves a Node deployment and tessera
alike. Two optional capabilities let tessera do better than Better Auth when a backend offers them:

* ``AtomicStorage`` — conditional writes and multi-gets, so list maintenance never loses an update and a
  session read is one round trip;
* ``PubSubStorage`` — a broadcast channel, over which instances tell each other about revoked sessions so cookie
  caches stop accepting them everywhere within about a second.

``MemoryStorage`` and ``RedisStorage`` implement all three; ``tessera.testing.storage_contract`` checks any
implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable


@runtime_checkable
class SecondaryStorage(Protocol):
    """Async string key-value store with expiry. Keys are given without any backend prefix."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl: int | None = None) -> None:
        """Store ``value``; ``ttl`` in seconds (``None``: no expiry; ``<= 0``: already expired, so delete)."""

    async def delete(self, key: str) -> None: ...

    async def get_and_delete(self, key: str) -> str | None:
        """Atomically read and remove: of concurrent callers, exactly one receives the value."""

    async def increment(self, key: str, ttl: int) -> int:
        """Atomically add one and return the new count; ``ttl`` applies only when the key is created."""


@runtime_checkable
class AtomicStorage(Protocol):
    """Optional: conditional writes, batched reads, and the session read in one round trip."""

    async def compare_and_set(self, key: str, expected: str | None, value: str | None, ttl: int | None) -> bool:
        """Write ``value`` (``None``: delete) only if the current value is ``expected`` (``None``: absent)."""

    async def get_many(self, keys: Sequence[str]) -> list[str | None]: ...

    async def get_session(self, token: str, marker_prefix: str) -> tuple[str | None, str | None]:
        """The value at ``token`` and the value at ``marker_prefix + value.session.userId``, in one round trip."""


@dataclass(frozen=True, slots=True)
class Event:
    """What a subscription delivers: ``live`` (subscribed; anything published before may have been missed),
    ``message`` (``data`` set) or ``pong`` (an answer to ``ping``)."""

    kind: Literal["live", "message", "pong"]
    data: str | None = None


class Subscription(Protocol):
    async def receive(self, timeout: float) -> Event | None:
        """The next event, or ``None`` after ``timeout`` seconds; raises when the connection is lost."""

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


@runtime_checkable
class PubSubStorage(Protocol):
    """Optional: fire-and-forget broadcast to every subscriber of a channel."""

    async def publish(self, channel: str, message: str) -> None: ...

    async def subscribe(self, channel: str) -> Subscription: ...
