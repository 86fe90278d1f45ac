"""Migrations and DDL on SQLite, PostgreSQL and MariaDB: additive, idempotent, matching the generated text."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tessera.adapters.sqlalchemy import SQLAlchemyAdapter, normalize_url
from tessera.adapters.sqlalchemy.migrate import apply, generate_alembic, generate_sql, plan_migration
from tessera.db.adapter import Where
from tessera.db.schema import Field, Index, Schema, Table, TableExtension, core_tables, ref
from tests._services import DatabaseServer, SQLiteFiles

CORE = core_tables(rate_limit_in_database=True)
#: (table, index name, columns, unique) every database must end up with
CORE_INDEXES = {
    ("user", "user_email_uidx", ("email",), True),
    ("session", "session_token_uidx", ("token",), True),
    ("session", "session_userId_idx", ("userId",), False),
    ("session", "session_expiresAt_idx", ("expiresAt",), False),
    ("account", "account_userId_idx", ("userId",), False),
    ("account", "account_providerId_accountId_idx", ("providerId", "accountId"), False),
    ("verification", "verification_identifier_idx", ("identifier",), False),
    ("verification", "verification_expiresAt_idx", ("expiresAt",), False),
    ("rateLimit", "rateLimit_key_uidx", ("key",), True),
}
PLUGIN_TABLE = Table(
    "twoFactor",
    (
        Field("secret"),
        Field("backupCodes"),
        Field("userId", references=ref("user"), index=True),
    ),
    indexes=(Index(("userId", "secret"), unique=True, name="two_factor_user_secret"),),
)


@pytest.fixture
async def engine(database_server: DatabaseServer | SQLiteFiles) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(normalize_url(await database_server.create()))
    yield engine
    await engine.dispose()


def _live_indexes(conn: Connection) -> set[tuple[str, str, tuple[str, ...], bool]]:
    inspector = sa.inspect(conn)
    out = set()
    for table in inspector.get_table_names():
        for ix in inspector.get_indexes(table):
            out.add((table, str(ix["name"]), tuple(str(c) for c in ix["column_names"]), bool(ix["unique"])))
    return out


async def _rows(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.exec_driver_sql(sql))


async def test_plan_on_an_empty_database_creates_every_table_and_index(engine: AsyncEngine) -> None:
    schema = Schema.merge(CORE)
    plan = await plan_migration(engine, schema)
    assert plan.tables == ("user", "session", "account", "verification", "rateLimit")
    assert plan.tables.index("user") < plan.tables.index("session")  # referenced tables first
    assert {(model, name) for model, name in plan.indexes} == {(t, n) for t, n, _, _ in CORE_INDEXES}
    assert plan.columns == () and plan.warnings == ()
    assert sum(s.startswith("CREATE TABLE") for s in plan.statements()) == 5
    assert sum("CREATE" in s and "INDEX" in s for s in plan.statements()) == len(CORE_INDEXES)

    await apply(plan)

    async with engine.connect() as conn:
        live = await conn.run_sync(_live_indexes)
    assert live >= CORE_INDEXES
    again = await plan_migration(engine, schema)
    assert again.is_empty and again.describe() == [] and again.statements() == []


async def test_adding_a_plugin_field_plans_one_add_column(engine: AsyncEngine) -> None:
    await apply(await plan_migration(engine, Schema.merge(CORE)))
    adapter = SQLAlchemyAdapter(engine)
    adapter.bind(Schema.merge(CORE))
    await adapter.create("user", {"id": "u1", "name": "Ada", "email": "ada@example.com"})

    extended = Schema.merge([*CORE, TableExtension("user", (Field("twoFactorEnabled", "boolean", default=False),))])
    plan = await plan_migration(engine, extended)
    assert [(c.model, c.field.name, c.nullable) for c in plan.columns] == [("user", "twoFactorEnabled", False)]
    assert plan.tables == () and plan.indexes == () and plan.warnings == ()
    [statement] = plan.statements()
    assert re.match(r'ALTER TABLE [`"]?user[`"]? ADD COLUMN [`"]twoFactorEnabled[`"] ', statement)
    assert plan.describe() == ["add column user.twoFactorEnabled"]

    await apply(plan)

    assert (await plan_migration(engine, extended)).is_empty
    adapter.bind(extended)
    row = await adapter.find_one("user", [Where("id", "u1")])
    assert row is not None and row["twoFactorEnabled"] is False  # existing rows took the default
    await adapter.close()


async def test_plugin_tables_references_and_unsafe_columns(engine: AsyncEngine) -> None:
    await apply(await plan_migration(engine, Schema.merge(CORE)))
    adapter = SQLAlchemyAdapter(engine)
    adapter.bind(Schema.merge(CORE))
    await adapter.create("user", {"id": "u1", "name": "Ada", "email": "ada@example.com"})
    await adapter.create("user", {"id": "u2", "name": "Bob", "email": "bob@example.com"})

    plugin_fields = (
        Field("role"),  # required, no default, table has rows: cannot be NOT NULL yet
        Field("invitedBy", required=False, references=ref("user", "set null"), index=True),
    )
    extended = Schema.merge([*CORE, PLUGIN_TABLE, TableExtension("user", plugin_fields)])
    plan = await plan_migration(engine, extended)
    assert plan.tables == ("twoFactor",)
    assert [(c.field.name, c.nullable) for c in plan.columns] == [("role", True), ("invitedBy", True)]
    assert len(plan.warnings) == 1 and "user.role" in plan.warnings[0]
    assert {name for _, name in plan.indexes} == {
        "user_invitedBy_idx",
        "twoFactor_userId_idx",
        "two_factor_user_secret",
    }

    await apply(plan)

    assert (await plan_migration(engine, extended)).is_empty
    adapter.bind(extended)
    await adapter.update("user", [Where("id", "u2")], {"invitedBy": "u1", "role": "user"})
    await adapter.create("twoFactor", {"id": "t1", "secret": "s", "backupCodes": "c", "userId": "u1"})
    await adapter.delete("user", [Where("id", "u1")])
    assert await adapter.count("twoFactor") == 0  # ON DELETE CASCADE from the new table
    invited = await adapter.find_one("user", [Where("id", "u2")])
    assert invited is not None and invited["invitedBy"] is None  # ON DELETE SET NULL on the added column
    await adapter.close()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_generated_sql_has_the_create_index_lines(dialect: str) -> None:
    sql = generate_sql(Schema.merge([*CORE, PLUGIN_TABLE]), dialect)
    plain = re.sub(r'[`"]', "", sql)
    for table, name, columns, unique in CORE_INDEXES:
        kind = "UNIQUE INDEX" if unique else "INDEX"
        assert f"CREATE {kind} {name} ON {table} ({', '.join(columns)});" in plain
    assert "CREATE UNIQUE INDEX two_factor_user_secret ON twoFactor (userId, secret);" in plain
    assert plain.count("CREATE TABLE") == 6
    assert plain.index("CREATE TABLE user") < plain.index("CREATE TABLE session")
    if dialect == "mysql":
        assert "COLLATE utf8mb4_bin" in sql and "DATETIME(3)" in sql
    if dialect == "postgresql":
        assert "TIMESTAMP WITH TIME ZONE" in sql and 'CREATE TABLE "user"' in sql


async def test_generated_sql_runs_and_leaves_nothing_to_migrate(engine: AsyncEngine) -> None:
    schema = Schema.merge([*CORE, PLUGIN_TABLE])
    dialect = "mysql" if engine.dialect.name in ("mysql", "mariadb") else engine.dialect.name
    async with engine.begin() as conn:
        for statement in generate_sql(schema, dialect).split(";\n"):
            if statement.strip():
                await conn.exec_driver_sql(statement)
    plan = await plan_migration(engine, schema)
    assert plan.is_empty, plan.describe()


def _run_alembic(conn: Connection, text: str, step: str) -> None:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    namespace: dict[str, Any] = {}
    exec(compile(text, "tessera_0001.py", "exec"), namespace)
    with Operations.context(MigrationContext.configure(conn)):
        namespace[step]()


async def test_generated_alembic_migration_upgrades_and_downgrades(engine: AsyncEngine) -> None:
    pytest.importorskip("alembic")
    schema = Schema.merge([*CORE, PLUGIN_TABLE])
    text = generate_alembic(schema, revision="abc123")
    assert 'revision = "abc123"' in text and "down_revision = None" in text
    assert 'op.create_index("session_userId_idx", "session", ["userId"], unique=False)' in text

    async with engine.begin() as conn:
        await conn.run_sync(_run_alembic, text, "upgrade")
    plan = await plan_migration(engine, schema)
    assert plan.is_empty, plan.describe()

    async with engine.begin() as conn:
        await conn.run_sync(_run_alembic, text, "downgrade")
    assert len((await plan_migration(engine, schema)).tables) == 6
