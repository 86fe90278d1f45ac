"""Storage adapters. ``memory`` ships with the core; ``sqlalchemy`` needs ``tessera-auth[sqlalchemy]``."""

from .memory import MemoryAdapter

__all__ = ["MemoryAdapter"]
