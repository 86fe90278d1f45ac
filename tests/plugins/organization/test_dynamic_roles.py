"""Dynamic access control on every database backend: roles an organization stores (``organizationRole``) and
manages through ``/organization/*-role``, honoured by every permission check and role assignment, and the
rules that keep a member from granting what they do not hold."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from tessera.adapters.sqlalchemy.migrate import generate_sql
from tessera.db.adapter import Where
from tessera.plugins.organization import DEFAULT_ROLES, DEFAULT_STATEMENTS, create_access_control
from tests._helpers import Client
from tests.plugins.organization.conftest import MakeWorld, World, app, code

AC = create_access_control({**DEFAULT_STATEMENTS, "project": ("create", "read", "delete")})
OWNER = AC.new_role({**DEFAULT_STATEMENTS, "project": ("create", "read", "delete")})
DAC: dict[str, Any] = {
    "ac": AC, "roles": {**DEFAULT_ROLES, "owner": OWNER}, "dynamic_access_control": {"enabled": True},
}


async def acme(w: World, bob: str = "member") -> str:
    """Alice's organization with Bob in it (active for both)."""
    org_id: str = (await w.org("acme"))["id"]
    await w.join(org_id, w.bob_id, bob)
    await w.bob.post("/organization/set-active", {"organizationId": org_id})
    return org_id


async def can(w: World, client: Any, permissions: dict[str, list[str]]) -> bool:
    r = await client.post("/organization/has-permission", {"permissions": permissions})
    assert r.status == 200, r.body
    return bool(r.json_body()["success"])


async def test_a_stored_role_is_created_read_assigned_and_honoured(make_world: MakeWorld) -> None:
    w = await make_world(organization_options=DAC)
    org_id = await acme(w)
    created = await w.alice.post("/organization/create-role", {"role": "Sales", "permission": {"project": ["read"]}})
    assert created.status == 200, created.body
    body = created.json_body()
    assert body["success"] is True and body["statements"] == {"project": ["read"]}
    role = body["roleData"]
    assert (role["role"], role["organizationId"], role["permission"]) == ("sales", org_id, {"project": ["read"]})
    stored = await w.auth.adapter.find_one("organizationRole", [Where("id", role["id"])])
    assert stored is not None and stored["permission"] == '{"project":["read"]}'

    listed = (await w.bob.get("/organization/list-roles")).json_body()  # members hold ac:read
    assert [(r["id"], r["permission"]) for r in listed] == [(role["id"], {"project": ["read"]})]
    by_name = (await w.bob.get("/organization/get-role", query="roleName=sales")).json_body()
    by_id = (await w.bob.get("/organization/get-role", query=f"roleId={role['id']}")).json_body()
    assert by_name == by_id and by_name["role"] == "sales"

    assert not await can(w, w.bob, {"project": ["read"]})
    member = await w.auth.adapter.find_one("member", [Where("userId", w.bob_id)])
    assert member is not None
    changed = await w.alice.post("/organization/update-member-role", {"memberId": member["id"], "role": "sales"})
    assert changed.status == 200, changed.body
    assert await can(w, w.bob, {"project": ["read"]})
    assert not await can(w, w.bob, {"project": ["delete"]})

    grown = await w.alice.post("/organization/update-role", {"roleName": "sales",
                                                             "data": {"permission": {"project": ["read", "delete"]}}})
    assert grown.status == 200, grown.body
    assert grown.json_body()["roleData"]["permission"] == {"project": ["read", "delete"]}
    assert await can(w, w.bob, {"project": ["delete"]})


async def test_renaming_a_role_keeps_its_holders_and_a_held_role_cannot_be_deleted(make_world: MakeWorld) -> None:
    w = await make_world(organization_options=DAC)
    org_id = await acme(w)
    await w.alice.post("/organization/create-role", {"role": "sales", "permission": {"project": ["read"]}})
    await w.auth.api.add_member(body={"userId": w.carol_id, "role": "member,sales", "organizationId": org_id})
    invited = await w.invite(org_id, "dave@example.com", "sales")
    assert invited.status == 200, invited.body

    renamed = await w.alice.post("/organization/update-role", {"roleName": "sales", "data": {"roleName": "Deals"}})
    assert renamed.status == 200, renamed.body
    assert renamed.json_body()["roleData"]["role"] == "deals"
    carol = await w.auth.adapter.find_one("member", [Where("userId", w.carol_id)])
    dave = await w.auth.adapter.find_one("invitation", [Where("email", "dave@example.com")])
    assert carol is not None and dave is not None and (carol["role"], dave["role"]) == ("member,deals", "deals")
    assert code(await w.alice.get("/organization/get-role", query="roleName=sales")) == (400, "ROLE_NOT_FOUND")

    held = await w.alice.post("/organization/delete-role", {"roleName": "deals"})
    assert code(held) == (400, "ROLE_IS_ASSIGNED_TO_MEMBERS")
    await w.alice.post("/organization/update-member-role", {"memberId": carol["id"], "role": "member"})
    deleted = await w.alice.post("/organization/delete-role", {"roleName": "deals"})
    assert (deleted.status, deleted.json_body()) == (200, {"success": True})
    assert (await w.alice.get("/organization/list-roles")).json_body() == []
    gone = await w.alice.post("/organization/delete-role", {"roleName": "deals"})
    assert code(gone) == (400, "ROLE_NOT_FOUND")
    predefined = await w.alice.post("/organization/delete-role", {"roleName": "admin"})
    assert code(predefined) == (400, "CANNOT_DELETE_A_PRE_DEFINED_ROLE")


async def test_managing_roles_needs_the_ac_permissions(make_world: MakeWorld) -> None:
    w = await make_world(organization_options=DAC)
    org_id = await acme(w)  # Bob is a plain member: ac:read only
    denied = await w.bob.post("/organization/create-role", {"role": "x", "permission": {}})
    assert code(denied) == (403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_ROLE")
    made = (await w.alice.post("/organization/create-role", {"role": "x", "permission": {}})).json_body()
    assert made["roleData"]["permission"] == {}
    assert code(await w.bob.post("/organization/update-role", {"roleName": "x", "data": {}})) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_A_ROLE")
    assert code(await w.bob.post("/organization/delete-role", {"roleName": "x"})) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_A_ROLE")
    outsider = await w.carol.get("/organization/list-roles", query=f"organizationId={org_id}")
    assert code(outsider) == (403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")
    assert code(await w.carol.get("/organization/list-roles")) == (400, "NO_ACTIVE_ORGANIZATION")
    assert code(await w.carol.post("/organization/create-role", {"role": "y", "permission": {}})) == (
        400, "YOU_MUST_BE_IN_AN_ORGANIZATION_TO_CREATE_A_ROLE")
    assert (await Client(w.auth).get("/organization/list-roles")).status == 401


async def test_a_role_grants_only_what_its_author_holds(make_world: MakeWorld) -> None:
    w = await make_world(organization_options=DAC)
    await acme(w, bob="admin")  # admin: everything but organization:delete, and no project access
    over = await w.bob.post("/organization/create-role", {
        "role": "boss", "permission": {"organization": ["update", "delete"], "project": ["read"]},
    })
    assert code(over) == (403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_ROLE")
    assert over.json_body()["missingPermissions"] == ["organization:delete", "project:read"]
    unknown = await w.bob.post("/organization/create-role", {"role": "boss", "permission": {"payroll": ["read"]}})
    assert code(unknown) == (400, "INVALID_RESOURCE")
    ok = await w.bob.post("/organization/create-role", {"role": "helper", "permission": {"member": ["update"]}})
    assert ok.status == 200, ok.body
    widen = await w.bob.post("/organization/update-role", {"roleName": "helper",
                                                           "data": {"permission": {"organization": ["delete"]}}})
    assert code(widen) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_A_ROLE")
    assert widen.json_body()["missingPermissions"] == ["organization:delete"]
    for name in ("owner", "Admin", "member"):
        taken = await w.alice.post("/organization/create-role", {"role": name, "permission": {}})
        assert code(taken) == (400, "ROLE_NAME_IS_ALREADY_TAKEN")
    again = await w.alice.post("/organization/create-role", {"role": "HELPER", "permission": {}})
    assert code(again) == (400, "ROLE_NAME_IS_ALREADY_TAKEN")
    rename_taken = await w.alice.post("/organization/update-role",
                                      {"roleName": "helper", "data": {"roleName": "admin"}})
    assert code(rename_taken) == (400, "ROLE_NAME_IS_ALREADY_TAKEN")


async def test_a_stored_role_can_manage_and_assign_within_itself(make_world: MakeWorld) -> None:
    w = await make_world(organization_options=DAC)
    org_id = await acme(w)
    await w.alice.post("/organization/create-role", {"role": "recruiter", "permission": {
        "invitation": ["create"], "member": ["update"], "ac": ["create", "read"],
    }})
    await w.alice.post("/organization/create-role", {"role": "intern", "permission": {"ac": ["read"]}})
    bob = await w.auth.adapter.find_one("member", [Where("userId", w.bob_id)])
    assert bob is not None
    await w.alice.post("/organization/update-member-role", {"memberId": bob["id"], "role": "recruiter"})
    assert await can(w, w.bob, {"invitation": ["create"]})
    # a stored role with ac:create may make roles, within what it holds
    assert (await w.bob.post("/organization/create-role", {"role": "scout", "permission": {
        "invitation": ["create"]}})).status == 200
    assert (await w.invite(org_id, "carol@example.com", "intern", by=w.bob)).status == 200
    assert code(await w.invite(org_id, "dave@example.com", "admin", by=w.bob)) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE")
    assert code(await w.invite(org_id, "erin@example.com", "ghost", by=w.bob)) == (400, "ROLE_NOT_FOUND")
    accepted = await w.carol.post("/organization/accept-invitation", {"invitationId": (
        await w.auth.adapter.find_one("invitation", [Where("email", "carol@example.com")]) or {})["id"]})
    assert accepted.status == 200 and accepted.json_body()["member"]["role"] == "intern"
    carol = accepted.json_body()["member"]
    scout = await w.bob.post("/organization/update-member-role", {"memberId": carol["id"], "role": "scout"})
    assert scout.status == 200, scout.body
    assert code(await w.bob.post("/organization/update-member-role", {"memberId": carol["id"], "role": "admin"})) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    member_added = await w.auth.api.add_member(body={"userId": w.alice_id, "role": "intern", "organizationId": org_id},
                                               as_response=True)
    assert code(member_added) == (400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION")  # the name itself is valid


async def test_roles_belong_to_one_organization(make_world: MakeWorld) -> None:
    w = await make_world(organization_options=DAC)
    acme_id = await acme(w)
    beta = await w.org("beta")  # Alice's active organization is now beta
    await w.alice.post("/organization/create-role", {"role": "sales", "permission": {}, "organizationId": acme_id})
    assert code(await w.invite(beta["id"], "dave@example.com", "sales")) == (400, "ROLE_NOT_FOUND")
    assert (await w.invite(acme_id, "dave@example.com", "sales")).status == 200
    assert (await w.alice.get("/organization/list-roles")).json_body() == []
    beta_copy = await w.alice.post("/organization/create-role", {"role": "sales", "permission": {}})
    assert beta_copy.status == 200 and beta_copy.json_body()["roleData"]["organizationId"] == beta["id"]
    deleted = await w.alice.post("/organization/delete", {"organizationId": beta["id"]})
    assert deleted.status == 200, deleted.body
    assert await w.auth.adapter.count("organizationRole", [Where("organizationId", beta["id"])]) == 0
    assert await w.auth.adapter.count("organizationRole", [Where("organizationId", acme_id)]) == 1


async def test_maximum_roles_per_organization(make_memory_world: MakeWorld) -> None:
    seen: list[str] = []

    async def two(organization_id: str) -> int:
        seen.append(organization_id)
        return 2

    for limit in (2, two):
        w = await make_memory_world(organization_options={**DAC, "dynamic_access_control": {
            "maximum_roles_per_organization": limit}})
        org_id = await acme(w)
        for name in ("a", "b"):
            assert (await w.alice.post("/organization/create-role", {"role": name, "permission": {}})).status == 200
        assert code(await w.alice.post("/organization/create-role", {"role": "c", "permission": {}})) == (
            400, "TOO_MANY_ROLES")
    assert seen == [org_id] * 3


async def test_bad_input_is_a_400_with_a_code(make_memory_world: MakeWorld) -> None:
    w = await make_memory_world(organization_options=DAC)
    await acme(w)
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("create-role", {"role": "x"}, "[body.permission] Invalid input: expected record, received undefined"),
        ("create-role", {"role": "x", "permission": {"member": "update"}},
         "[body.permission.member] Invalid input: expected array, received string"),
        ("create-role", {"role": "x", "permission": {"member": [1]}},
         "[body.permission.member.0] Invalid input: expected string, received number"),
        ("create-role", {"role": 5, "permission": {}}, "[body.role] Invalid input: expected string, received number"),
        ("create-role", {"role": "a,b", "permission": {}}, "[body.role] Invalid role name"),
        ("create-role", {"role": " a", "permission": {}}, "[body.role] Invalid role name"),
        ("create-role", {"role": "", "permission": {}}, "[body.role] Invalid role name"),
        ("delete-role", {}, "[body] Invalid input"),
        ("delete-role", {"roleName": ""}, "[body.roleName] Too small: expected string to have >=1 characters"),
        ("delete-role", {"roleName": "", "roleId": ""}, "[body] Invalid input"),
        ("update-role", {"roleName": "x"}, "[body.data] Invalid input: expected object, received undefined"),
        ("update-role", {"data": {}}, "[body] Invalid input"),
        ("update-role", {"roleName": "x", "data": {"roleName": "a,b"}}, "[body.data.roleName] Invalid role name"),
        ("update-role", {"roleName": "x", "data": {"roleName": 3}},
         "[body.data.roleName] Invalid input: expected string, received number"),
    ]
    for path, body, message in cases:
        r = await w.alice.post(f"/organization/{path}", body)
        assert code(r) == (400, "VALIDATION_ERROR"), (path, body, r.body)
        assert r.json_body()["message"].startswith(message), (path, body, r.body)
    r = await w.alice.get("/organization/get-role")
    assert code(r) == (400, "VALIDATION_ERROR") and r.json_body()["message"] == "[query] Invalid input"


async def test_a_corrupt_stored_role_grants_nothing_and_breaks_nothing(make_memory_world: MakeWorld) -> None:
    w = await make_memory_world(organization_options=DAC)
    org_id = await acme(w)
    await w.auth.adapter.create("organizationRole", {
        "id": "r1", "organizationId": org_id, "role": "broken", "permission": "{not json",
        "createdAt": datetime.now(UTC),
    })
    await w.auth.adapter.update("member", [Where("userId", w.bob_id)], {"role": "broken"})
    assert not await can(w, w.bob, {"member": ["update"]})
    assert await can(w, w.alice, {"member": ["update"]})
    listed = (await w.alice.get("/organization/list-roles")).json_body()
    assert [(r["role"], r["permission"]) for r in listed] == [("broken", None)]


async def test_without_ac_or_when_disabled(make_memory_world: MakeWorld) -> None:
    w = await make_memory_world(organization_options={"dynamic_access_control": {"enabled": True}})
    await acme(w)
    r = await w.alice.post("/organization/create-role", {"role": "x", "permission": {}})
    assert code(r) == (501, "MISSING_AC_INSTANCE")
    assert (await w.alice.get("/organization/list-roles")).json_body() == []
    off = await make_memory_world(organization_options={"ac": AC, "dynamic_access_control": {"enabled": False}})
    assert (await off.alice.get("/organization/list-roles")).status == 404
    assert "organizationRole" not in off.auth.schema


async def test_concurrent_creates_respect_the_limit_and_the_name(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={**DAC, "dynamic_access_control": {"maximum_roles_per_organization": 2}})
    await acme(w)
    same = await asyncio.gather(*(w.alice.post("/organization/create-role", {"role": "twin", "permission": {}})
                                  for _ in range(2)))
    assert sorted(code(r) for r in same) == [(200, None), (400, "ROLE_NAME_IS_ALREADY_TAKEN")]
    race = await asyncio.gather(*(w.alice.post("/organization/create-role", {"role": name, "permission": {}})
                                  for name in ("a", "b")))
    assert sorted(code(r) for r in race) == [(200, None), (400, "TOO_MANY_ROLES")]
    assert await w.auth.adapter.count("organizationRole") == 2


async def test_a_role_is_never_deleted_while_being_given(make_world: MakeWorld) -> None:
    w = await make_world(organization_options=DAC)
    await acme(w)
    bob = await w.auth.adapter.find_one("member", [Where("userId", w.bob_id)])
    assert bob is not None
    for _ in range(3):
        await w.alice.post("/organization/update-member-role", {"memberId": bob["id"], "role": "member"})
        await w.alice.post("/organization/create-role", {"role": "temp", "permission": {}})
        deleted, given = await asyncio.gather(
            w.alice.post("/organization/delete-role", {"roleName": "temp"}),
            w.alice.post("/organization/update-member-role", {"memberId": bob["id"], "role": "temp"}),
        )
        role = (await w.auth.adapter.find_one("member", [Where("id", bob["id"])]) or {})["role"]
        stored = await w.auth.adapter.count("organizationRole", [Where("role", "temp")])
        assert (role, stored) in {("temp", 1), ("member", 0)}, (deleted.body, given.body)
        if stored:
            assert code(deleted) == (400, "ROLE_IS_ASSIGNED_TO_MEMBERS")
        else:
            assert code(given) == (400, "ROLE_NOT_FOUND")
            continue
        await w.alice.post("/organization/update-member-role", {"memberId": bob["id"], "role": "member"})
        await w.alice.post("/organization/delete-role", {"roleName": "temp"})


def test_generate_emits_the_table_and_its_indexes() -> None:
    sql = generate_sql(app(DAC).schema, "postgresql")
    assert 'CREATE TABLE "organizationRole"' in sql and 'REFERENCES organization (id)' in sql
    assert 'CREATE INDEX "organizationRole_organizationId_idx" ON "organizationRole" ("organizationId");' in sql
    assert "organizationRole" not in generate_sql(app().schema, "postgresql")
