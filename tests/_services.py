"""Database services for tests: throwaway PostgreSQL/MariaDB databases and ready adapters over every backend.

Fixtures (loaded by ``tests/conftest.py``):

* ``postgresql_server`` / ``mysql_server``: a ``DatabaseServer`` to create more throwaway databases; tests
  using them are skipped, with the reason, when the service is not reachable;
* ``database_server``: parametrized over sqlite, postgresql and mysql; ``await database_server.create()``
  is the URL of a new empty database (a temporary file for SQLite);
* ``pg_database_url`` / ``mysql_database_url``: one fresh database for the session;
* ``adapter_factory``: parametrized over memory, sqlite, postgresql and mysql; ``await
  adapter_factory(schema)`` returns an adapter bound to ``schema`` with its tables created and empty. The
  SQL adapters are shared by the session (one database per schema, a few open at a time) and emptied before
  each test: do not close them, nor keep one past the test.

Services default to 127.0.0.1 (PostgreSQL user ``postgres``, MariaDB ``root``, both database ``test``);
``TESSERA_TEST_POSTGRES`` and ``TESSERA_TEST_MYSQL`` override the admin URLs. Databases are named
``tessera_t_<random>`` and dropped at the end of the session.
"""

from __future__ import annotations

import os
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tessera.adapters.memory import MemoryAdapter
from tessera.adapters.sqlalchemy import SQLAlchemyAdapter
from tessera.adapters.sqlalchemy.migrate import apply, generate_sql, plan_migration
from tessera.db.adapter import Adapter
from tessera.db.schema import Schema

POSTGRES_ADMIN_URL = os.environ.get("TESSERA_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
MYSQL_ADMIN_URL = os.environ.get("TESSERA_TEST_MYSQL", "mysql+asyncmy://root@127.0.0.1:3306/test")
SQL_BACKENDS = ["sqlite", "postgresql", "mysql"]
BACKENDS = ["memory", *SQL_BACKENDS]

AdapterFactory = Callable[[Schema], Awaitable[Adapter]]


class DatabaseServer:
    """A database server on which tests create (and finally drop) databases of their own."""

    def __init__(self, label: str, admin_url: str) -> None:
        self.label = label
        self.admin_url = sa.make_url(admin_url)
        self.created: list[str] = []
        connect_args = {"timeout": 3} if self.admin_url.get_backend_name() == "postgresql" else {"connect_timeout": 3}
        self._admin = create_async_engine(
            self.admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args=connect_args
        )

    @property
    def is_postgres(self) -> bool:
        return self.admin_url.get_backend_name() == "postgresql"

    async def ping(self) -> None:
        async with self._admin.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def create(self) -> str:
        """A new empty database; returns its URL."""
        name = f"tessera_t_{secrets.token_hex(4)}"
        async with self._admin.connect() as conn:
            await conn.execute(sa.text(f"CREATE DATABASE {name}"))
        self.created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    async def drop_all(self) -> None:
        force = " WITH (FORCE)" if self.is_postgres else ""
        async with self._admin.connect() as conn:
            for name in self.created:
                await conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}{force}"))
        self.created.clear()
        await self._admin.dispose()


async def _server(label: str, url: str) -> AsyncIterator[DatabaseServer]:
    server = DatabaseServer(label, url)
    try:
        await server.ping()
    except Exception as e:  # any failure to connect means "not available here"
        await server._admin.dispose()
        host = f"{server.admin_url.host}:{server.admin_url.port}"
        pytest.skip(f"{label} not reachable at {host}: {type(e).__name__}: {e}")
    yield server
    await server.drop_all()


@pytest.fixture(scope="session")
async def postgresql_server() -> AsyncIterator[DatabaseServer]:
    async for server in _server("PostgreSQL", POSTGRES_ADMIN_URL):
        yield server


@pytest.fixture(scope="session")
async def mysql_server() -> AsyncIterator[DatabaseServer]:
    async for server in _server("MariaDB/MySQL", MYSQL_ADMIN_URL):
        yield server


@pytest.fixture(scope="session")
async def pg_database_url(postgresql_server: DatabaseServer) -> str:
    return await postgresql_server.create()


@pytest.fixture(scope="session")
async def mysql_database_url(mysql_server: DatabaseServer) -> str:
    return await mysql_server.create()


class SQLiteFiles:
    """``create()`` gives the URL of a new SQLite file, like ``DatabaseServer.create`` does a database."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory

    async def create(self) -> str:
        path: Path = self._factory.mktemp("sqlite") / "tessera.db"
        return f"sqlite:///{path}"


@pytest.fixture(params=SQL_BACKENDS)
def database_server(request: pytest.FixtureRequest) -> DatabaseServer | SQLiteFiles:
    """Each SQL backend in turn; ``await database_server.create()`` is the URL of a new, empty database."""
    if request.param == "sqlite":
        return SQLiteFiles(request.getfixturevalue("tmp_path_factory"))
    server: DatabaseServer = request.getfixturevalue(f"{request.param}_server")
    return server


class AdapterPool:
    """Session-wide SQL adapters, one database per distinct schema, emptied before each reuse.

    At most ``OPEN`` adapters hold connections at a time: each keeps a pool and a direct-read lane, and the plugin
    tests alone use dozens of schemas, which would otherwise exhaust the server's ``max_connections`` (100 on a
    default PostgreSQL) by the end of a session. The least recently used adapter is closed; its database stays,
    and a later request for its schema opens a new adapter on it."""

    OPEN = 6

    def __init__(self, new_url: Callable[[], Awaitable[str]]) -> None:
        self._new_url = new_url
        self._adapters: OrderedDict[str, SQLAlchemyAdapter] = OrderedDict()
        self._urls: dict[str, str] = {}

    async def get(self, schema: Schema) -> SQLAlchemyAdapter:
        key = generate_sql(schema, "postgresql")
        adapter = self._adapters.pop(key, None)
        if adapter is None and key not in self._urls:
            self._urls[key] = await self._new_url()
            adapter = self._open(key, schema)
            await apply(await plan_migration(adapter.engine, schema))
        else:
            adapter = adapter or self._open(key, schema)
            async with adapter.engine.begin() as conn:
                for table in reversed(adapter.metadata.sorted_tables):
                    await conn.execute(table.delete())
        self._adapters[key] = adapter
        while len(self._adapters) > self.OPEN:
            _, oldest = self._adapters.popitem(last=False)
            await oldest.close()
        return adapter

    def _open(self, key: str, schema: Schema) -> SQLAlchemyAdapter:
        adapter = SQLAlchemyAdapter(self._urls[key], pool_size=5, max_overflow=5)
        adapter.bind(schema)
        return adapter

    async def close(self) -> None:
        for adapter in self._adapters.values():
            await adapter.close()


async def _pool(new_url: Callable[[], Awaitable[str]]) -> AsyncIterator[AdapterPool]:
    pool = AdapterPool(new_url)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def sqlite_adapters(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AdapterPool]:
    async for pool in _pool(SQLiteFiles(tmp_path_factory).create):
        yield pool


@pytest.fixture(scope="session")
async def postgresql_adapters(postgresql_server: DatabaseServer) -> AsyncIterator[AdapterPool]:
    async for pool in _pool(postgresql_server.create):
        yield pool


@pytest.fixture(scope="session")
async def mysql_adapters(mysql_server: DatabaseServer) -> AsyncIterator[AdapterPool]:
    async for pool in _pool(mysql_server.create):
        yield pool


async def _memory(schema: Schema) -> Adapter:
    adapter = MemoryAdapter()
    adapter.bind(schema)
    return adapter


@pytest.fixture(params=BACKENDS)
def adapter_factory(request: pytest.FixtureRequest) -> AdapterFactory:
    if request.param == "memory":
        return _memory
    pool: AdapterPool = request.getfixturevalue(f"{request.param}_adapters")
    return pool.get
