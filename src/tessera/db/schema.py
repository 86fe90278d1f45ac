"""Declarative schema: the one description of every table that drives the runtime and the CLI.

Core and plugins each contribute ``Table``s (or extra ``Field``s for an existing table); ``Schema.merge``
combines them once, when ``Tessera`` is built. Names are Better Auth's logical names (camelCase); a field's
``column`` and a table's ``table_name`` may rename them in the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from ..errors import ConfigError

FieldType = Literal["string", "boolean", "number", "bigint", "date", "json"]


def utcnow() -> datetime:
    """Now, in UTC, at millisecond precision (what JavaScript ``Date`` and every database keep)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Reference:
    model: str
    field: str = "id"
    on_delete: Literal["cascade", "set null", "restrict", "no action"] = "cascade"


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType = "string"
    required: bool = True
    unique: bool = False
    index: bool = False
    #: a value, or a zero-argument callable evaluated at insert time
    default: Any = None
    #: included in API output (``returned: false`` in Better Auth)
    returned: bool = True
    #: may be set from client input (``input: false`` in Better Auth)
    input: bool = True
    references: Reference | None = None
    sortable: bool = False
    column: str | None = None

    @property
    def column_name(self) -> str:
        return self.column or self.name

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default


@dataclass(frozen=True)
class Index:
    fields: tuple[str, ...]
    unique: bool = False
    name: str | None = None

    def resolved_name(self, table: str) -> str:
        if self.name:
            return self.name
        base = f"{table}_{'_'.join(self.fields)}_{'uidx' if self.unique else 'idx'}"
        if len(base.encode()) <= 63:
            return base
        digest = hashlib.sha256(base.encode()).hexdigest()[:8]
        return f"{base[:54]}_{digest}"


@dataclass(frozen=True)
class Table:
    name: str
    fields: tuple[Field, ...]
    indexes: tuple[Index, ...] = ()
    table_name: str | None = None

    @property
    def db_name(self) -> str:
        return self.table_name or self.name

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name}.{name}")

    def has(self, name: str) -> bool:
        return name == "id" or any(f.name == name for f in self.fields)

    def keyed_fields(self) -> set[str]:
        """Fields that take part in a key, an index or a sort (``VARCHAR(255)`` on MySQL), and ``id``."""
        keyed = {"id"}
        for f in self.fields:
            if f.unique or f.index or f.sortable or f.references or isinstance(f.default, str):
                keyed.add(f.name)
        for ix in self.all_indexes():
            keyed.update(ix.fields)
        return keyed

    def all_indexes(self) -> tuple[Index, ...]:
        """Field-level ``unique``/``index`` flags and table-level indexes, deduplicated."""
        seen: dict[tuple[tuple[str, ...], bool], Index] = {}
        for f in self.fields:
            if f.unique:
                seen[((f.name,), True)] = Index((f.name,), unique=True)
            elif f.index:
                seen[((f.name,), False)] = Index((f.name,))
        for ix in self.indexes:
            seen.setdefault((ix.fields, ix.unique), ix)
        return tuple(seen.values())


@dataclass(frozen=True)
class TableExtension:
    """Extra fields (and indexes) a plugin adds to a table declared elsewhere."""

    name: str
    fields: tuple[Field, ...] = ()
    indexes: tuple[Index, ...] = ()


@dataclass(frozen=True)
class Schema:
    tables: Mapping[str, Table] = field(default_factory=dict)

    def __getitem__(self, model: str) -> Table:
        try:
            return self.tables[model]
        except KeyError:
            raise KeyError(f"unknown model {model!r}") from None

    def __contains__(self, model: object) -> bool:
        return model in self.tables

    def __iter__(self) -> Any:
        return iter(self.tables.values())

    @classmethod
    def merge(cls, parts: Iterable[Table | TableExtension], *, source: str = "") -> Schema:
        """Combine tables and extensions; a field declared twice is a configuration error."""
        tables: dict[str, Table] = {}
        extensions: list[TableExtension] = []
        for part in parts:
            if isinstance(part, TableExtension):
                extensions.append(part)
                continue
            if part.name in tables:
                if tables[part.name] == part:
                    continue  # two plugins sharing one table (jwt and convex both use ``jwks``)
                raise ConfigError(f"table {part.name!r} is declared twice{source}")
            tables[part.name] = part
        for ext in extensions:
            if ext.name not in tables:
                # extensions of a table that is not part of this configuration are ignored,
                # e.g. session fields while sessions live in secondary storage only
                continue
            base = tables[ext.name]
            for f in ext.fields:
                if base.has(f.name):
                    raise ConfigError(f"field {ext.name}.{f.name} is declared twice")
            tables[ext.name] = replace(
                base, fields=base.fields + ext.fields, indexes=base.indexes + ext.indexes
            )
        for table in tables.values():
            for f in table.fields:
                if f.references and f.references.model not in tables:
                    raise ConfigError(
                        f"{table.name}.{f.name} references unknown model {f.references.model!r}"
                    )
        return cls(tables)

    def join_fields(self, model: str, other: str) -> tuple[str, str]:
        """How a row of ``model`` joins a row of ``other``: the field of each whose values are equal.

        ``model``'s own reference to ``other`` wins over a reference of ``other`` back to ``model``
        (``session`` joins its ``user`` by ``session.userId``); ``KeyError`` when there is neither."""
        for f in self[model].fields:
            if f.references and f.references.model == other:
                return f.name, f.references.field
        for f in self[other].fields:
            if f.references and f.references.model == model:
                return f.references.field, f.name
        raise KeyError(f"no relation between {model!r} and {other!r}")

    def renamed(self, model_names: Mapping[str, str], columns: Mapping[str, Mapping[str, str]]) -> Schema:
        """Apply ``modelName``/``fields`` renames from configuration."""
        out: dict[str, Table] = {}
        for name, table in self.tables.items():
            cols = columns.get(name, {})
            fields = tuple(replace(f, column=cols.get(f.name, f.column)) for f in table.fields)
            out[name] = replace(table, fields=fields, table_name=model_names.get(name, table.table_name))
        return Schema(out)


def ref(model: str, on_delete: Literal["cascade", "set null", "restrict", "no action"] = "cascade") -> Reference:
    return Reference(model, "id", on_delete)


def core_tables(
    *, sessions_in_database: bool = True, verification_in_database: bool = True,
    rate_limit_in_database: bool = False,
    user_fields: tuple[Field, ...] = (), session_fields: tuple[Field, ...] = (),
    account_fields: tuple[Field, ...] = (),
) -> list[Table]:
    """Better Auth 1.7's core tables, in its column order (API output follows it, ``id`` last)."""
    now: Callable[[], datetime] = utcnow
    tables = [
        Table(
            "user",
            (
                Field("name", sortable=True),
                Field("email", unique=True, sortable=True),
                Field("emailVerified", "boolean", default=False, input=False),
                Field("image", required=False),
                Field("createdAt", "date", default=now, input=False),
                Field("updatedAt", "date", default=now, input=False),
                *user_fields,
            ),
        ),
        Table(
            "account",
            (
                Field("accountId"),
                Field("providerId"),
                Field("userId", references=ref("user"), index=True),
                Field("accessToken", required=False, returned=False),
                Field("refreshToken", required=False, returned=False),
                Field("idToken", required=False, returned=False),
                Field("accessTokenExpiresAt", "date", required=False, returned=False),
                Field("refreshTokenExpiresAt", "date", required=False, returned=False),
                Field("scope", required=False),
                Field("password", required=False, returned=False),
                Field("createdAt", "date", default=now),
                Field("updatedAt", "date", default=now),
                *account_fields,
            ),
            # the OAuth callback looks accounts up by provider and provider-side id
            indexes=(Index(("providerId", "accountId")),),
        ),
    ]
    if sessions_in_database:
        tables.insert(
            1,
            Table(
                "session",
                (
                    Field("expiresAt", "date", index=True),
                    Field("token", unique=True),
                    Field("createdAt", "date", default=now),
                    Field("updatedAt", "date", default=now),
                    Field("ipAddress", required=False),
                    Field("userAgent", required=False),
                    Field("userId", references=ref("user"), index=True),
                    *session_fields,
                ),
            ),
        )
    if verification_in_database:
        tables.append(
            Table(
                "verification",
                (
                    Field("identifier", index=True),
                    Field("value"),
                    Field("expiresAt", "date", index=True),
                    Field("createdAt", "date", default=now),
                    Field("updatedAt", "date", default=now),
                ),
            )
        )
    if rate_limit_in_database:
        tables.append(
            Table(
                "rateLimit",
                (
                    Field("key", unique=True),
                    Field("count", "number"),
                    Field("lastRequest", "bigint"),
                ),
            )
        )
    return tables
