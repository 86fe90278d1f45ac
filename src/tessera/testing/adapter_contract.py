"""The adapter contract: checks every ``Adapter`` must pass, runnable against any implementation.

Each check is an async function of a *fresh* adapter, bound to ``SCHEMA`` with empty tables. With pytest::

    from tessera.testing.adapter_contract import CHECKS, SCHEMA

    @pytest.mark.parametrize("check", CHECKS, ids=str)
    async def test_contract(check, make_my_adapter):
        await check(await make_my_adapter(SCHEMA))

or, without a test framework, ``await run_contract(factory)``. A failed check raises ``ContractFailure``
(an ``AssertionError``) saying what differed. The memory adapter is the reference: every check passes on it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ..db.adapter import Adapter, Join, Row, SortBy, UniqueViolation, Where
from ..db.schema import Field, Index, Schema, Table, core_tables, ref
from ._checks import ContractCheck, registrar

__all__ = ["CHECKS", "SCHEMA", "ContractCheck", "ContractFailure", "run_contract"]

#: core tables (users, sessions, accounts, verifications, rate limits) and ``note``, which has a field of
#: every type, nullable and sortable fields, a ``set null`` reference and a composite unique index
SCHEMA = Schema.merge(
    [
        *core_tables(rate_limit_in_database=True),
        Table(
            "note",
            (
                Field("title", sortable=True),
                Field("body", required=False),
                Field("rank", "number", required=False, sortable=True),
                Field("size", "bigint", required=False),
                Field("flag", "boolean", default=False),
                Field("due", "date", required=False, sortable=True),
                Field("meta", "json", required=False),
                Field("ownerId", required=False, references=ref("user", "set null"), index=True),
                Field("slug", required=False, unique=True),
                Field("kind", required=False),
                Field("code", required=False),
            ),
            indexes=(Index(("kind", "code"), unique=True),),
        ),
    ]
)


class ContractFailure(AssertionError):
    """An adapter behaved differently from the contract."""


CHECKS: list[ContractCheck[Adapter]] = []
_check = registrar(CHECKS)


async def run_contract(make_adapter: Callable[[Schema], Awaitable[Adapter]]) -> None:
    """Run every check, each on a fresh adapter from ``make_adapter(SCHEMA)``; raise on the first failure."""
    for check in CHECKS:
        adapter = await make_adapter(SCHEMA)
        try:
            await check(adapter)
        except ContractFailure as e:
            raise ContractFailure(f"{check.name}: {e}") from e
        finally:
            await adapter.close()


# -- helpers ----------------------------------------------------------------------------------------------

_ids = itertools.count(1)
T0 = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)


def _id(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}"


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise ContractFailure(message)


def expect_equal(actual: Any, expected: Any, what: str) -> None:
    if actual != expected:
        raise ContractFailure(f"{what}: expected {expected!r}, got {actual!r}")


def _ids_of(rows: list[Row]) -> list[str]:
    return [r["id"] for r in rows]


async def _user(adapter: Adapter, **data: Any) -> Row:
    uid = _id("u")
    return await adapter.create(
        "user", {"id": uid, "name": f"user {uid}", "email": f"{uid}@example.com", **data}
    )


async def _note(adapter: Adapter, title: str, **data: Any) -> Row:
    return await adapter.create("note", {"id": _id("n"), "title": title, **data})


async def _raises_unique(action: Awaitable[Any], what: str) -> None:
    try:
        await action
    except UniqueViolation:
        return
    raise ContractFailure(f"{what}: expected UniqueViolation")


# -- create and read --------------------------------------------------------------------------------------


@_check
async def check_create_applies_defaults_and_returns_the_row(adapter: Adapter) -> None:
    row = await adapter.create("user", {"id": "u-create", "name": "Ada", "email": "ada@example.com"})
    expect_equal(
        list(row), ["name", "email", "emailVerified", "image", "createdAt", "updatedAt", "id"], "row keys"
    )
    expect_equal(row["emailVerified"], False, "default emailVerified")
    expect(row["emailVerified"] is False, "booleans come back as bool")
    expect_equal(row["image"], None, "missing optional field")
    expect(isinstance(row["createdAt"], datetime), "callable default is evaluated")
    found = await adapter.find_one("user", [Where("id", "u-create")])
    expect_equal(found, row, "find_one after create")


@_check
async def check_find_one_returns_none_when_nothing_matches(adapter: Adapter) -> None:
    await _user(adapter)
    expect_equal(await adapter.find_one("user", [Where("email", "nobody@example.com")]), None, "find_one")


@_check
async def check_dates_round_trip_as_utc_with_milliseconds(adapter: Adapter) -> None:
    later = T0 + timedelta(days=400, microseconds=456000)
    note = await _note(adapter, "dated", due=later)
    expect_equal(note["due"], later, "created date")
    found = await adapter.find_one("note", [Where("id", note["id"])])
    assert found is not None
    expect_equal(found["due"], later, "read date")
    expect_equal(found["due"].utcoffset(), timedelta(0), "date is UTC and timezone-aware")
    updated = await adapter.update("note", [Where("id", note["id"])], {"due": T0})
    assert updated is not None
    expect_equal(updated["due"], T0, "updated date")
    expect_equal(updated["due"].utcoffset(), timedelta(0), "updated date is UTC")


@_check
async def check_booleans_numbers_and_json_round_trip(adapter: Adapter) -> None:
    meta = {"tags": ["a", "b"], "n": 1, "nested": {"ok": True, "none": None}}
    note = await _note(adapter, "typed", flag=True, rank=7, size=2**40, meta=meta)
    found = await adapter.find_one("note", [Where("id", note["id"])])
    assert found is not None
    for row in (note, found):
        expect(row["flag"] is True, f"boolean is bool True, got {row['flag']!r}")
        expect_equal(row["rank"], 7, "number")
        expect_equal(row["size"], 2**40, "bigint")
        expect_equal(row["meta"], meta, "json")
    plain = await _note(adapter, "plain", meta=[1, "two", None])
    expect(plain["flag"] is False, "default boolean is bool False")
    found = await adapter.find_one("note", [Where("id", plain["id"])])
    assert found is not None
    expect_equal(found["meta"], [1, "two", None], "json list")
    expect_equal(found["body"], None, "null string")


# -- operators --------------------------------------------------------------------------------------------


async def _notes(adapter: Adapter) -> dict[str, str]:
    """Five notes; returns title -> id."""
    specs: list[dict[str, Any]] = [
        {"title": "alpha", "body": "Hello World", "rank": 1, "due": T0},
        {"title": "beta", "body": "hello_world 100%", "rank": 2, "due": T0 + timedelta(days=1)},
        {"title": "gamma", "body": None, "rank": 3, "due": None},
        {"title": "delta", "body": "say HELLO", "rank": None, "due": T0 + timedelta(days=2)},
        {"title": "epsilon", "body": "world", "rank": 5, "due": T0 + timedelta(milliseconds=1)},
    ]
    return {s["title"]: (await _note(adapter, **s))["id"] for s in specs}


async def _titles(adapter: Adapter, where: list[Where]) -> set[str]:
    return {r["title"] for r in await adapter.find_many("note", where)}


@_check
async def check_comparison_operators(adapter: Adapter) -> None:
    await _notes(adapter)
    cases: list[tuple[list[Where], set[str]]] = [
        ([Where("rank", 2)], {"beta"}),
        ([Where("rank", 2, "ne")], {"alpha", "gamma", "delta", "epsilon"}),
        ([Where("rank", None)], {"delta"}),
        ([Where("rank", None, "ne")], {"alpha", "beta", "gamma", "epsilon"}),
        ([Where("rank", 3, "lt")], {"alpha", "beta"}),
        ([Where("rank", 3, "lte")], {"alpha", "beta", "gamma"}),
        ([Where("rank", 3, "gt")], {"epsilon"}),
        ([Where("rank", 3, "gte")], {"gamma", "epsilon"}),
        ([Where("due", T0, "gt")], {"beta", "delta", "epsilon"}),
        ([Where("due", T0 + timedelta(milliseconds=1), "lte")], {"alpha", "epsilon"}),
        ([Where("body", "world", "ne")], {"alpha", "beta", "gamma", "delta"}),
        ([Where("title", "beta", "gt")], {"delta", "epsilon", "gamma"}),
    ]
    for where, expected in cases:
        expect_equal(await _titles(adapter, where), expected, f"find_many {where}")


@_check
async def check_in_and_not_in(adapter: Adapter) -> None:
    await _notes(adapter)
    cases: list[tuple[list[Where], set[str]]] = [
        ([Where("rank", [1, 3, 9], "in")], {"alpha", "gamma"}),
        ([Where("rank", [1, 3], "not_in")], {"beta", "delta", "epsilon"}),
        ([Where("rank", [1, None], "in")], {"alpha", "delta"}),
        ([Where("rank", [1, None], "not_in")], {"beta", "gamma", "epsilon"}),
        ([Where("rank", [], "in")], set()),
        ([Where("rank", [], "not_in")], {"alpha", "beta", "gamma", "delta", "epsilon"}),
        ([Where("title", ["ALPHA", "Beta"], "in", insensitive=True)], {"alpha", "beta"}),
        ([Where("title", ["ALPHA", "beta"], "in")], {"beta"}),
    ]
    for where, expected in cases:
        expect_equal(await _titles(adapter, where), expected, f"find_many {where}")


@_check
async def check_string_matching_is_case_sensitive_unless_insensitive(adapter: Adapter) -> None:
    await _notes(adapter)
    cases: list[tuple[list[Where], set[str]]] = [
        ([Where("body", "ello", "contains")], {"alpha", "beta"}),
        ([Where("body", "hello", "starts_with")], {"beta"}),
        ([Where("body", "world", "ends_with")], {"epsilon"}),
        ([Where("body", "o_w", "contains")], {"beta"}),
        ([Where("body", "o_W", "contains")], set()),  # "_" is not a wildcard
        ([Where("body", "100%", "ends_with")], {"beta"}),
        ([Where("body", "%", "contains")], {"beta"}),
        ([Where("body", "o W", "contains")], {"alpha"}),
        ([Where("body", "HELLO", "contains", insensitive=True)], {"alpha", "beta", "delta"}),
        ([Where("body", "hello world", insensitive=True)], {"alpha"}),
        ([Where("body", "hello world")], set()),
        ([Where("body", "WORLD", "ends_with", insensitive=True)], {"alpha", "epsilon"}),
        ([Where("body", "SAY", "starts_with", insensitive=True)], {"delta"}),
        ([Where("body", "*", "contains")], set()),
    ]
    for where, expected in cases:
        expect_equal(await _titles(adapter, where), expected, f"find_many {where}")


@_check
async def check_connectors_fold_left_to_right(adapter: Adapter) -> None:
    await _notes(adapter)
    cases: list[tuple[list[Where], set[str]]] = [
        ([Where("rank", 1), Where("rank", 2, connector="OR")], {"alpha", "beta"}),
        # (alpha OR beta) AND rank >= 2, not alpha OR (beta AND rank >= 2)
        (
            [Where("title", "alpha"), Where("title", "beta", connector="OR"), Where("rank", 2, "gte")],
            {"beta"},
        ),
        (
            [Where("rank", 2, "gte"), Where("rank", None, connector="OR")],
            {"beta", "gamma", "delta", "epsilon"},
        ),
        ([Where("rank", 1), Where("title", "alpha")], {"alpha"}),
        ([Where("rank", 1), Where("title", "beta")], set()),
    ]
    for where, expected in cases:
        expect_equal(await _titles(adapter, where), expected, f"find_many {where}")
    expect_equal(
        await adapter.count("note", [Where("rank", 1), Where("rank", 5, connector="OR")]), 2, "count OR"
    )


@_check
async def check_sort_limit_offset_and_count(adapter: Adapter) -> None:
    ids = await _notes(adapter)
    rows = await adapter.find_many("note", sort_by=SortBy("rank"))
    expect_equal([r["title"] for r in rows], ["alpha", "beta", "gamma", "epsilon", "delta"], "asc, NULL last")
    rows = await adapter.find_many("note", sort_by=SortBy("rank", "desc"))
    expect_equal(
        [r["title"] for r in rows], ["epsilon", "gamma", "beta", "alpha", "delta"], "desc, NULL last"
    )
    rows = await adapter.find_many("note", sort_by=SortBy("due", "desc"))
    expect_equal([r["title"] for r in rows], ["delta", "beta", "epsilon", "alpha", "gamma"], "dates desc")
    rows = await adapter.find_many("note", sort_by=SortBy("title"), limit=2)
    expect_equal([r["title"] for r in rows], ["alpha", "beta"], "limit")
    rows = await adapter.find_many("note", sort_by=SortBy("title"), limit=2, offset=2)
    expect_equal([r["title"] for r in rows], ["delta", "epsilon"], "limit + offset")
    rows = await adapter.find_many("note", sort_by=SortBy("title"), offset=3)
    expect_equal([r["title"] for r in rows], ["epsilon", "gamma"], "offset alone")
    rows = await adapter.find_many("note", [Where("rank", 2, "gte")], sort_by=SortBy("rank", "desc"), limit=1)
    expect_equal(_ids_of(rows), [ids["epsilon"]], "where + sort + limit")
    expect_equal(await adapter.count("note"), 5, "count all")
    expect_equal(await adapter.count("note", [Where("rank", None, "ne")]), 4, "count where")
    expect_equal(len(await adapter.find_many("note")), 5, "find_many without arguments")


# -- joins ------------------------------------------------------------------------------------------------


@_check
async def check_join_follows_a_reference_of_the_base_model(adapter: Adapter) -> None:
    user = await _user(adapter)
    session = await adapter.create(
        "session", {"id": _id("s"), "token": _id("tok"), "userId": user["id"], "expiresAt": T0}
    )
    row = await adapter.find_one("session", [Where("token", session["token"])], join=[Join("user")])
    assert row is not None
    expect_equal(row["user"], user, "joined user")
    expect_equal({k: v for k, v in row.items() if k != "user"}, session, "base row")
    narrowed = Join("user", (Where("emailVerified", True),))
    row = await adapter.find_one("session", [Where("token", session["token"])], join=[narrowed])
    assert row is not None
    expect_equal(row["user"], None, "join narrowed away")
    expect_equal(row["id"], session["id"], "base row kept when the join does not match")
    orphan = await _note(adapter, "orphan")
    row = await adapter.find_one("note", [Where("id", orphan["id"])], join=[Join("user")])
    assert row is not None
    expect_equal(row["user"], None, "null reference joins to None")
    expect_equal(
        await adapter.find_one("session", [Where("token", "missing")], join=[Join("user")]),
        None,
        "no base row",
    )


@_check
async def check_join_follows_a_reference_to_the_base_model(adapter: Adapter) -> None:
    user = await _user(adapter)
    other = await _user(adapter)
    await adapter.create(
        "account", {"id": _id("a"), "accountId": "gh-1", "providerId": "github", "userId": user["id"]}
    )
    credential = await adapter.create(
        "account",
        {
            "id": _id("a"),
            "accountId": user["id"],
            "providerId": "credential",
            "userId": user["id"],
            "password": "hash",
        },
    )
    join = [Join("account", (Where("providerId", "credential"),))]
    row = await adapter.find_one("user", [Where("email", user["email"])], join=join)
    assert row is not None
    expect_equal(row["account"], credential, "joined credential account")
    row = await adapter.find_one("user", [Where("id", other["id"])], join=join)
    assert row is not None
    expect_equal(row["account"], None, "user without a matching account")
    row = await adapter.find_one(
        "user", [Where("id", user["id"])], join=[Join("account", (Where("providerId", "gitlab"),))]
    )
    assert row is not None
    expect_equal(row["account"], None, "narrowing where excludes every account")


# -- updates ----------------------------------------------------------------------------------------------


@_check
async def check_update_changes_one_row_and_returns_it(adapter: Adapter) -> None:
    ids = await _notes(adapter)
    row = await adapter.update("note", [Where("id", ids["beta"])], {"body": "changed", "flag": True})
    assert row is not None
    expect_equal((row["body"], row["flag"], row["title"]), ("changed", True, "beta"), "updated row")
    expect(row["flag"] is True, "updated boolean is bool")
    found = await adapter.find_one("note", [Where("id", ids["beta"])])
    expect_equal(found, row, "row as stored")
    row = await adapter.update("note", [Where("rank", 3, "lte")], {"body": "first"})
    assert row is not None
    expect_equal(await adapter.count("note", [Where("body", "first")]), 1, "only one row updated")
    expect_equal(await adapter.update("note", [Where("title", "nothing")], {"body": "x"}), None, "no match")
    expect_equal(await adapter.update("note", [], {"body": "x"}), None, "empty where")
    expect_equal(await adapter.count("note", [Where("body", "x")]), 0, "empty where updates nothing")
    # the condition may name the field being changed
    row = await adapter.update("note", [Where("title", "gamma")], {"title": "gamma2"})
    assert row is not None
    expect_equal(row["title"], "gamma2", "updated the matched field")


@_check
async def check_update_many_returns_the_count(adapter: Adapter) -> None:
    await _notes(adapter)
    expect_equal(await adapter.update_many("note", [Where("rank", 2, "gte")], {"flag": True}), 3, "updated")
    expect_equal(await _titles(adapter, [Where("flag", True)]), {"beta", "gamma", "epsilon"}, "flagged rows")
    expect_equal(await adapter.update_many("note", [Where("rank", 99)], {"flag": True}), 0, "no match")
    # rows already holding the value still count as matched
    expect_equal(await adapter.update_many("note", [Where("rank", 2, "gte")], {"flag": True}), 3, "unchanged")


@_check
async def check_increment_one(adapter: Adapter) -> None:
    row = await adapter.create("rateLimit", {"id": _id("r"), "key": "k1", "count": 1, "lastRequest": 10})
    bumped = await adapter.increment_one("rateLimit", [Where("key", "k1")], {"count": 2}, {"lastRequest": 20})
    assert bumped is not None
    expect_equal(
        (bumped["count"], bumped["lastRequest"], bumped["id"]), (3, 20, row["id"]), "incremented row"
    )
    bumped = await adapter.increment_one("rateLimit", [Where("key", "k1")], {"count": -1})
    assert bumped is not None
    expect_equal(bumped["count"], 2, "negative increment")
    note = await _note(adapter, "counter")
    bumped = await adapter.increment_one("note", [Where("id", note["id"])], {"rank": 5})
    assert bumped is not None
    expect_equal(bumped["rank"], 5, "NULL counts as 0")
    expect_equal(
        await adapter.increment_one("rateLimit", [Where("key", "none")], {"count": 1}), None, "no match"
    )


@_check
async def check_increment_one_is_atomic_under_concurrency(adapter: Adapter) -> None:
    await adapter.create("rateLimit", {"id": _id("r"), "key": "hot", "count": 0, "lastRequest": 0})
    results = await asyncio.gather(
        *(adapter.increment_one("rateLimit", [Where("key", "hot")], {"count": 1}) for _ in range(50))
    )
    counts = sorted(r["count"] for r in results if r is not None)
    expect_equal(counts, list(range(1, 51)), "each increment saw its own value")
    row = await adapter.find_one("rateLimit", [Where("key", "hot")])
    assert row is not None
    expect_equal(row["count"], 50, "final count")


# -- deletes ----------------------------------------------------------------------------------------------


@_check
async def check_delete_returns_the_deleted_row(adapter: Adapter) -> None:
    ids = await _notes(adapter)
    before = await adapter.find_one("note", [Where("id", ids["beta"])])
    deleted = await adapter.delete("note", [Where("id", ids["beta"])])
    expect_equal(deleted, before, "deleted row")
    expect_equal(await adapter.find_one("note", [Where("id", ids["beta"])]), None, "row is gone")
    deleted = await adapter.delete("note", [Where("rank", 3, "lte")])
    expect(
        deleted is not None and deleted["title"] in ("alpha", "gamma"), f"deleted a matching row: {deleted}"
    )
    expect_equal(await adapter.count("note"), 3, "only one row deleted")
    expect_equal(await adapter.delete("note", [Where("title", "none")]), None, "no match")


@_check
async def check_delete_many_returns_the_count(adapter: Adapter) -> None:
    await _notes(adapter)
    expect_equal(await adapter.delete_many("note", [Where("rank", 3, "lt")]), 2, "deleted")
    expect_equal(await adapter.delete_many("note", [Where("rank", 3, "lt")]), 0, "nothing left to delete")
    expect_equal(await _titles(adapter, []), {"gamma", "delta", "epsilon"}, "remaining rows")


@_check
async def check_deleting_a_user_cascades_to_its_rows(adapter: Adapter) -> None:
    user = await _user(adapter)
    keep = await _user(adapter)
    for owner in (user, keep):
        await adapter.create(
            "session", {"id": _id("s"), "token": _id("tok"), "userId": owner["id"], "expiresAt": T0}
        )
        await adapter.create(
            "account",
            {"id": _id("a"), "accountId": owner["id"], "providerId": "credential", "userId": owner["id"]},
        )
    note = await _note(adapter, "owned", ownerId=user["id"])
    deleted = await adapter.delete("user", [Where("id", user["id"])])
    expect_equal(deleted, user, "deleted user")
    expect_equal(await adapter.count("session", [Where("userId", user["id"])]), 0, "sessions cascaded")
    expect_equal(await adapter.count("account", [Where("userId", user["id"])]), 0, "accounts cascaded")
    expect_equal(await adapter.count("session", [Where("userId", keep["id"])]), 1, "other sessions kept")
    found = await adapter.find_one("note", [Where("id", note["id"])])
    assert found is not None
    expect_equal(found["ownerId"], None, "set null reference")
    expect_equal(await adapter.delete_many("user", [Where("id", keep["id"])]), 1, "delete_many user")
    expect_equal(await adapter.count("account"), 0, "delete_many cascades too")


@_check
async def check_consume_one_deletes_and_returns_once(adapter: Adapter) -> None:
    row = await adapter.create(
        "verification", {"id": _id("v"), "identifier": "reset:1", "value": "u1", "expiresAt": T0}
    )
    where = [Where("identifier", "reset:1"), Where("expiresAt", T0 - timedelta(seconds=1), "gt")]
    expect_equal(await adapter.consume_one("verification", where), row, "consumed row")
    expect_equal(await adapter.consume_one("verification", where), None, "second consume")
    await adapter.create(
        "verification", {"id": _id("v"), "identifier": "reset:2", "value": "u", "expiresAt": T0}
    )
    expired = [Where("identifier", "reset:2"), Where("expiresAt", T0, "gt")]
    expect_equal(await adapter.consume_one("verification", expired), None, "conditions apply")
    expect_equal(await adapter.count("verification"), 1, "unmatched row kept")


@_check
async def check_consume_one_is_exactly_once_under_concurrency(adapter: Adapter) -> None:
    await adapter.create(
        "verification", {"id": _id("v"), "identifier": "race", "value": "v", "expiresAt": T0}
    )
    results = await asyncio.gather(
        *(adapter.consume_one("verification", [Where("identifier", "race")]) for _ in range(20))
    )
    winners = [r for r in results if r is not None]
    expect_equal(len(winners), 1, "consumers that received the row")
    expect_equal(await adapter.count("verification"), 0, "row consumed")


# -- constraints ------------------------------------------------------------------------------------------


@_check
async def check_unique_violations(adapter: Adapter) -> None:
    user = await _user(adapter)
    await _raises_unique(
        adapter.create("user", {"id": _id("u"), "name": "dup", "email": user["email"]}), "duplicate email"
    )
    await _raises_unique(
        adapter.create("user", {"id": user["id"], "name": "dup", "email": "other@example.com"}),
        "duplicate id",
    )
    other = await _user(adapter)
    await _raises_unique(
        adapter.update("user", [Where("id", other["id"])], {"email": user["email"]}), "update to a duplicate"
    )
    await _note(adapter, "a", kind="k", code="1")
    await _note(adapter, "b", kind="k", code="2")
    await _note(adapter, "c", kind="k", code=None)
    await _note(adapter, "d", kind="k", code=None)  # NULLs never collide
    await _raises_unique(_note(adapter, "e", kind="k", code="1"), "composite unique index")
    expect_equal(await adapter.count("user"), 2, "no user written by a failed create")
    found = await adapter.find_one("user", [Where("id", other["id"])])
    assert found is not None
    expect_equal(found["email"], other["email"], "failed update left the row unchanged")


# -- transactions -----------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


@_check
async def check_transaction_commits_together(adapter: Adapter) -> None:
    uid = _id("u")
    async with adapter.transaction() as tx:
        await tx.create("user", {"id": uid, "name": "t", "email": f"{uid}@example.com"})
        await tx.create(
            "account", {"id": _id("a"), "accountId": uid, "providerId": "credential", "userId": uid}
        )
        found = await tx.find_one("user", [Where("id", uid)], join=[Join("account")])
        expect(found is not None and found["account"] is not None, "reads inside see earlier writes")
    expect_equal(await adapter.count("account", [Where("userId", uid)]), 1, "committed")


@_check
async def check_transaction_rolls_back_on_error(adapter: Adapter) -> None:
    kept = await _user(adapter)
    uid = _id("u")
    try:
        async with adapter.transaction() as tx:
            await tx.create("user", {"id": uid, "name": "t", "email": f"{uid}@example.com"})
            await tx.update("user", [Where("id", kept["id"])], {"name": "renamed"})
            await tx.delete("user", [Where("id", kept["id"])])
            raise _Rollback
    except _Rollback:
        pass
    expect_equal(await adapter.find_one("user", [Where("id", uid)]), None, "create rolled back")
    expect_equal(
        await adapter.find_one("user", [Where("id", kept["id"])]), kept, "update and delete rolled back"
    )


@_check
async def check_nested_transaction_rolls_back_alone(adapter: Adapter) -> None:
    outer_id, inner_id = _id("u"), _id("u")
    async with adapter.transaction() as tx:
        await tx.create("user", {"id": outer_id, "name": "outer", "email": f"{outer_id}@example.com"})
        try:
            async with tx.transaction() as inner:
                await inner.create(
                    "user", {"id": inner_id, "name": "inner", "email": f"{inner_id}@example.com"}
                )
                raise _Rollback
        except _Rollback:
            pass
    expect(await adapter.find_one("user", [Where("id", outer_id)]) is not None, "outer write committed")
    expect_equal(await adapter.find_one("user", [Where("id", inner_id)]), None, "inner write rolled back")
