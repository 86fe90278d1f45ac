"""Statement budgets of the SQLAlchemy adapter: what each operation costs, per dialect."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tessera.adapters.sqlalchemy import SQLAlchemyAdapter
from tessera.adapters.sqlalchemy.adapter import Statement
from tessera.db.adapter import Join, SortBy, Where
from tessera.testing.adapter_contract import SCHEMA
from tests._services import AdapterFactory

every_dialect = pytest.mark.parametrize("adapter_factory", ["sqlite", "postgresql", "mysql"], indirect=True)
mysql_only = pytest.mark.parametrize("adapter_factory", ["mysql"], indirect=True)

NOW = datetime(2030, 1, 1, tzinfo=UTC)
#: operation -> statements on (sqlite, postgresql, mysql); MySQL here is MariaDB, which has DELETE RETURNING
BUDGET = {
    "create": (1, 1, 1),
    "find_one": (1, 1, 1),
    "find_one_join": (1, 1, 1),
    "find_many": (1, 1, 1),
    "count": (1, 1, 1),
    "update": (1, 1, 2),
    "update_many": (1, 1, 1),
    "increment_one": (1, 1, 2),
    "delete": (1, 1, 1),
    "consume_one": (1, 1, 1),
    "delete_many": (1, 1, 1),
}
DIALECTS = ("sqlite", "postgresql", "mysql")


@pytest.fixture
async def adapter(adapter_factory: AdapterFactory) -> AsyncIterator[SQLAlchemyAdapter]:
    adapter = await adapter_factory(SCHEMA)
    assert isinstance(adapter, SQLAlchemyAdapter)
    await adapter.create("user", {"id": "u1", "name": "Ada", "email": "ada@example.com"})
    await adapter.create("session", {"id": "s1", "token": "t1", "userId": "u1", "expiresAt": NOW})
    await adapter.create("verification", {"id": "v1", "identifier": "i1", "value": "v", "expiresAt": NOW})
    await adapter.create("verification", {"id": "v2", "identifier": "i2", "value": "v", "expiresAt": NOW})
    await adapter.create("rateLimit", {"id": "r1", "key": "k", "count": 0, "lastRequest": 0})
    yield adapter


@contextmanager
def captured(adapter: SQLAlchemyAdapter) -> Iterator[list[str]]:
    """The SQL text of every statement the adapter ran meanwhile, on either path, transaction control included.

    From the adapter's own report, not engine events: the direct read path never goes through SQLAlchemy's
    ``Connection``, so an engine listener would not see it.
    """
    statements: list[str] = []

    def capture(statement: Statement) -> None:
        statements.append(statement.sql)

    adapter.statement_listeners.append(capture)
    try:
        yield statements
    finally:
        adapter.statement_listeners.remove(capture)


async def cost(adapter: SQLAlchemyAdapter, operation: Callable[[], Awaitable[Any]]) -> int:
    before = adapter.statement_count
    await operation()
    return adapter.statement_count - before


def operations(a: SQLAlchemyAdapter) -> dict[str, Callable[[], Awaitable[Any]]]:
    return {
        "create": lambda: a.create("verification", {"id": "v3", "identifier": "i3", "value": "v", "expiresAt": NOW}),
        "find_one": lambda: a.find_one("user", [Where("email", "ada@example.com")]),
        "find_one_join": lambda: a.find_one("session", [Where("token", "t1")], join=[Join("user")]),
        "find_many": lambda: a.find_many("session", [Where("userId", "u1")], limit=10, sort_by=SortBy("createdAt")),
        "count": lambda: a.count("session", [Where("userId", "u1")]),
        "update": lambda: a.update("session", [Where("token", "t1")], {"expiresAt": NOW + timedelta(days=1)}),
        "update_many": lambda: a.update_many("verification", [Where("value", "v")], {"value": "w"}),
        "increment_one": lambda: a.increment_one("rateLimit", [Where("key", "k")], {"count": 1}, {"lastRequest": 5}),
        "delete": lambda: a.delete("session", [Where("token", "t1")]),
        "consume_one": lambda: a.consume_one("verification", [Where("identifier", "i1")]),
        "delete_many": lambda: a.delete_many("verification", [Where("expiresAt", NOW, "lte")]),
    }


@every_dialect
async def test_statements_per_operation(adapter: SQLAlchemyAdapter) -> None:
    column = DIALECTS.index(adapter.dialect)
    spent = {name: await cost(adapter, op) for name, op in operations(adapter).items()}
    assert spent == {name: counts[column] for name, counts in BUDGET.items()}


@every_dialect
async def test_session_read_is_one_select_with_a_join(adapter: SQLAlchemyAdapter) -> None:
    with captured(adapter) as statements:
        row = await adapter.find_one("session", [Where("token", "t1")], join=[Join("user")])
    assert row is not None and row["user"]["email"] == "ada@example.com"
    [statement] = statements
    assert statement.startswith("SELECT") and "LEFT OUTER JOIN" in statement and "LIMIT" in statement


@every_dialect
async def test_consume_one_is_one_delete_returning(adapter: SQLAlchemyAdapter) -> None:
    with captured(adapter) as statements:
        assert await adapter.consume_one("verification", [Where("identifier", "i1")]) is not None
    [statement] = statements
    assert statement.startswith("DELETE") and "RETURNING" in statement


@every_dialect
async def test_transaction_control_is_not_counted(adapter: SQLAlchemyAdapter) -> None:
    async def unit() -> None:
        async with adapter.transaction() as tx:
            await tx.update("user", [Where("id", "u1")], {"name": "Ada L."})
            async with tx.transaction() as nested:  # a SAVEPOINT, not counted either
                await nested.find_one("user", [Where("id", "u1")])

    expected = 3 if adapter.dialect == "mysql" else 2
    assert await cost(adapter, unit) == expected


@mysql_only
async def test_mysql_without_returning_reads_then_writes(adapter: SQLAlchemyAdapter) -> None:
    """Oracle MySQL has no RETURNING: create stays one statement, delete locks the row first."""
    dialect = adapter.engine.dialect
    saved = dialect.insert_returning, dialect.delete_returning
    dialect.insert_returning = dialect.delete_returning = False
    try:
        created = await adapter.create("verification", {"id": "v9", "identifier": "i9", "value": "v", "expiresAt": NOW})
        assert created["expiresAt"] == NOW and created["id"] == "v9"
        with captured(adapter) as statements:
            consumed = await adapter.consume_one("verification", [Where("identifier", "i9")])
        assert consumed == created
        assert [s.split()[0] for s in statements] == ["SELECT", "DELETE"] and "FOR UPDATE" in statements[0]
        assert await cost(adapter, lambda: adapter.delete("verification", [Where("identifier", "i9")])) == 1
    finally:
        dialect.insert_returning, dialect.delete_returning = saved
