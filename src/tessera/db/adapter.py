"""The database adapter protocol: the small surface a storage backend implements.

Rows are plain dicts keyed by logical field names (``"userId"``, ``"expiresAt"``) holding Python values:
``str``, ``bool``, ``int``, ``float``, timezone-aware ``datetime`` (UTC), ``dict``/``list`` for json, ``None``.
Adapters translate to physical table and column names through the bound ``Schema``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from ..errors import TesseraError
from .schema import Schema

Operator = Literal[
    "eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "starts_with", "ends_with"
]
Row = dict[str, Any]


class UniqueViolation(TesseraError):
    """A unique field or index would hold the same value twice. Every adapter raises this one type."""


@dataclass(frozen=True, slots=True)
class Where:
    field: str
    value: Any
    operator: Operator = "eq"
    #: how this condition joins the previous one
    connector: Literal["AND", "OR"] = "AND"
    insensitive: bool = False


@dataclass(frozen=True, slots=True)
class SortBy:
    field: str
    direction: Literal["asc", "desc"] = "asc"


@dataclass(frozen=True, slots=True)
class Join:
    """Load one related row of ``model`` in the same statement, placed under ``row[model]``.

    The relation comes from the schema: either the base model references ``model``
    (``session.userId -> user``) or ``model`` references the base model (``account.userId -> user``,
    optionally narrowed by ``where``). The joined value is the first matching row or ``None``.
    """

    model: str
    where: tuple[Where, ...] = ()


def eq(field: str, value: Any) -> list[Where]:
    return [Where(field, value)]


@runtime_checkable
class Adapter(Protocol):
    """Async storage for tessera's tables. ``tessera.testing.adapter_contract`` checks an implementation."""

    #: short name for diagnostics and statement-count tests: ``memory``, ``sqlite``, ``postgresql``, ``mysql``
    dialect: str

    def bind(self, schema: Schema) -> None:
        """Receive the merged schema once, before any other call."""

    async def create(self, model: str, data: Mapping[str, Any]) -> Row: ...

    async def find_one(
        self, model: str, where: Sequence[Where], *, join: Sequence[Join] = ()
    ) -> Row | None: ...

    async def find_many(
        self,
        model: str,
        where: Sequence[Where] = (),
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort_by: SortBy | None = None,
    ) -> list[Row]: ...

    async def count(self, model: str, where: Sequence[Where] = ()) -> int: ...

    async def update(self, model: str, where: Sequence[Where], update: Mapping[str, Any]) -> Row | None:
        """Update the first matching row and return it updated, or ``None`` when nothing matched."""

    async def update_many(self, model: str, where: Sequence[Where], update: Mapping[str, Any]) -> int: ...

    async def delete(self, model: str, where: Sequence[Where]) -> Row | None:
        """Delete one matching row, returning it (``DELETE … RETURNING``), or ``None``."""

    async def delete_many(self, model: str, where: Sequence[Where]) -> int: ...

    async def consume_one(self, model: str, where: Sequence[Where]) -> Row | None:
        """Atomically delete and return one matching row: at most one caller ever receives it."""

    async def increment_one(
        self,
        model: str,
        where: Sequence[Where],
        increment: Mapping[str, int],
        set: Mapping[str, Any] | None = None,
    ) -> Row | None:
        """Atomically add ``increment`` to counters (and assign ``set``) on one matching row."""

    def transaction(self) -> AbstractAsyncContextManager[Adapter]:
        """A unit of work: everything done through the yielded adapter commits or rolls back together."""

    async def close(self) -> None: ...
