"""Member endpoints on every database backend, and the rules that protect an organization from its own
members: no cross-organization ids, no self-promotion, no escalation above one's own role, never
ownerless."""

from __future__ import annotations

import asyncio

from tessera.db.adapter import Where
from tessera.plugins.organization import DEFAULT_AC, DEFAULT_ROLES, DEFAULT_STATEMENTS
from tests._helpers import Client
from tests.plugins.organization.conftest import MakeWorld, World, code


async def acme_with_bob_and_carol(w: World, bob: str = "admin", carol: str = "member") -> tuple[str, dict, dict]:
    acme = await w.org("acme")
    b = await w.join(acme["id"], w.bob_id, bob)
    c = await w.join(acme["id"], w.carol_id, carol)
    for client in (w.bob, w.carol):
        await client.post("/organization/set-active", {"organizationId": acme["id"]})
    return acme["id"], b, c


async def test_add_member_is_server_only_and_checked(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"membership_limit": 2})
    acme = await w.org("acme")
    assert (await w.alice.post("/organization/add-member", {"userId": w.bob_id, "role": "member"})).status == 404
    member = await w.join(acme["id"], w.bob_id, "admin, member")
    assert (member["role"], member["userId"], member["organizationId"]) == ("admin,member", w.bob_id, acme["id"])
    again = await w.auth.api.add_member(body={"userId": w.bob_id, "role": "member", "organizationId": acme["id"]},
                                        as_response=True)
    assert code(again) == (400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION")
    full = await w.auth.api.add_member(body={"userId": w.carol_id, "role": "member", "organizationId": acme["id"]},
                                       as_response=True)
    assert code(full) == (403, "ORGANIZATION_MEMBERSHIP_LIMIT_REACHED")
    nobody = await w.auth.api.add_member(body={"userId": "nope", "role": "member", "organizationId": acme["id"]},
                                         as_response=True)
    assert code(nobody) == (400, "USER_NOT_FOUND")
    unknown = await w.auth.api.add_member(body={"userId": w.carol_id, "role": "wizard", "organizationId": acme["id"]},
                                          as_response=True)
    assert code(unknown) == (400, "ROLE_NOT_FOUND")
    no_org = await w.auth.api.add_member(body={"userId": w.carol_id, "role": "member"}, as_response=True)
    assert code(no_org) == (400, "NO_ACTIVE_ORGANIZATION")


async def test_list_members_get_active_member_and_role(make_world: MakeWorld) -> None:
    w = await make_world()
    org_id, bob, _ = await acme_with_bob_and_carol(w)
    listed = (await w.carol.get("/organization/list-members")).json_body()
    assert listed["total"] == 3 and len(listed["members"]) == 3
    assert {m["user"]["email"] for m in listed["members"]} == {"alice@example.com", "bob@example.com",
                                                               "carol@example.com"}
    page = (await w.carol.get("/organization/list-members",
                              query="limit=1&offset=1&sortBy=role&sortDirection=asc")).json_body()
    assert (page["total"], [m["role"] for m in page["members"]]) == (3, ["member"])
    admins = (await w.carol.get("/organization/list-members", query="filterField=role&filterValue=admin")).json_body()
    assert (admins["total"], admins["members"][0]["userId"]) == (1, w.bob_id)
    bad = await w.carol.get("/organization/list-members", query="sortDirection=sideways")
    assert code(bad) == (400, "VALIDATION_ERROR")
    assert code(await w.carol.get("/organization/list-members", query="filterField=password&filterValue=x")) == (
        400, "VALIDATION_ERROR")
    assert code(await Client(w.auth).get("/organization/list-members")) == (401, "UNAUTHORIZED")

    active = (await w.bob.get("/organization/get-active-member")).json_body()
    assert (active["id"], active["role"], active["user"]["email"]) == (bob["id"], "admin", "bob@example.com")
    assert (await w.bob.get("/organization/get-active-member-role")).json_body() == {"role": "admin"}
    role_of_alice = await w.bob.get("/organization/get-active-member-role", query=f"userId={w.alice_id}")
    assert role_of_alice.json_body() == {"role": "owner"}

    # someone outside the organization learns nothing about it
    dave = Client(w.auth)
    await dave.sign_up("dave@example.com", "correct-horse-battery", "Dave")
    assert code(await dave.get("/organization/list-members", query=f"organizationId={org_id}")) == (
        403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")
    assert code(await dave.get("/organization/get-active-member-role", query=f"organizationId={org_id}")) == (
        403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")
    assert code(await dave.get("/organization/get-active-member")) == (400, "NO_ACTIVE_ORGANIZATION")


async def test_update_member_role(make_world: MakeWorld) -> None:
    w = await make_world()
    _, bob, carol = await acme_with_bob_and_carol(w)
    r = await w.bob.post("/organization/update-member-role", {"memberId": carol["id"], "role": ["admin"]})
    assert r.status == 200, r.body
    assert (r.json_body()["id"], r.json_body()["role"]) == (carol["id"], "admin")
    r = await w.alice.post("/organization/update-member-role", {"memberId": carol["id"], "role": "member"})
    assert r.json_body()["role"] == "member"
    assert code(await w.carol.post("/organization/update-member-role", {"memberId": bob["id"], "role": "member"})) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    unknown = await w.alice.post("/organization/update-member-role", {"memberId": carol["id"], "role": "wizard,admin"})
    assert code(unknown) == (400, "ROLE_NOT_FOUND") and unknown.json_body()["message"] == "ROLE_NOT_FOUND: wizard"
    assert (await w.alice.post("/organization/update-member-role", {"memberId": carol["id"], "role": ""})).status == 400
    assert code(await w.alice.post("/organization/update-member-role", {"memberId": "nope", "role": "admin"})) == (
        400, "MEMBER_NOT_FOUND")
    assert code(await w.alice.post("/organization/update-member-role", {"memberId": carol["id"], "role": 5})) == (
        400, "VALIDATION_ERROR")
    row = await w.auth.adapter.find_one("member", [Where("id", carol["id"])])
    assert row is not None and row["role"] == "member"


async def test_members_cannot_promote_themselves_or_escalate(make_world: MakeWorld) -> None:
    w = await make_world()
    org_id, bob, carol = await acme_with_bob_and_carol(w)
    # an admin may not make anyone (themselves included) an owner
    for member_id in (bob["id"], carol["id"]):
        r = await w.bob.post("/organization/update-member-role", {"memberId": member_id, "role": "owner"})
        assert code(r) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    # nor change their own role at all, nor touch the owner
    assert code(await w.bob.post("/organization/update-member-role", {"memberId": bob["id"], "role": "member"}))[0] == 403
    owner = await w.auth.adapter.find_one("member", [Where("userId", w.alice_id)])
    assert owner is not None
    r = await w.bob.post("/organization/update-member-role", {"memberId": owner["id"], "role": "member"})
    assert code(r) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    # a plain member may not promote themselves
    r = await w.carol.post("/organization/update-member-role", {"memberId": carol["id"], "role": "admin"})
    assert code(r) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    roles = {m["id"]: m["role"] for m in await w.auth.adapter.find_many("member", [Where("organizationId", org_id)])}
    assert roles == {owner["id"]: "owner", bob["id"]: "admin", carol["id"]: "member"}


async def test_custom_roles_cannot_be_handed_out_above_ones_own(make_memory_world: MakeWorld) -> None:
    ac = DEFAULT_AC
    manager = ac.new_role({"member": ("create", "update", "delete"), "invitation": ("create", "cancel"),
                           "ac": ("read",)})
    # ``auditor`` may update access control, which a manager may not: a manager cannot grant it
    auditor = ac.new_role({"ac": ("read", "update")})
    roles = {**DEFAULT_ROLES, "manager": manager, "auditor": auditor}
    w = await make_memory_world(organization_options={"roles": roles})
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id, "manager")
    carol = await w.join(acme["id"], w.carol_id, "member")
    await w.bob.post("/organization/set-active", {"organizationId": acme["id"]})
    ok = await w.bob.post("/organization/update-member-role", {"memberId": carol["id"], "role": "manager"})
    assert ok.status == 200
    r = await w.bob.post("/organization/update-member-role", {"memberId": carol["id"], "role": "auditor"})
    assert code(r) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    invite = await w.invite(acme["id"], "dave@example.com", "auditor", by=w.bob)
    assert code(invite) == (403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE")
    assert (await w.invite(acme["id"], "dave@example.com", "manager", by=w.bob)).status == 200
    assert set(DEFAULT_STATEMENTS) == {"organization", "member", "invitation", "team", "ac"}


async def test_ids_from_another_organization_are_refused(make_world: MakeWorld) -> None:
    w = await make_world()
    acme_id, _, carol = await acme_with_bob_and_carol(w)
    # Bob owns another organization; Carol's member id is in Acme
    beta = await w.org("beta", by=w.bob)
    beta_id = beta["id"]
    r = await w.bob.post("/organization/remove-member", {"memberIdOrEmail": carol["id"], "organizationId": beta_id})
    assert code(r) == (400, "MEMBER_NOT_FOUND")
    r = await w.bob.post("/organization/update-member-role", {"memberId": carol["id"], "role": "admin",
                                                              "organizationId": beta_id})
    assert code(r) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    # by email, the lookup is inside the named organization
    r = await w.bob.post("/organization/remove-member", {"memberIdOrEmail": "carol@example.com",
                                                         "organizationId": beta_id})
    assert code(r) == (400, "MEMBER_NOT_FOUND")
    # Alice's owner row in Acme, from Beta, is "not found", not "cannot remove the owner"
    owner = await w.auth.adapter.find_one("member", [Where("userId", w.alice_id)])
    assert owner is not None
    r = await w.bob.post("/organization/remove-member", {"memberIdOrEmail": owner["id"], "organizationId": beta_id})
    assert code(r) == (400, "MEMBER_NOT_FOUND")
    assert await w.auth.adapter.count("member", [Where("organizationId", acme_id)]) == 3


async def test_remove_member(make_world: MakeWorld) -> None:
    w = await make_world()
    org_id, bob, carol = await acme_with_bob_and_carol(w)
    assert code(await w.carol.post("/organization/remove-member", {"memberIdOrEmail": bob["id"]})) == (
        401, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER")
    owner = await w.auth.adapter.find_one("member", [Where("userId", w.alice_id)])
    assert owner is not None
    assert code(await w.bob.post("/organization/remove-member", {"memberIdOrEmail": owner["id"]})) == (
        400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")
    r = await w.bob.post("/organization/remove-member", {"memberIdOrEmail": "carol@example.com"})
    assert r.status == 200
    removed = r.json_body()["member"]
    assert (removed["id"], removed["user"]["email"]) == (carol["id"], "carol@example.com")
    r = await w.alice.post("/organization/remove-member", {"memberIdOrEmail": bob["id"]})
    assert r.status == 200 and r.json_body()["member"]["id"] == bob["id"] and "user" not in r.json_body()["member"]
    # the only owner cannot remove themselves either
    assert code(await w.alice.post("/organization/remove-member", {"memberIdOrEmail": owner["id"]})) == (
        400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")
    assert await w.auth.adapter.count("member", [Where("organizationId", org_id)]) == 1


async def test_the_last_owner_cannot_leave_or_be_demoted(make_world: MakeWorld) -> None:
    w = await make_world()
    org_id, bob, carol = await acme_with_bob_and_carol(w)
    owner = await w.auth.adapter.find_one("member", [Where("userId", w.alice_id)])
    assert owner is not None
    assert code(await w.alice.post("/organization/leave", {"organizationId": org_id})) == (
        400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")
    r = await w.alice.post("/organization/update-member-role", {"memberId": owner["id"], "role": "admin"})
    assert code(r) == (400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER")
    # with a second owner, the first may step down or leave
    r = await w.alice.post("/organization/update-member-role", {"memberId": bob["id"], "role": "owner"})
    assert r.status == 200
    r = await w.alice.post("/organization/update-member-role", {"memberId": owner["id"], "role": "admin"})
    assert r.status == 200 and r.json_body()["role"] == "admin"
    assert code(await w.bob.post("/organization/leave", {"organizationId": org_id})) == (
        400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")
    left = await w.carol.post("/organization/leave", {"organizationId": org_id})
    assert left.status == 200 and left.json_body()["id"] == carol["id"]
    assert (await w.carol.get("/get-session")).json_body()["session"]["activeOrganizationId"] is None
    assert code(await w.carol.post("/organization/leave", {"organizationId": org_id})) == (400, "MEMBER_NOT_FOUND")


async def test_two_owners_demoting_each_other_leave_one(make_world: MakeWorld) -> None:
    w = await make_world()
    acme = await w.org("acme")
    bob = await w.join(acme["id"], w.bob_id, "owner")
    await w.bob.post("/organization/set-active", {"organizationId": acme["id"]})
    alice = await w.auth.adapter.find_one("member", [Where("userId", w.alice_id)])
    assert alice is not None
    results = await asyncio.gather(
        w.alice.post("/organization/update-member-role", {"memberId": bob["id"], "role": "member"}),
        w.bob.post("/organization/update-member-role", {"memberId": alice["id"], "role": "member"}),
    )
    rows = await w.auth.adapter.find_many("member", [Where("organizationId", acme["id"])])
    assert sum(1 for r in rows if r["role"] == "owner") >= 1
    assert sorted(r.status for r in results) in ([200, 200], [200, 400], [200, 403])
