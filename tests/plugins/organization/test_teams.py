"""Teams (``teams`` enabled) on every database backend: the default team, team CRUD, the active team, team
members and their limit, invitations into teams, and team ids from other organizations."""

from __future__ import annotations

from typing import Any

from tessera.db.adapter import Where
from tessera.plugins.organization.store import membership_key
from tests._helpers import Client
from tests.plugins.organization.conftest import PASSWORD, MakeWorld, World, code

TEAMS: dict[str, Any] = {"teams": {"enabled": True}}


async def session_of(client: Client) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get("/get-session")).json_body()["session"]
    return body


async def test_create_makes_a_default_team_with_the_creator(make_world: MakeWorld) -> None:
    w = await make_world(organization_options=TEAMS)
    acme = await w.org("acme")
    teams = (await w.alice.get("/organization/list-teams")).json_body()
    assert [(t["name"], t["organizationId"]) for t in teams] == [("Acme", acme["id"])]
    assert list(teams[0]) == ["name", "organizationId", "createdAt", "updatedAt", "id"]  # no memberCount
    session = await session_of(w.alice)
    assert (session["activeOrganizationId"], session["activeTeamId"]) == (acme["id"], teams[0]["id"])
    members = (await w.alice.get("/organization/list-team-members")).json_body()
    assert [m["userId"] for m in members] == [w.alice_id] and "membershipKey" not in members[0]
    row = await w.auth.adapter.find_one("teamMember", [Where("userId", w.alice_id)])
    assert row is not None and row["membershipKey"] == membership_key(teams[0]["id"], w.alice_id)
    team_row = await w.auth.adapter.find_one("team", [Where("id", teams[0]["id"])])
    assert team_row is not None and team_row["memberCount"] == 1
    full = (await w.alice.get("/organization/get-full-organization")).json_body()
    assert [t["id"] for t in full["teams"]] == [teams[0]["id"]]


async def test_team_crud_and_the_last_team(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"teams": {"enabled": True, "maximum_teams": 2}})
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id, "member")
    r = await w.alice.post("/organization/create-team", {"name": "Ops"})
    assert r.status == 200, r.body
    ops = r.json_body()
    assert code(await w.alice.post("/organization/create-team", {"name": "Three"})) == (
        400, "YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_TEAMS")
    assert code(await w.bob.post("/organization/create-team", {"name": "B", "organizationId": acme["id"]})) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION")
    renamed = await w.alice.post("/organization/update-team", {"teamId": ops["id"], "data": {"name": "Operations"}})
    assert renamed.status == 200 and renamed.json_body()["name"] == "Operations"
    assert code(await w.bob.post("/organization/update-team", {"teamId": ops["id"], "data": {
        "name": "X", "organizationId": acme["id"]}})) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM")
    # the caller's active team cannot be removed; another can, but never the last one
    default = (await session_of(w.alice))["activeTeamId"]
    assert code(await w.alice.post("/organization/remove-team", {"teamId": default})) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_TEAM")
    r = await w.alice.post("/organization/remove-team", {"teamId": ops["id"]})
    assert r.json_body() == {"message": "Team removed successfully."}
    await w.alice.post("/organization/set-active-team", {"teamId": None})
    assert code(await w.alice.post("/organization/remove-team", {"teamId": default})) == (
        400, "UNABLE_TO_REMOVE_LAST_TEAM")
    assert code(await Client(w.auth).post("/organization/create-team", {"name": "A",
                                                                       "organizationId": acme["id"]}))[0] == 401
    server = await w.auth.api.create_team(body={"name": "By server", "organizationId": acme["id"]})
    assert server["name"] == "By server"


async def test_team_members_limit_and_active_team(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"teams": {"enabled": True, "maximum_members_per_team": 2}})
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id, "member")
    await w.join(acme["id"], w.carol_id, "member")
    team = (await w.alice.get("/organization/list-teams")).json_body()[0]
    added = await w.alice.post("/organization/add-team-member", {"teamId": team["id"], "userId": w.bob_id})
    assert added.status == 200 and added.json_body()["userId"] == w.bob_id
    again = await w.alice.post("/organization/add-team-member", {"teamId": team["id"], "userId": w.bob_id})
    assert again.json_body()["id"] == added.json_body()["id"]  # idempotent: one row per user and team
    full = await w.alice.post("/organization/add-team-member", {"teamId": team["id"], "userId": w.carol_id})
    assert code(full) == (403, "TEAM_MEMBER_LIMIT_REACHED")
    assert code(await w.bob.post("/organization/add-team-member", {"teamId": team["id"], "userId": w.carol_id,
                                                                   "organizationId": acme["id"]})) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_TEAM_MEMBER")

    await w.bob.post("/organization/set-active", {"organizationId": acme["id"]})
    r = await w.bob.post("/organization/set-active-team", {"teamId": team["id"]})
    assert r.status == 200 and (await session_of(w.bob))["activeTeamId"] == team["id"]
    bob_teams = (await w.bob.get("/organization/list-user-teams")).json_body()
    assert [t["id"] for t in bob_teams] == [team["id"]]
    await w.carol.post("/organization/set-active", {"organizationId": acme["id"]})
    assert code(await w.carol.post("/organization/set-active-team", {"teamId": team["id"]})) == (
        403, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
    assert code(await w.carol.get("/organization/list-team-members", query=f"teamId={team['id']}")) == (
        400, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")

    removed = await w.alice.post("/organization/remove-team-member", {"teamId": team["id"], "userId": w.bob_id})
    assert removed.json_body() == {"message": "Team member removed successfully."}
    assert code(await w.alice.post("/organization/remove-team-member", {"teamId": team["id"], "userId": w.bob_id})) == (
        400, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
    assert (await w.alice.post("/organization/add-team-member", {"teamId": team["id"], "userId": w.carol_id})).status == 200
    row = await w.auth.adapter.find_one("team", [Where("id", team["id"])])
    assert row is not None and row["memberCount"] == 2


async def test_team_ids_from_another_organization_are_not_found(make_world: MakeWorld) -> None:
    w = await make_world(organization_options=TEAMS)
    acme = await w.org("acme")
    beta = await w.org("beta", by=w.bob)
    acme_team = (await w.alice.get("/organization/list-teams", query=f"organizationId={acme['id']}")).json_body()[0]
    await w.join(beta["id"], w.carol_id, "member")
    for path, body in [
        ("/organization/update-team", {"teamId": acme_team["id"], "data": {"name": "Mine"}}),
        ("/organization/remove-team", {"teamId": acme_team["id"]}),
        ("/organization/add-team-member", {"teamId": acme_team["id"], "userId": w.carol_id}),
        ("/organization/remove-team-member", {"teamId": acme_team["id"], "userId": w.alice_id}),
        ("/organization/set-active-team", {"teamId": acme_team["id"]}),
    ]:
        r = await w.bob.post(path, body)
        assert code(r)[0] in (400, 403), (path, r.body)
        assert code(r)[1] in ("TEAM_NOT_FOUND", "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION"), (path, r.body)
    assert code(await w.bob.get("/organization/list-teams", query=f"organizationId={acme['id']}")) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_ACCESS_THIS_ORGANIZATION")
    assert code(await w.bob.get("/organization/list-team-members", query=f"teamId={acme_team['id']}")) == (
        400, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
    assert code(await w.bob.get("/organization/list-user-teams", query=f"userId={w.alice_id}")) == (
        400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    row = await w.auth.adapter.find_one("team", [Where("id", acme_team["id"])])
    assert row is not None and row["name"] == "Acme"


async def invited_dave(w: World, org_id: str, team_id: Any) -> tuple[Client, dict[str, Any]]:
    r = await w.alice.post("/organization/invite-member", {
        "email": "dave@example.com", "role": "member", "organizationId": org_id, "teamId": team_id,
    })
    assert r.status == 200, r.body
    client = Client(w.auth)
    await client.sign_up("dave@example.com", PASSWORD, "Dave")
    return client, r.json_body()


async def test_invitations_into_teams(make_world: MakeWorld) -> None:
    w = await make_world(organization_options=TEAMS)
    acme = await w.org("acme")
    team = (await w.alice.get("/organization/list-teams")).json_body()[0]
    assert code(await w.alice.post("/organization/invite-member", {
        "email": "x@example.com", "role": "member", "teamId": "a,b"})) == (400, "INVALID_TEAM_ID")
    assert code(await w.alice.post("/organization/invite-member", {
        "email": "x@example.com", "role": "member", "teamId": "nope"})) == (400, "TEAM_NOT_FOUND")
    dave, invitation = await invited_dave(w, acme["id"], team["id"])
    assert invitation["teamId"] == team["id"] and list(invitation).index("teamId") == 3
    accepted = await dave.post("/organization/accept-invitation", {"invitationId": invitation["id"]})
    assert accepted.status == 200, accepted.body
    session = await session_of(dave)
    assert (session["activeOrganizationId"], session["activeTeamId"]) == (acme["id"], team["id"])
    members = (await dave.get("/organization/list-team-members")).json_body()
    assert len(members) == 2

    # leaving the organization leaves its teams
    left = await dave.post("/organization/leave", {"organizationId": acme["id"]})
    assert left.status == 200
    assert await w.auth.adapter.count("teamMember", [Where("teamId", team["id"])]) == 1
    row = await w.auth.adapter.find_one("team", [Where("id", team["id"])])
    assert row is not None and row["memberCount"] == 1
    session = await session_of(dave)
    assert (session["activeOrganizationId"], session["activeTeamId"]) == (None, None)


async def test_deleting_a_team_or_the_organization(make_world: MakeWorld) -> None:
    w = await make_world(organization_options=TEAMS)
    acme = await w.org("acme")
    ops = (await w.alice.post("/organization/create-team", {"name": "Ops"})).json_body()
    _, invitation = await invited_dave(w, acme["id"], ops["id"])
    await w.alice.post("/organization/remove-team", {"teamId": ops["id"]})
    row = await w.auth.adapter.find_one("invitation", [Where("id", invitation["id"])])
    assert row is not None and row["teamId"] is None  # the pending invitation no longer names it
    await w.alice.post("/organization/delete", {"organizationId": acme["id"]})
    assert await w.auth.adapter.count("team") == 0 and await w.auth.adapter.count("teamMember") == 0
