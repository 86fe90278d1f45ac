"""Deleting the account of an organization's only owner is refused (``400
USER_IS_THE_ONLY_OWNER_OF_AN_ORGANIZATION``) on every database backend, wherever the deletion comes from,
and two owners deleting their accounts at once leave one owner."""

from __future__ import annotations

import asyncio
from typing import Any

from tessera.db.adapter import Where
from tests._helpers import Client
from tests.plugins.organization.conftest import PASSWORD, MakeWorld, World, code

DELETE_USER = {"user": {"delete_user": {"enabled": True}}}
ONLY_OWNER = (400, "USER_IS_THE_ONLY_OWNER_OF_AN_ORGANIZATION")


async def users(w: World) -> set[str]:
    rows = await w.auth.context.store.adapter.find_many("user", [], limit=None)
    return {r["id"] for r in rows}


async def delete(client: Client) -> Any:
    return await client.post("/delete-user", {"password": PASSWORD})


async def test_the_only_owner_cannot_delete_their_account(make_world: MakeWorld) -> None:
    w = await make_world(**DELETE_USER)
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id)
    assert code(await delete(w.alice)) == ONLY_OWNER
    # nothing went: the user, their sessions and accounts, their membership
    assert w.alice_id in await users(w)
    assert (await w.alice.get("/get-session")).json_body()["user"]["id"] == w.alice_id
    assert len(await w.auth.context.store.adapter.find_many("member", [Where("userId", w.alice_id)])) == 1
    # alone in the organization too: delete it (or hand it over) first
    solo = await w.org("solo", by=w.carol)
    assert code(await delete(w.carol)) == ONLY_OWNER
    r = await w.carol.post("/organization/delete", {"organizationId": solo["id"]})
    assert r.status == 200, r.body
    assert (await delete(w.carol)).status == 200
    # a member who is not the only owner may go
    assert (await delete(w.bob)).status == 200
    assert await users(w) == {w.alice_id}


async def test_with_another_owner_the_account_goes(make_world: MakeWorld) -> None:
    w = await make_world(**DELETE_USER)
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id, "owner")
    assert (await delete(w.alice)).status == 200
    members = await w.auth.context.store.adapter.find_many("member", [Where("organizationId", acme["id"])])
    assert [(m["userId"], m["role"]) for m in members] == [(w.bob_id, "owner")]
    assert code(await delete(w.bob)) == ONLY_OWNER


async def test_two_owners_deleting_at_once_leave_one(make_world: MakeWorld) -> None:
    w = await make_world(**DELETE_USER)
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id, "owner")
    results = await asyncio.gather(delete(w.alice), delete(w.bob))
    assert sorted(code(r) for r in results) == [(200, None), ONLY_OWNER]
    members = await w.auth.context.store.adapter.find_many("member", [Where("organizationId", acme["id"])])
    assert [m["role"] for m in members] == ["owner"]


async def test_server_side_deletions_are_refused_too(make_world: MakeWorld) -> None:
    from tessera.errors import APIError

    w = await make_world()
    await w.org("acme")
    store = w.auth.context.store
    try:
        await store.delete_user(w.alice_id)
    except APIError as exc:
        assert (exc.status, exc.code) == ONLY_OWNER
    else:  # pragma: no cover
        raise AssertionError("deleted the only owner")
    assert w.alice_id in await users(w)
    assert await store.delete_user(w.bob_id) is True


async def test_the_admin_plugin_cannot_remove_an_only_owner() -> None:
    from tessera.plugins.admin import admin
    from tessera.plugins.organization import organization
    from tests._helpers import make_auth, signed_up

    auth = make_auth(plugins=[organization(), admin()])
    root, root_id = await signed_up(auth, "root@example.com", "Root")
    await auth.context.store.update_user(root_id, {"role": "admin"})
    owner, owner_id = await signed_up(auth, "owner@example.com", "Owner")
    assert (await owner.post("/organization/create", {"name": "Acme", "slug": "acme"})).status == 200
    r = await root.post("/admin/remove-user", {"userId": owner_id})
    assert code(r) == ONLY_OWNER
    assert await auth.context.store.find_user_by_id(owner_id) is not None
