"""In-memory adapter: the testing seam and the zero-setup default for experiments.

Single-process only. Operations are atomic because they never await while touching the tables.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from ..db.adapter import Adapter, Join, Row, SortBy, UniqueViolation, Where
from ..db.schema import Schema, Table

__all__ = ["MemoryAdapter", "UniqueViolation"]


def _cmp_value(value: Any, insensitive: bool) -> Any:
    return value.lower() if insensitive and isinstance(value, str) else value


def _matches_one(row: Row, cond: Where) -> bool:
    actual = _cmp_value(row.get(cond.field), cond.insensitive)
    expected = cond.value
    if cond.operator in ("in", "not_in"):
        values = [_cmp_value(v, cond.insensitive) for v in expected]
        return (actual in values) == (cond.operator == "in")
    expected = _cmp_value(expected, cond.insensitive)
    op = cond.operator
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if actual is None:
        return False
    if op == "lt":
        return bool(actual < expected)
    if op == "lte":
        return bool(actual <= expected)
    if op == "gt":
        return bool(actual > expected)
    if op == "gte":
        return bool(actual >= expected)
    if op == "contains":
        return str(expected) in str(actual)
    if op == "starts_with":
        return str(actual).startswith(str(expected))
    if op == "ends_with":
        return str(actual).endswith(str(expected))
    raise ValueError(f"unknown operator {op!r}")


def matches(row: Row, where: Sequence[Where]) -> bool:
    """Evaluate conditions left to right, each joined to the result so far by its connector."""
    result = True
    for i, cond in enumerate(where):
        ok = _matches_one(row, cond)
        if i == 0:
            result = ok
        elif cond.connector == "OR":
            result = result or ok
        else:
            result = result and ok
    return result


class MemoryAdapter(Adapter):
    dialect = "memory"

    def __init__(self) -> None:
        self.schema = Schema({})
        self.tables: dict[str, dict[str, Row]] = {}
        #: every operation, in order, for tests that hold a query budget
        self.operations: list[str] = []

    def bind(self, schema: Schema) -> None:
        self.schema = schema
        for table in schema:
            self.tables.setdefault(table.name, {})

    def _table(self, model: str) -> dict[str, Row]:
        if model not in self.tables:
            raise KeyError(f"unknown model {model!r}")
        return self.tables[model]

    def _check_unique(self, table: Table, row: Row, ignore_id: str | None = None) -> None:
        existing = self.tables[table.name]
        for index in table.all_indexes():
            if not index.unique:
                continue
            key = tuple(row.get(f) for f in index.fields)
            if any(v is None for v in key):
                continue
            for other in existing.values():
                if other["id"] != ignore_id and tuple(other.get(f) for f in index.fields) == key:
                    raise UniqueViolation(f"{table.name}.{'/'.join(index.fields)} must be unique")
        if ignore_id is None and row["id"] in existing:
            raise UniqueViolation(f"{table.name}.id must be unique")

    async def create(self, model: str, data: Mapping[str, Any]) -> Row:
        self.operations.append(f"create {model}")
        table = self.schema[model]
        row: Row = {}
        for f in table.fields:
            value = data.get(f.name)
            row[f.name] = f.default_value() if value is None and f.name not in data else value
        row["id"] = data["id"]
        self._check_unique(table, row)
        self._table(model)[row["id"]] = row
        return copy.copy(row)

    def _select(self, model: str, where: Sequence[Where]) -> list[Row]:
        return [r for r in self._table(model).values() if matches(r, where)]

    def _join(self, model: str, row: Row, join: Join) -> Row | None:
        base_field, other_field = self.schema.join_fields(model, join.model)
        key = row.get(base_field)
        table = self._table(join.model)
        if other_field == "id":  # a reference to the other row: one lookup
            target = table.get(key) if isinstance(key, str) else None
            return copy.copy(target) if target and matches(target, join.where) else None
        for other in table.values():  # a reference back to this row: the first that matches
            if key is not None and other.get(other_field) == key and matches(other, join.where):
                return copy.copy(other)
        return None

    async def find_one(self, model: str, where: Sequence[Where], *, join: Sequence[Join] = ()) -> Row | None:
        self.operations.append(f"find_one {model}")
        for row in self._table(model).values():
            if matches(row, where):
                out = copy.copy(row)
                for j in join:
                    out[j.model] = self._join(model, row, j)
                return out
        return None

    async def find_many(
        self,
        model: str,
        where: Sequence[Where] = (),
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort_by: SortBy | None = None,
    ) -> list[Row]:
        self.operations.append(f"find_many {model}")
        rows = self._select(model, where)
        if sort_by:
            present = [r for r in rows if r.get(sort_by.field) is not None]
            absent = [r for r in rows if r.get(sort_by.field) is None]
            present.sort(key=lambda r: r[sort_by.field], reverse=sort_by.direction == "desc")
            rows = present + absent
        start = offset or 0
        rows = rows[start : start + limit] if limit is not None else rows[start:]
        return [copy.copy(r) for r in rows]

    async def count(self, model: str, where: Sequence[Where] = ()) -> int:
        self.operations.append(f"count {model}")
        return len(self._select(model, where))

    def _apply(self, model: str, row: Row, update: Mapping[str, Any]) -> Row:
        table = self.schema[model]
        candidate = {**row, **update}
        self._check_unique(table, candidate, ignore_id=row["id"])
        row.update(update)
        return copy.copy(row)

    async def update(self, model: str, where: Sequence[Where], update: Mapping[str, Any]) -> Row | None:
        self.operations.append(f"update {model}")
        if not where:
            return None
        for row in self._table(model).values():
            if matches(row, where):
                return self._apply(model, row, update)
        return None

    async def update_many(self, model: str, where: Sequence[Where], update: Mapping[str, Any]) -> int:
        self.operations.append(f"update_many {model}")
        rows = self._select(model, where)
        for row in rows:
            self._apply(model, row, update)
        return len(rows)

    def _cascade(self, model: str, ids: set[str]) -> None:
        for table in self.schema:
            for f in table.fields:
                if f.references and f.references.model == model:
                    store = self._table(table.name)
                    victims = [r for r in store.values() if r.get(f.name) in ids]
                    if f.references.on_delete == "set null":
                        for r in victims:
                            r[f.name] = None
                        continue
                    for r in victims:
                        del store[r["id"]]
                    self._cascade(table.name, {r["id"] for r in victims})

    async def delete(self, model: str, where: Sequence[Where]) -> Row | None:
        self.operations.append(f"delete {model}")
        for row in self._table(model).values():
            if matches(row, where):
                del self._table(model)[row["id"]]
                self._cascade(model, {row["id"]})
                return row
        return None

    async def delete_many(self, model: str, where: Sequence[Where]) -> int:
        self.operations.append(f"delete_many {model}")
        rows = self._select(model, where)
        store = self._table(model)
        for row in rows:
            del store[row["id"]]
        self._cascade(model, {r["id"] for r in rows})
        return len(rows)

    async def consume_one(self, model: str, where: Sequence[Where]) -> Row | None:
        self.operations.append(f"consume_one {model}")
        for row in self._table(model).values():
            if matches(row, where):
                del self._table(model)[row["id"]]
                return row
        return None

    async def increment_one(
        self,
        model: str,
        where: Sequence[Where],
        increment: Mapping[str, int],
        set: Mapping[str, Any] | None = None,
    ) -> Row | None:
        self.operations.append(f"increment_one {model}")
        for row in self._table(model).values():
            if matches(row, where):
                changes = {k: (row.get(k) or 0) + delta for k, delta in increment.items()}
                changes.update(set or {})
                return self._apply(model, row, changes)
        return None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Adapter]:
        # copy-on-write snapshot: a failure restores every table as it was
        snapshot = {name: {k: dict(v) for k, v in rows.items()} for name, rows in self.tables.items()}
        try:
            yield self
        except BaseException:
            self.tables.clear()
            self.tables.update(snapshot)
            raise

    async def close(self) -> None:
        return None
