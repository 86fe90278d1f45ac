"""The direct read path (``adapters/sqlalchemy/direct.py``) against the generic SQLAlchemy path.

Rows must be identical, value for value and type for type, on every dialect: the direct path is only a
faster way to run the same statement.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tessera import Tessera
from tessera.adapters.sqlalchemy import SQLAlchemyAdapter
from tessera.adapters.sqlalchemy import direct as direct_module
from tessera.adapters.sqlalchemy.adapter import Statement
from tessera.adapters.sqlalchemy.direct import ReadLane
from tessera.db.adapter import Join, Where
from tessera.db.schema import Field, Reference, Table, TableExtension
from tessera.plugins.base import Plugin
from tests._helpers import make_auth
from tests._services import AdapterFactory

every_dialect = pytest.mark.parametrize("adapter_factory", ["sqlite", "postgresql", "mysql"], indirect=True)

#: a plugin adding a field of every type to ``user`` and ``session``, and a table of its own
EVERY_TYPE = (
    Field("label", "string", required=False),
    Field("flag", "boolean", required=False),
    Field("score", "number", required=False),
    Field("big", "bigint", required=False),
    Field("seenAt", "date", required=False),
    Field("meta", "json", required=False),
)
PLUGIN = Plugin(
    id="every-type",
    schema=(
        TableExtension("user", EVERY_TYPE),
        TableExtension("session", EVERY_TYPE),
        Table("gadget", (Field("userId", references=Reference("user"), index=True), *EVERY_TYPE)),
    ),
)
T0 = datetime(2031, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)  # milliseconds: what MySQL's DATETIME(3) keeps
FILLED: dict[str, Any] = {
    "label": "naïve ☃ 'quoted' \"x\" %s ? $1",
    "flag": True,
    "score": -42,
    "big": 2**53 + 1,
    "seenAt": T0,
    "meta": {"a": [1, 2.5, None, True, "ü"], "b": {"c": None}, "n": 10**12},
}
FALSE_ISH: dict[str, Any] = {"label": "", "flag": False, "score": 0, "big": 0, "seenAt": T0, "meta": []}
EMPTY: dict[str, Any] = dict.fromkeys(FILLED)


def _app() -> Tessera:
    return make_auth(plugins=[PLUGIN])


@pytest.fixture
async def adapters(adapter_factory: AdapterFactory) -> AsyncIterator[tuple[SQLAlchemyAdapter, SQLAlchemyAdapter]]:
    """The pooled adapter (direct reads on) and a generic-only twin on the same engine."""
    schema = _app().schema
    direct = await adapter_factory(schema)
    assert isinstance(direct, SQLAlchemyAdapter)
    generic = SQLAlchemyAdapter(direct.engine, direct_reads=0)
    generic.bind(schema)
    yield direct, generic
    await generic.close()


def _same(a: Any, b: Any, path: str = "row") -> None:
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__} ({a!r} / {b!r})"
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            _same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, datetime):
        assert a == b and a.tzinfo is UTC and b.tzinfo is UTC, f"{path}: {a!r} / {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


async def _fill(adapter: SQLAlchemyAdapter) -> None:
    now = datetime(2030, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)
    for i, extra in enumerate((FILLED, FALSE_ISH, EMPTY)):
        await adapter.create("user", {
            "id": f"u{i}", "name": f"User {i}", "email": f"u{i}@example.com", "emailVerified": i == 0,
            "image": None if i else "https://example.com/a.png", "createdAt": now, "updatedAt": now, **extra,
        })
        await adapter.create("session", {
            "id": f"s{i}", "token": f"t{i}", "userId": f"u{i}", "expiresAt": now + timedelta(days=7),
            "ipAddress": None if i == 2 else "127.0.0.1", "userAgent": "", "createdAt": now, "updatedAt": now,
            **extra,
        })
        await adapter.create("gadget", {"id": f"g{i}", "userId": f"u{i}", **extra})
    await adapter.create("account", {
        "id": "a0", "accountId": "u0", "providerId": "credential", "userId": "u0", "password": "h",
        "createdAt": now, "updatedAt": now,
    })


READS: list[tuple[str, list[Where], list[Join]]] = [
    *[("session", [Where("token", f"t{i}")], [Join("user")]) for i in range(3)],
    *[("user", [Where("email", f"u{i}@example.com")], [Join("account", (Where("providerId", "credential"),))])
      for i in range(3)],
    *[("gadget", [Where("userId", f"u{i}")], [Join("user")]) for i in range(3)],
    ("user", [Where("id", "u1")], []),
    ("user", [Where("score", 0, "gte"), Where("flag", None)], []),
    ("user", [Where("label", "NAÏVE", "starts_with", insensitive=True)], []),
    ("session", [Where("token", "missing")], [Join("user")]),
    ("session", [Where("expiresAt", T0, "lt"), Where("meta", None, "ne")], []),
]


@contextmanager
def recorded(adapter: SQLAlchemyAdapter) -> Iterator[list[Statement]]:
    seen: list[Statement] = []
    adapter.statement_listeners.append(seen.append)
    try:
        yield seen
    finally:
        adapter.statement_listeners.remove(seen.append)


@every_dialect
async def test_direct_reads_match_the_generic_path(adapters: tuple[SQLAlchemyAdapter, SQLAlchemyAdapter]) -> None:
    direct, generic = adapters
    await _fill(direct)
    with recorded(direct) as seen:
        for model, where, join in READS:
            for _ in range(2):  # the first call compiles the direct statement, the second reuses it
                fast = await direct.find_one(model, where, join=join)
                slow = await generic.find_one(model, where, join=join)
                _same(fast, slow, f"{model} {where}")
    # both adapters listen on the one engine, so ``seen`` also holds the generic twin's statements
    assert sum(s.direct and s.autocommit for s in seen) == 2 * len(READS), [s.sql for s in seen if not s.direct]
    assert (await direct.find_one("user", [Where("id", "u0")]) or {})["meta"] == FILLED["meta"]


@every_dialect
async def test_reads_inside_a_transaction_see_its_writes(adapters: tuple[SQLAlchemyAdapter, SQLAlchemyAdapter]) -> None:
    direct, _ = adapters
    await _fill(direct)
    with recorded(direct) as seen:
        async with direct.transaction() as tx:
            await tx.update("user", [Where("id", "u1")], {"label": "in-flight"})
            row = await tx.find_one("user", [Where("id", "u1")])
            assert row is not None and row["label"] == "in-flight"
            outside = await direct.find_one("user", [Where("id", "u1")])
            assert outside is not None and outside["label"] == ""  # not committed yet
    work = [s for s in seen if not s.sql.startswith(("BEGIN", "SAVEPOINT", "RELEASE"))]
    assert [s.direct for s in work] == [False] * (len(work) - 1) + [True]  # MySQL's update is two statements


postgresql_only = pytest.mark.parametrize("adapter_factory", ["postgresql"], indirect=True)


@pytest.fixture
async def filled(adapters: tuple[SQLAlchemyAdapter, SQLAlchemyAdapter]) -> tuple[SQLAlchemyAdapter, ReadLane]:
    direct, _ = adapters
    await _fill(direct)
    assert direct._lane is not None
    return direct, direct._lane


@postgresql_only
async def test_a_broken_connection_falls_back_to_the_generic_path(filled: tuple[SQLAlchemyAdapter, ReadLane]) -> None:
    direct, lane = filled
    assert await direct.find_one("user", [Where("id", "u0")]) is not None
    assert lane.borrowed == 1
    # the server ends the lane's connection: the next read fails on it, discards it and reads generically
    [kept] = lane._idle
    kept.conn.terminate()
    row = await direct.find_one("user", [Where("id", "u0")])
    assert row is not None and row["email"] == "u0@example.com"
    assert lane.borrowed == 0
    assert await direct.find_one("user", [Where("id", "u0")]) is not None  # borrows a fresh one
    assert lane.borrowed == 1


@postgresql_only
async def test_concurrent_reads_share_a_bounded_lane(filled: tuple[SQLAlchemyAdapter, ReadLane]) -> None:
    direct, lane = filled
    rows = await asyncio.gather(*(direct.find_one("session", [Where("token", f"t{i % 3}")], join=[Join("user")])
                                  for i in range(50)))
    assert [r["token"] for r in rows if r] == [f"t{i % 3}" for i in range(50)]
    assert 1 <= lane.borrowed <= lane.size


@postgresql_only
async def test_a_cancelled_read_does_not_return_its_connection(filled: tuple[SQLAlchemyAdapter, ReadLane]) -> None:
    direct, lane = filled
    task = asyncio.ensure_future(direct.find_one("user", [Where("id", "u0")]))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert lane.borrowed == len(lane._idle)  # nothing lent out and forgotten
    assert await direct.find_one("user", [Where("id", "u0")]) is not None


@pytest.fixture
async def narrow(filled: tuple[SQLAlchemyAdapter, ReadLane]) -> AsyncIterator[tuple[SQLAlchemyAdapter, SQLAlchemyAdapter]]:
    """An adapter with a lane of one connection on the filled database (every concurrent read queues),
    and a generic-only twin to compare with."""
    direct, _ = filled
    schema = _app().schema
    one, generic = SQLAlchemyAdapter(direct.engine, direct_reads=1), SQLAlchemyAdapter(direct.engine, direct_reads=0)
    one.bind(schema)
    generic.bind(schema)
    yield one, generic
    await one.close()
    await generic.close()


TOKENS = ["t0", "t1", "missing", "t2", "t0"] * 4


@postgresql_only
async def test_concurrent_reads_by_key_coalesce_into_one_statement(
    narrow: tuple[SQLAlchemyAdapter, SQLAlchemyAdapter],
) -> None:
    one, generic = narrow
    join = [Join("user")]
    before = one.statement_count
    with recorded(one) as seen:
        rows = await asyncio.gather(*(one.find_one("session", [Where("token", t)], join=join) for t in TOKENS))
    counted = one.statement_count - before
    expected = [await generic.find_one("session", [Where("token", t)], join=join) for t in TOKENS]
    _same(rows, expected)
    ran = [s for s in seen if s.direct]
    assert 1 < len(ran) < len(TOKENS) and any("= ANY (" in s.sql for s in ran), [s.sql for s in ran]
    assert counted == len(ran), "a coalesced statement is counted once"
    # callers of the same key get their own JSON documents
    first, again = rows[0], rows[5]
    assert first is not None and again is not None and first["meta"] == again["meta"]
    first["meta"]["b"]["c"] = "changed"
    assert again["meta"]["b"]["c"] is None


@postgresql_only
async def test_a_failed_coalesced_read_falls_back_for_every_caller(
    narrow: tuple[SQLAlchemyAdapter, SQLAlchemyAdapter], monkeypatch: pytest.MonkeyPatch,
) -> None:
    one, _ = narrow
    lane = one._lane
    assert lane is not None

    async def broken(conn: Any, sql: str, args: list[Any]) -> Any:
        raise OSError("connection reset")

    monkeypatch.setattr(lane._driver, "fetch_all", broken)
    rows = await asyncio.gather(*(one.find_one("user", [Where("email", f"u{i % 3}@example.com")]) for i in range(12)))
    assert [r["id"] for r in rows if r] == [f"u{i % 3}" for i in range(12)]


@postgresql_only
async def test_cancelled_callers_leave_a_batch_to_the_others(narrow: tuple[SQLAlchemyAdapter, SQLAlchemyAdapter]) -> None:
    one, _ = narrow
    tasks = [asyncio.ensure_future(one.find_one("session", [Where("token", t)])) for t in TOKENS]
    await asyncio.sleep(0)
    for task in tasks[1::2]:
        task.cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    for task, result in zip(tasks, done, strict=True):
        if not task.cancelled():
            assert isinstance(result, dict | type(None)), result
    kept = [(token, r) for token, t, r in zip(TOKENS, tasks, done, strict=True) if not t.cancelled()]
    assert kept and all((r["token"] if isinstance(r, dict) else "missing") == token for token, r in kept)


@postgresql_only
async def test_coalesced_batches_are_bounded(
    narrow: tuple[SQLAlchemyAdapter, SQLAlchemyAdapter], monkeypatch: pytest.MonkeyPatch,
) -> None:
    one, _ = narrow
    monkeypatch.setattr(direct_module, "MAX_BATCH", 4)
    with recorded(one) as seen:
        rows = await asyncio.gather(*(one.find_one("session", [Where("token", t)]) for t in TOKENS))
    assert [r["token"] if r else "missing" for r in rows] == TOKENS
    assert len([s for s in seen if s.direct]) == 1 + 5  # the first call alone, then 19 callers in batches of 4
