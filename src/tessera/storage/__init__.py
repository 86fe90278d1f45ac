"""Secondary storage backends: ``MemoryStorage`` and ``RedisStorage`` (imported only when used)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import AtomicStorage, Event, PubSubStorage, SecondaryStorage, Subscription
from .memory import MemoryStorage

if TYPE_CHECKING:
    from .redis import RedisStorage

__all__ = [
    "AtomicStorage",
    "Event",
    "MemoryStorage",
    "PubSubStorage",
    "RedisStorage",
    "SecondaryStorage",
    "Subscription",
]


def __getattr__(name: str) -> Any:
    if name == "RedisStorage":
        from .redis import RedisStorage

        return RedisStorage
    raise AttributeError(name)
