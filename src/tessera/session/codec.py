"""Session and user rows as JSON text (Better Auth's shapes) and back into Python values.

Better Auth stores dates inside JSON as ISO strings (``JSON.stringify(Date)``); reading them back needs to know
which fields are dates. That is decided once, from the schema, not per value.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..db.schema import Schema

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(dt: datetime) -> int:
    """Milliseconds since the epoch, exactly (JavaScript's ``Date.getTime()``)."""
    return (dt - EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


class RowCodec:
    """Turns the ISO date strings of a JSON-decoded session or user row back into ``datetime`` values."""

    def __init__(self, models: Schema) -> None:
        self._dates = {
            name: tuple(f.name for f in models[name].fields if f.type == "date")
            for name in ("session", "user", "verification")
            if name in models
        }

    def revive(self, model: str, row: dict[str, Any]) -> dict[str, Any]:
        """Parse the date fields of ``row`` in place (``ValueError`` if one is not a date)."""
        for name in self._dates[model]:
            value = row.get(name)
            if isinstance(value, str):
                row[name] = datetime.fromisoformat(value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                row[name] = from_ms(int(value))
        return row
