"""A username taken between the check and the write is settled by the unique index, on every backend."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from tessera.db.adapter import Where

from .conftest import MakeWorld


async def test_concurrent_sign_ups_with_one_username(make_world: MakeWorld) -> None:
    world = await make_world()
    answers = await asyncio.gather(*(
        world.client().sign_up(f"user{i}@example.com", username="racer") for i in range(2)
    ))
    statuses = sorted(r.status for r in answers)
    assert statuses == [200, 400], [r.body for r in answers]
    [lost] = [r for r in answers if r.status == 400]
    assert lost.json_body()["code"] == "USERNAME_IS_ALREADY_TAKEN"
    [user] = await world.users()
    assert user["username"] == "racer"
    accounts = await world.auth.context.adapter.find_many("account", [])
    assert [a["userId"] for a in accounts] == [user["id"]]


async def test_concurrent_renames_to_one_username(make_world: MakeWorld) -> None:
    world = await make_world()
    browsers = [(await world.sign_up(f"user{i}@example.com", username=f"user{i}"))[0] for i in range(2)]
    answers = await asyncio.gather(*(b.post("/update-user", {"username": "prize"}) for b in browsers))
    assert sorted(r.status for r in answers) == [200, 400], [r.body for r in answers]
    [lost] = [r for r in answers if r.status == 400]
    assert lost.json_body()["code"] == "USERNAME_IS_ALREADY_TAKEN"
    assert sorted(u["username"] for u in await world.users()) == ["prize", "user0"] or sorted(
        u["username"] for u in await world.users()) == ["prize", "user1"]


@pytest.mark.parametrize("generic", [False, True])
async def test_lost_race_is_named_when_the_check_is_bypassed(make_memory_world: MakeWorld, generic: bool) -> None:
    """The request check cannot see a row written after it ran; the unique index still refuses the insert,
    and the answer names the username — not a taken email, nor (with email verification required, where a
    taken email gets the answer a new account gets) a success."""
    verification = {"email_and_password": {"require_email_verification": True}} if generic else {}
    world = await make_memory_world(tessera=verification)
    await world.sign_up("first@example.com", username="racer")
    adapter = world.auth.context.adapter
    original = adapter.find_one
    missed: list[str] = []

    async def stale_find_one(model: str, where: Sequence[Where], **kw: Any) -> Any:
        # the request check runs "before" the other sign-up commits: it sees no holder, once
        if not missed and any(w.field == "username" for w in where):
            missed.append(model)
            return None
        return await original(model, where, **kw)

    adapter.find_one = stale_find_one  # type: ignore[method-assign]
    _, r = await world.sign_up("second@example.com", username="racer")
    assert missed == ["user"]
    assert (r.status, r.json_body()["code"]) == (400, "USERNAME_IS_ALREADY_TAKEN")
    assert [u["email"] for u in await world.users()] == ["first@example.com"]
