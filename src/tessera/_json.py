"""JSON as JavaScript writes it: compact, UTF-8, dates as ``YYYY-MM-DDTHH:mm:ss.sssZ``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def iso(dt: datetime) -> str:
    """``Date.prototype.toISOString``: UTC with milliseconds and ``Z``, the year always four digits.

    On the hot path (every session read serialises five dates): ``%``-formatting the fields is ~4x faster
    than ``strftime`` (which also leaves years before 1000 unpadded on glibc, unlike JavaScript) and ~2x
    faster than an f-string with format specs, hence the ``noqa``.
    """
    if dt.tzinfo is not UTC:
        dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond // 1000,
    )


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return iso(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_default, option=_OPTIONS)


def dumps_str(obj: Any) -> str:
    return dumps(obj).decode()


loads = orjson.loads
JSONDecodeError = orjson.JSONDecodeError


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 timestamp (``Z`` or offset) into an aware UTC datetime."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
