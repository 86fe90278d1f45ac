"""The secondary-storage contract: checks every ``SecondaryStorage`` must pass, runnable against any backend.

Each check is an async function of an *empty* storage (a fresh key prefix is enough). With pytest::

    from tessera.testing.storage_contract import CHECKS

    @pytest.mark.parametrize("check", CHECKS, ids=str)
    async def test_contract(check, my_storage):
        await check(my_storage)

Checks of the optional capabilities (``AtomicStorage``, ``PubSubStorage``) pass trivially on storages that do
not offer them. Two checks wait for expiry (about 1.5 s each).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ..storage.base import AtomicStorage, PubSubStorage, SecondaryStorage
from ._checks import ContractCheck, registrar

__all__ = ["CHECKS", "ContractCheck", "ContractFailure"]


class ContractFailure(AssertionError):
    """A storage behaved differently from the contract."""


#: each check takes a ``SecondaryStorage``; those of optional capabilities narrow it themselves
CHECKS: list[ContractCheck[Any]] = []
_check = registrar(CHECKS)


def expect_equal(actual: Any, expected: Any, what: str) -> None:
    if actual != expected:
        raise ContractFailure(f"{what}: expected {expected!r}, got {actual!r}")


# -- the five Better Auth methods ---------------------------------------------------------------------------


@_check
async def check_set_get_delete(storage: SecondaryStorage) -> None:
    expect_equal(await storage.get("missing"), None, "get of a missing key")
    for key in ("plain", "1.2.3.4|/sign-in/email", "clé-ü", "active-sessions-u1"):
        await storage.set(key, "v1", 60)
        expect_equal(await storage.get(key), "v1", f"get after set ({key!r})")
    await storage.set("plain", '{"json": "ü"}', None)
    expect_equal(await storage.get("plain"), '{"json": "ü"}', "overwrite without expiry")
    await storage.delete("plain")
    expect_equal(await storage.get("plain"), None, "get after delete")
    await storage.delete("plain")  # deleting a missing key is not an error
    await storage.set("gone", "v", 0)
    expect_equal(await storage.get("gone"), None, "set with ttl 0 (already expired)")


@_check
async def check_keys_expire_and_increment_sets_the_ttl_only_on_creation(storage: SecondaryStorage) -> None:
    await storage.set("short", "v", 1)
    await storage.set("long", "v", 60)
    await storage.set("forever", "v", None)
    expect_equal(await storage.increment("counter", 1), 1, "first increment")
    await asyncio.sleep(0.6)
    expect_equal(await storage.increment("counter", 60), 2, "second increment (ttl not extended)")
    await asyncio.sleep(0.9)
    expect_equal(await storage.get("short"), None, "a key past its ttl")
    expect_equal(await storage.get("long"), "v", "a key within its ttl")
    expect_equal(await storage.get("forever"), "v", "a key without ttl")
    expect_equal(await storage.increment("counter", 60), 1, "increment after the window expired")


@_check
async def check_get_and_delete_has_exactly_one_winner(storage: SecondaryStorage) -> None:
    await storage.set("once", "token-value", 60)
    results = await asyncio.gather(*(storage.get_and_delete("once") for _ in range(20)))
    expect_equal(sorted(r for r in results if r is not None), ["token-value"], "concurrent get_and_delete")
    expect_equal(await storage.get("once"), None, "after get_and_delete")
    expect_equal(await storage.get_and_delete("never"), None, "get_and_delete of a missing key")


@_check
async def check_increment_is_atomic(storage: SecondaryStorage) -> None:
    counts = await asyncio.gather(*(storage.increment("ip|/path", 60) for _ in range(50)))
    expect_equal(sorted(counts), list(range(1, 51)), "counts returned by 50 concurrent increments")
    expect_equal(await storage.get("ip|/path"), "50", "the counter as a string")


# -- AtomicStorage ------------------------------------------------------------------------------------------


@_check
async def check_compare_and_set(storage: SecondaryStorage) -> None:
    if not isinstance(storage, AtomicStorage):
        return
    expect_equal(await storage.compare_and_set("k", None, "a", 60), True, "create when absent")
    expect_equal(await storage.compare_and_set("k", None, "b", 60), False, "create when present")
    expect_equal(await storage.compare_and_set("k", "x", "b", 60), False, "replace with a stale expectation")
    expect_equal(await storage.compare_and_set("k", "a", "b", 60), True, "replace")
    expect_equal(await storage.get("k"), "b", "value after replace")
    expect_equal(await storage.compare_and_set("k", "b", None, None), True, "delete")
    expect_equal(await storage.get("k"), None, "value after delete")

    async def add_one() -> None:
        while True:
            current = await storage.get("list")
            items = json.loads(current) if current else []
            if await storage.compare_and_set("list", current, json.dumps([*items, len(items)]), 60):
                return

    await asyncio.gather(*(add_one() for _ in range(20)))
    expect_equal(json.loads(await storage.get("list") or "[]"), list(range(20)), "20 concurrent appends")


@_check
async def check_get_many_and_get_session(storage: SecondaryStorage) -> None:
    if not isinstance(storage, AtomicStorage):
        return
    await storage.set("a", "1", 60)
    await storage.set("c", "3", 60)
    expect_equal(await storage.get_many(["a", "b", "c"]), ["1", None, "3"], "get_many keeps order")
    expect_equal(await storage.get_many([]), [], "get_many of nothing")
    # enough keys to span every node of a cluster
    many = [f"many-{n}" for n in range(40)]
    for n, key in enumerate(many[::2]):
        await storage.set(key, str(n), 60)
    expected = [str(n // 2) if n % 2 == 0 else None for n in range(40)]
    expect_equal(await storage.get_many(many), expected, "get_many of keys in many slots")
    value = json.dumps({"session": {"userId": "u1", "token": "t1"}, "user": {"id": "u1"}})
    await storage.set("t1", value, 60)
    expect_equal(await storage.get_session("t1", "marker-"), (value, None), "session without marker")
    await storage.set("marker-u1", "1700000000000", 60)
    expect_equal(await storage.get_session("t1", "marker-"), (value, "1700000000000"), "session and marker")
    await storage.set("marker-u1", "1700000000001", 60)
    expect_equal(await storage.get_session("t1", "marker-"), (value, "1700000000001"), "a changed marker")
    other = json.dumps({"session": {"userId": "u2", "token": "t1"}, "user": {"id": "u2"}})
    await storage.set("t1", other, 60)
    expect_equal(await storage.get_session("t1", "marker-"), (other, None), "a token reused by another user")
    await storage.delete("t1")
    expect_equal(await storage.get_session("t1", "marker-"), (None, None), "a deleted session")
    expect_equal(await storage.get_session("t2", "marker-"), (None, None), "missing session")
    await storage.set("t3", "not json", 60)
    expect_equal(await storage.get_session("t3", "marker-"), ("not json", None), "unparseable session")


# -- PubSubStorage ------------------------------------------------------------------------------------------


@_check
async def check_publish_reaches_every_subscriber(storage: SecondaryStorage) -> None:
    if not isinstance(storage, PubSubStorage):
        return
    subs = [await storage.subscribe("news") for _ in range(2)]
    try:
        for sub in subs:
            event = await sub.receive(2.0)
            expect_equal(event and event.kind, "live", "first event of a subscription")
        await storage.publish("news", "hello")
        await storage.publish("other", "not for us")
        for sub in subs:
            event = await sub.receive(2.0)
            expect_equal((event and event.kind, event and event.data), ("message", "hello"), "published message")
        await subs[0].ping()
        event = await subs[0].receive(2.0)
        expect_equal(event and event.kind, "pong", "answer to ping")
        expect_equal(await subs[1].receive(0.2), None, "nothing more")
    finally:
        for sub in subs:
            await sub.close()
