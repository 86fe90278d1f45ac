"""``Where`` lists as SQL, matching ``tessera.adapters.memory.matches`` exactly.

A where list is split in two: its *shape* (fields, operators, connectors, which values are NULL), which
decides the SQL text and keys the adapter's statement cache, and its *parameters*, bound per call. The
differences from naive SQL that keep the memory semantics:

* conditions fold left to right (``a OR b AND c`` is ``(a OR b) AND c``), not by SQL precedence;
* ``eq None`` is ``IS NULL``; ``ne`` and ``not_in`` also match NULL (``IS DISTINCT FROM``);
* ``contains``/``starts_with``/``ends_with`` are case-sensitive: ``LIKE`` with escaping, and ``GLOB`` on
  SQLite, whose ``LIKE`` ignores ASCII case;
* ``insensitive`` lower-cases both sides, for string fields only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from ...db.adapter import Where
from .tables import TableMap

#: (field, kind, connector, lower-cased, parameter name)
Shape = tuple[tuple[str, str, str, bool, str], ...]

_MATCH = ("contains", "starts_with", "ends_with")


def _like_pattern(operator: str, value: str) -> str:
    escaped = value.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return _wrap(operator, escaped, "%")


def _glob_pattern(operator: str, value: str) -> str:
    escaped = "".join(f"[{ch}]" if ch in "*?[" else ch for ch in value)
    return _wrap(operator, escaped, "*")


def _wrap(operator: str, escaped: str, wildcard: str) -> str:
    if operator == "contains":
        return f"{wildcard}{escaped}{wildcard}"
    if operator == "starts_with":
        return f"{escaped}{wildcard}"
    return f"{wildcard}{escaped}"


def _lower(value: Any, lower: bool) -> Any:
    return value.lower() if lower and isinstance(value, str) else value


def shape_of(tm: TableMap, where: Sequence[Where], prefix: str, params: dict[str, Any], dialect: str) -> Shape:
    """The shape of ``where``; its bound values are added to ``params``."""
    out: list[tuple[str, str, str, bool, str]] = []
    types = tm.types
    for i, w in enumerate(where):
        field_type = types.get(w.field)
        if field_type is None:
            raise KeyError(f"{tm.model}.{w.field}")
        lower = w.insensitive and field_type == "string"
        name = f"{prefix}{i}"
        op = w.operator
        value = w.value
        if op in ("in", "not_in"):
            values = list(value)
            kind = f"{op}+null" if None in values else op
            params[name] = [_lower(v, lower) for v in values if v is not None]
        elif op in _MATCH:
            kind = "match"
            text = _lower(str(value), lower)
            params[name] = _glob_pattern(op, text) if dialect == "sqlite" else _like_pattern(op, text)
        elif value is None and op in ("eq", "ne"):
            kind = "null" if op == "eq" else "not_null"
        elif op in ("eq", "ne", "lt", "lte", "gt", "gte"):
            kind = op
            params[name] = _lower(value, lower)
        else:
            raise ValueError(f"unknown operator {op!r}")
        out.append((w.field, kind, w.connector, lower, name))
    return tuple(out)


def is_pinned(tm: TableMap, shape: Shape) -> bool:
    """True when the conditions can match at most one row (an AND of ``eq`` on a unique field)."""
    if any(connector == "OR" for _, _, connector, _, _ in shape[1:]):
        return False
    return any(kind == "eq" and not lower and f in tm.unique for f, kind, _, lower, _ in shape)


def _condition(column: sa.ColumnElement[Any], kind: str, lower: bool, name: str, dialect: str) -> ColumnElement[bool]:
    if kind == "null":
        return column.is_(None)
    if kind == "not_null":
        return column.is_not(None)
    subject: ColumnElement[Any] = sa.func.lower(column) if lower else column
    value_type = sa.Text() if lower else column.type
    if kind.startswith(("in", "not_in")):
        values = sa.bindparam(name, expanding=True, type_=value_type)
        if kind == "in":
            return subject.in_(values)
        if kind == "in+null":
            return sa.or_(subject.in_(values), column.is_(None))
        if kind == "not_in":
            return sa.or_(subject.not_in(values), column.is_(None))
        return sa.and_(subject.not_in(values), column.is_not(None))
    param = sa.bindparam(name, type_=value_type)
    if kind == "match":
        if dialect == "sqlite":
            return subject.op("GLOB", is_comparison=True)(param)
        return subject.like(param, escape="/")
    if kind == "eq":
        return subject == param
    if kind == "ne":
        return subject.is_distinct_from(param)
    if kind == "lt":
        return subject < param
    if kind == "lte":
        return subject <= param
    if kind == "gt":
        return subject > param
    if kind == "gte":
        return subject >= param
    raise ValueError(f"unknown condition kind {kind!r}")


def clause(columns: sa.ColumnCollection[str, Any] | Any, shape: Shape, dialect: str) -> ColumnElement[bool] | None:
    """The WHERE (or ON) clause for ``shape`` over ``columns`` (a table's or an alias's ``.c``)."""
    result: ColumnElement[bool] | None = None
    for field, kind, connector, lower, name in shape:
        cond = _condition(columns[field], kind, lower, name, dialect)
        if result is None:
            result = cond
        elif connector == "OR":
            result = sa.or_(result, cond)
        else:
            result = sa.and_(result, cond)
    return result
