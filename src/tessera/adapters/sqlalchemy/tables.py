"""Physical tables: a tessera ``Schema`` turned into SQLAlchemy Core ``Table`` objects.

One ``MetaData`` serves every dialect (types carry per-dialect variants), so the runtime, ``generate_sql`` and
the migration planner agree on names, types, foreign keys and indexes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from ..._json import dumps_str, loads
from ...db.schema import Field, Schema, Table

# MySQL/MariaDB compare and index strings byte-wise, like the memory adapter and PostgreSQL: an auth
# framework must not find token "AbC" when asked for "abc" (the default collations are case-insensitive).
MYSQL_TABLE_OPTIONS: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
_ON_DELETE = {"cascade": "CASCADE", "set null": "SET NULL", "restrict": "RESTRICT", "no action": "NO ACTION"}


def _is_mysql(dialect: Dialect) -> bool:
    return dialect.name in ("mysql", "mariadb")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on every dialect.

    PostgreSQL keeps ``timestamptz``; SQLite and MySQL keep naive UTC (MySQL as ``DATETIME(3)``, so values
    are cut to milliseconds before they are sent, the same way on every statement).
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _is_mysql(dialect):
            return dialect.type_descriptor(mysql.DATETIME(fsp=3))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if dialect.name == "postgresql":
            return value
        if _is_mysql(dialect):
            value = value.replace(microsecond=value.microsecond // 1000 * 1000)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value if value.tzinfo is UTC else value.astimezone(UTC)


class JSONValue(sa.TypeDecorator[Any]):
    """JSON documents: ``JSONB`` on PostgreSQL, ``JSON`` on MySQL, ``TEXT`` on SQLite.

    SQLite gets TEXT rather than its ``JSON`` pseudo-type: that name has numeric affinity, which would turn
    the document ``123`` into an integer.
    """

    impl = sa.JSON(none_as_null=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Text())
        return dialect.type_descriptor(sa.JSON(none_as_null=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is not None and dialect.name == "sqlite":
            return dumps_str(value)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str | bytes) and dialect.name == "sqlite":
            return loads(value)
        return value


def _keyed_string() -> TypeEngine[str]:
    # MySQL cannot index or reference TEXT without a prefix length
    return sa.Text().with_variant(sa.String(255), "mysql", "mariadb")


def column_type(field: Field, keyed: bool) -> TypeEngine[Any]:
    """The column type for a field; ``keyed`` string columns take part in a key, an index or a sort."""
    if field.type == "string":
        return _keyed_string() if keyed else sa.Text()
    if field.type == "boolean":
        return sa.Boolean(create_constraint=False)
    if field.type == "number":
        return sa.Integer()
    if field.type == "bigint":
        return sa.BigInteger()
    if field.type == "date":
        return UTCDateTime()
    if field.type == "json":
        return JSONValue()
    raise ValueError(f"unknown field type {field.type!r}")


def server_default(field: Field) -> sa.TextClause | str | None:
    """A constant default also declared in the database, so added columns can be filled in place."""
    value = field.default
    if value is None or callable(value):
        return None
    if field.type == "boolean":
        return sa.text("true" if value else "false")
    if field.type in ("number", "bigint") and isinstance(value, int):
        return sa.text(str(int(value)))
    if field.type == "string" and isinstance(value, str):
        return value
    return None


@dataclass(frozen=True, slots=True)
class TableMap:
    """One model's table with what the adapter needs at request time, computed once at ``bind``."""

    model: str
    table: sa.Table
    #: logical names in row order: the schema's fields, then ``id`` (what the memory adapter returns)
    names: tuple[str, ...]
    columns: tuple[sa.Column[Any], ...]
    fields: tuple[Field, ...]
    #: fields that identify at most one row when compared for equality
    unique: frozenset[str]
    types: Mapping[str, str]


def keyed_fields(table: Table) -> set[str]:
    """Fields that are ``VARCHAR(255)`` on MySQL: keys, indexed, sorted, references, text defaults."""
    return table.keyed_fields()


def _column(schema: Schema, table: Table, field: Field, keyed: bool) -> sa.Column[Any]:
    args: list[Any] = []
    if field.references:
        target = schema[field.references.model]
        target_column = "id" if field.references.field == "id" else target.field(field.references.field).column_name
        args.append(sa.ForeignKey(f"{target.db_name}.{target_column}", ondelete=_ON_DELETE[field.references.on_delete]))
    return sa.Column(
        field.column_name,
        column_type(field, keyed),
        *args,
        key=field.name,
        nullable=not field.required,
        server_default=server_default(field),
    )


def build_tables(schema: Schema, metadata: sa.MetaData | None = None) -> dict[str, TableMap]:
    """SQLAlchemy tables for every model of ``schema``, keyed by model name."""
    metadata = metadata if metadata is not None else sa.MetaData()
    out: dict[str, TableMap] = {}
    for table in schema:
        keyed = keyed_fields(table)
        id_column = sa.Column("id", _keyed_string(), key="id", primary_key=True)
        columns = [_column(schema, table, f, f.name in keyed) for f in table.fields]
        sa_table = sa.Table(table.db_name, metadata, id_column, *columns, **MYSQL_TABLE_OPTIONS)
        for ix in table.all_indexes():
            sa.Index(ix.resolved_name(table.db_name), *(sa_table.c[name] for name in ix.fields), unique=ix.unique)
        unique = {"id"} | {ix.fields[0] for ix in table.all_indexes() if ix.unique and len(ix.fields) == 1}
        out[table.name] = TableMap(
            model=table.name,
            table=sa_table,
            names=(*(f.name for f in table.fields), "id"),
            columns=(*columns, id_column),
            fields=table.fields,
            unique=frozenset(unique),
            types={"id": "string", **{f.name: f.type for f in table.fields}},
        )
    return out


def creation_order(schema: Schema) -> list[str]:
    """Models in schema order, each after the models it references (the order tables are created in)."""
    out: list[str] = []

    def visit(model: str, path: tuple[str, ...]) -> None:
        if model in out or model in path:
            return
        for f in schema[model].fields:
            if f.references and f.references.model != model:
                visit(f.references.model, (*path, model))
        out.append(model)

    for table in schema:
        visit(table.name, ())
    return out
