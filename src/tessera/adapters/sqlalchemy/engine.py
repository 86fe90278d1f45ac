"""Engine set-up: URL normalisation and the SQLite connection hooks the adapter relies on."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "mysql": "mysql+asyncmy",
    "mariadb": "mysql+asyncmy",
}


def normalize_url(url: str | sa.URL) -> sa.URL:
    """Fill in the async driver of a driver-less URL: ``postgres://`` becomes ``postgresql+asyncpg://``.

    URLs that name a driver are kept as given.
    """
    parsed = sa.make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def dialect_name(engine: AsyncEngine) -> str:
    """``sqlite``, ``postgresql`` or ``mysql`` (MariaDB included)."""
    name = engine.dialect.name
    return "mysql" if name == "mariadb" else name


def _sqlite_checkout(dbapi_connection: Any, connection_record: Any, proxy: Any) -> None:
    # Once per connection (on checkout, so connections pooled before the adapter existed are covered
    # too): take BEGIN away from the sqlite3 module, which skips it before SELECT and SAVEPOINT, and turn
    # on foreign keys, off by default in SQLite, which cascades depend on.
    if connection_record.info.get("tessera_sqlite"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
    connection_record.info["tessera_sqlite"] = True


def _sqlite_begin(conn: Connection) -> None:
    options = conn.get_execution_options()
    if options.get("tessera_autocommit") or options.get("isolation_level") == "AUTOCOMMIT":
        return
    conn.exec_driver_sql(options.get("tessera_begin", "BEGIN"))


def install_sqlite_hooks(engine: AsyncEngine) -> None:
    """Real transactions (BEGIN emitted by SQLAlchemy) and enforced foreign keys; idempotent."""
    sync = engine.sync_engine
    if not event.contains(sync.pool, "checkout", _sqlite_checkout):
        event.listen(sync.pool, "checkout", _sqlite_checkout)
        event.listen(sync, "begin", _sqlite_begin)


def _drop_closed_asyncpg(dbapi_connection: Any, connection_record: Any, proxy: Any) -> None:
    # asyncpg reads a server's goodbye (a restart, a failover, pg_terminate_backend) as soon as it arrives and
    # marks the connection closed: refuse it at checkout, and the pool hands out a new one, at no I/O cost
    driver = getattr(dbapi_connection, "_connection", None)
    is_closed = getattr(driver, "is_closed", None)
    if is_closed is not None and is_closed():
        raise sa.exc.DisconnectionError("the server closed this pooled connection")


def install_liveness_check(engine: AsyncEngine) -> None:
    """Never lend a pooled connection the server is known to have closed (asyncpg; idempotent)."""
    pool = engine.sync_engine.pool
    if engine.dialect.driver == "asyncpg" and not event.contains(pool, "checkout", _drop_closed_asyncpg):
        event.listen(pool, "checkout", _drop_closed_asyncpg)
