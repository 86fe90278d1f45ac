"""SQLAlchemy 2 (Core, asyncio) adapter for SQLite, PostgreSQL and MySQL/MariaDB, with migrations.

Needs ``pip install 'tessera-auth[sqlalchemy]'`` (plus ``[postgres]`` or ``[mysql]`` for those databases).
"""

from __future__ import annotations

try:
    import sqlalchemy  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("tessera.adapters.sqlalchemy needs SQLAlchemy: pip install 'tessera-auth[sqlalchemy]'") from e

from .adapter import SQLAlchemyAdapter, Statement
from .engine import normalize_url

__all__ = ["SQLAlchemyAdapter", "Statement", "normalize_url"]
