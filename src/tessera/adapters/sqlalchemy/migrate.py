"""Schema DDL and additive migrations for SQLite, PostgreSQL and MySQL/MariaDB.

``plan_migration`` compares the live database with the schema and plans only safe, additive work: create
missing tables, add missing columns, create missing indexes. It never drops or alters; what it cannot do
safely it does the safe way and says so in ``plan.warnings`` (a required column added to a table that
already has rows is added NULL-able, to be back-filled and tightened by hand). Re-running after ``apply``
plans nothing. ``generate_sql`` and ``generate_alembic`` give the same schema as text, for review or for
projects that run their own migrations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.mysql.base import MySQLDialect
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable, ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler

from ...db.schema import Field, Schema
from .alembic_script import generate_alembic
from .engine import dialect_name
from .tables import TableMap, build_tables, creation_order, server_default

__all__ = [
    "ColumnAddition",
    "MigrationPlan",
    "apply",
    "generate_alembic",
    "generate_sql",
    "plan_migration",
]


class AddColumn(ExecutableDDLElement):
    """``ALTER TABLE … ADD COLUMN …``, with the foreign key inline where the dialect allows it."""

    def __init__(self, column: sa.Column[Any], nullable: bool) -> None:
        self.column = column
        self.nullable = nullable


@compiles(AddColumn)
def _compile_add_column(element: AddColumn, compiler: DDLCompiler, **kw: Any) -> str:
    column = element.column
    preparer = compiler.preparer
    parts = [
        f"ALTER TABLE {preparer.format_table(column.table)} ADD COLUMN {preparer.format_column(column)}",
        column.type.compile(dialect=compiler.dialect),
    ]
    default = compiler.get_column_default_string(column)
    if default is not None:
        parts.append(f"DEFAULT {default}")
    if not element.nullable:
        parts.append("NOT NULL")
    # MySQL parses an inline REFERENCES and ignores it: it gets an ADD FOREIGN KEY of its own
    if column.foreign_keys and compiler.dialect.name not in ("mysql", "mariadb"):
        fk = next(iter(column.foreign_keys))
        parts.append(f"REFERENCES {preparer.format_table(fk.column.table)} ({preparer.format_column(fk.column)})")
        if fk.ondelete:
            parts.append(f"ON DELETE {fk.ondelete}")
    return " ".join(parts)


@dataclass(frozen=True)
class ColumnAddition:
    model: str
    field: Field
    #: False only when the column can be added NOT NULL safely
    nullable: bool


@dataclass(frozen=True)
class MigrationPlan:
    """What ``apply`` will do to the database behind ``engine``; empty when the schema is in place."""

    engine: AsyncEngine
    dialect: str
    #: models whose tables are created (with their indexes)
    tables: tuple[str, ...] = ()
    columns: tuple[ColumnAddition, ...] = ()
    #: ``(model, index name)`` for every index created, new tables' included
    indexes: tuple[tuple[str, str], ...] = ()
    #: changes made the safe way or left out, for a human to finish
    warnings: tuple[str, ...] = ()
    _elements: tuple[ExecutableDDLElement, ...] = field(default=(), repr=False)

    @property
    def is_empty(self) -> bool:
        return not self._elements

    def describe(self) -> list[str]:
        """One line per step, then the warnings: what ``tessera migrate`` prints."""
        lines = [f"create table {model}" for model in self.tables]
        lines += [
            f"add column {c.model}.{c.field.name}{' (NULL-able)' if c.nullable and c.field.required else ''}"
            for c in self.columns
        ]
        lines += [f"create index {name} on {model}" for model, name in self.indexes]
        return lines + [f"warning: {w}" for w in self.warnings]

    def statements(self) -> list[str]:
        """The DDL ``apply`` runs, as SQL text."""
        return [str(e.compile(dialect=self.engine.dialect)).strip() for e in self._elements]


def _dialect(name: str) -> Dialect:
    if name == "sqlite":
        return SQLiteDialect()
    if name in ("postgresql", "postgres"):
        return PGDialect()  # type: ignore[no-untyped-call]
    if name in ("mysql", "mariadb"):
        return MySQLDialect()
    raise ValueError(f"unknown dialect {name!r}: expected sqlite, postgresql or mysql")


def _indexes(table: sa.Table) -> list[sa.Index]:
    return sorted(table.indexes, key=lambda ix: str(ix.name))


def generate_sql(schema: Schema, dialect: str) -> str:
    """The complete DDL for ``schema`` on ``dialect`` (``sqlite``, ``postgresql`` or ``mysql``)."""
    target = _dialect(dialect)
    tables = build_tables(schema)
    parts: list[str] = []
    for table in (tables[model].table for model in creation_order(schema)):
        parts.append(f"{str(CreateTable(table).compile(dialect=target)).strip()};")
        parts.extend(f"{CreateIndex(ix).compile(dialect=target)};" for ix in _indexes(table))
    return "\n\n".join(parts) + "\n"


@dataclass
class _LiveTable:
    columns: set[str]
    #: (name, physical columns, unique)
    indexes: list[tuple[str | None, tuple[str, ...], bool]]
    has_rows: bool


def _inspect(conn: Connection, tables: dict[str, TableMap]) -> dict[str, _LiveTable]:
    inspector = sa.inspect(conn)
    existing = set(inspector.get_table_names())
    live: dict[str, _LiveTable] = {}
    for model, tm in tables.items():
        name = tm.table.name
        if name not in existing:
            continue
        indexes = [
            (ix["name"], tuple(c for c in ix["column_names"] if c), bool(ix["unique"]))
            for ix in inspector.get_indexes(name)
        ]
        indexes += [(uc["name"], tuple(uc["column_names"]), True) for uc in inspector.get_unique_constraints(name)]
        has_rows = conn.execute(sa.select(sa.literal(1)).select_from(tm.table).limit(1)).first() is not None
        live[model] = _LiveTable({c["name"] for c in inspector.get_columns(name)}, indexes, has_rows)
    return live


def _index_state(index: sa.Index, live: _LiveTable) -> str:
    """``present``, ``missing`` or ``conflict`` (an index of that name exists on other columns)."""
    wanted = tuple(c.name for c in index.columns)
    if any(columns == wanted and (unique or not index.unique) for _, columns, unique in live.indexes):
        return "present"
    return "conflict" if any(name == index.name for name, _, _ in live.indexes) else "missing"


async def plan_migration(engine: AsyncEngine, schema: Schema) -> MigrationPlan:
    """Compare the live database with ``schema`` and plan the additive changes that bring it in line."""
    tables = build_tables(schema)
    async with engine.connect() as conn:
        live = await conn.run_sync(_inspect, tables)
    dialect = dialect_name(engine)
    elements: list[ExecutableDDLElement] = []
    created: list[str] = []
    columns: list[ColumnAddition] = []
    indexes: list[tuple[str, str]] = []
    warnings: list[str] = []
    for model in creation_order(schema):
        table = tables[model].table
        if model not in live:
            created.append(model)
            elements.append(CreateTable(table))
            for ix in _indexes(table):
                elements.append(CreateIndex(ix))
                indexes.append((model, str(ix.name)))
            continue
        state = live[model]
        for f in schema[model].fields:
            column = table.c[f.name]
            if column.name in state.columns:
                continue
            nullable = not f.required
            if f.required and server_default(f) is None and (state.has_rows or dialect == "sqlite"):
                nullable = True
                reason = "the table has rows" if state.has_rows else "SQLite cannot add it NOT NULL"
                warnings.append(
                    f"{model}.{f.name} is required but is added NULL-able ({reason} and the field has no "
                    "constant default): fill it, then make it NOT NULL"
                )
            columns.append(ColumnAddition(model, f, nullable))
            elements.append(AddColumn(column, nullable))
            if column.foreign_keys and dialect == "mysql":
                elements.append(AddConstraint(next(iter(column.foreign_keys)).constraint))  # type: ignore[arg-type]
        for ix in _indexes(table):
            found = _index_state(ix, state)
            if found == "missing":
                elements.append(CreateIndex(ix))
                indexes.append((model, str(ix.name)))
            elif found == "conflict":
                warnings.append(f"index {ix.name} exists on other columns than {model}.{ix.columns.keys()}")
    return MigrationPlan(
        engine, dialect, tuple(created), tuple(columns), tuple(indexes), tuple(warnings), tuple(elements)
    )


async def apply(plan: MigrationPlan) -> None:
    """Run the plan in one transaction (PostgreSQL and SQLite roll DDL back on failure; MySQL cannot)."""
    if plan.is_empty:
        return
    async with plan.engine.begin() as conn:
        for element in plan._elements:
            await conn.execute(element)
