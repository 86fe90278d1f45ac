"""``tessera._json``: dates serialise exactly as JavaScript's ``Date.prototype.toISOString``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tessera import _json


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2031, 2, 3, 4, 5, 6, 789999, tzinfo=UTC), "2031-02-03T04:05:06.789Z"),  # truncated, not rounded
        (datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC), "2031-02-03T04:05:06.000Z"),
        (datetime(2031, 2, 3, 4, 5, 6, 1000), "2031-02-03T04:05:06.001Z"),  # naive is UTC
        (datetime(2031, 2, 3, 0, 30, tzinfo=timezone(timedelta(hours=2))), "2031-02-02T22:30:00.000Z"),
        (datetime(999, 1, 1, tzinfo=UTC), "0999-01-01T00:00:00.000Z"),  # new Date("0999-01-01").toISOString()
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.000Z"),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "9999-12-31T23:59:59.999Z"),
    ],
)
def test_dates_serialise_like_to_iso_string(value: datetime, expected: str) -> None:
    assert _json.iso(value) == expected
    assert _json.dumps({"at": value}) == b'{"at":"' + expected.encode() + b'"}'
