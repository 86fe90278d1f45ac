"""``invitation_limit`` on every database backend: pending, unexpired invitations per organization, a number
or a function, answered ``403 INVITATION_LIMIT_REACHED`` and held under concurrency."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from tessera.db.adapter import Where
from tests.plugins.organization.conftest import MakeWorld, World, code


async def pending(w: World) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await w.auth.context.store.adapter.find_many(
        "invitation", [Where("status", "pending")], limit=None
    )
    return rows


async def test_a_number(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"invitation_limit": 2})
    acme = await w.org("acme")
    for name in ("a", "b"):
        assert (await w.invite(acme["id"], f"{name}@example.com")).status == 200
    assert code(await w.invite(acme["id"], "c@example.com")) == (403, "INVITATION_LIMIT_REACHED")
    # per organization
    beta = await w.org("beta")
    assert (await w.invite(beta["id"], "c@example.com")).status == 200
    # a canceled, a rejected and an expired invitation free their place
    first = next(i for i in await pending(w) if i["organizationId"] == acme["id"])
    r = await w.alice.post("/organization/cancel-invitation", {"invitationId": first["id"]})
    assert r.status == 200, r.body
    assert (await w.invite(acme["id"], "c@example.com")).status == 200
    assert code(await w.invite(acme["id"], "d@example.com")) == (403, "INVITATION_LIMIT_REACHED")
    store = w.auth.context.store
    old = w.auth.context.now() - timedelta(seconds=1)
    await store.adapter.update("invitation", [Where("email", "c@example.com"), Where("organizationId", acme["id"])],
                               {"expiresAt": old})
    assert (await w.invite(acme["id"], "d@example.com")).status == 200


async def test_zero_means_no_invitations(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"invitation_limit": 0})
    acme = await w.org("acme")
    assert code(await w.invite(acme["id"], "a@example.com")) == (403, "INVITATION_LIMIT_REACHED")


async def test_a_function_of_the_inviter_organization_and_membership(make_world: MakeWorld) -> None:
    seen: list[tuple[str, str, str]] = []

    async def limit(data: dict[str, Any]) -> int:
        seen.append((data["user"]["email"], data["organization"]["slug"], data["member"]["role"]))
        return 3 if data["organization"]["slug"] == "big" else 1

    w = await make_world(organization_options={"invitation_limit": limit})
    small, big = await w.org("small"), await w.org("big")
    assert (await w.invite(small["id"], "a@example.com")).status == 200
    assert code(await w.invite(small["id"], "b@example.com")) == (403, "INVITATION_LIMIT_REACHED")
    for name in ("a", "b", "c"):
        assert (await w.invite(big["id"], f"{name}@example.com")).status == 200
    assert code(await w.invite(big["id"], "d@example.com")) == (403, "INVITATION_LIMIT_REACHED")
    assert seen[0] == ("alice@example.com", "small", "owner")
    # a sync function is fine too
    w2 = await make_world(organization_options={"invitation_limit": lambda data: 1})
    acme = await w2.org("acme")
    assert (await w2.invite(acme["id"], "a@example.com")).status == 200
    assert code(await w2.invite(acme["id"], "b@example.com")) == (403, "INVITATION_LIMIT_REACHED")


async def test_re_inviting_with_cancel_pending_replaces_at_the_limit(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"invitation_limit": 1, "cancel_pending_invitations_on_re_invite": True})
    acme = await w.org("acme")
    assert (await w.invite(acme["id"], "a@example.com")).status == 200
    again = await w.invite(acme["id"], "a@example.com", "admin")
    assert again.status == 200, again.body
    assert [(i["email"], i["role"]) for i in await pending(w)] == [("a@example.com", "admin")]


async def test_concurrent_invitations_never_exceed_the_limit(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"invitation_limit": 3})
    acme = await w.org("acme")
    results = await asyncio.gather(*(w.invite(acme["id"], f"user{i}@example.com") for i in range(8)))
    statuses = sorted(code(r) for r in results)
    assert statuses == [(200, None)] * 3 + [(403, "INVITATION_LIMIT_REACHED")] * 5
    assert len(await pending(w)) == 3
    # and one address is never invited twice at once
    w2 = await make_world()
    beta = await w2.org("beta")
    twice = await asyncio.gather(*(w2.invite(beta["id"], "same@example.com") for _ in range(4)))
    assert sorted(r.status for r in twice) == [200, 400, 400, 400]
    assert len(await pending(w2)) == 1
