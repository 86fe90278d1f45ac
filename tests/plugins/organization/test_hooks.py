"""``organization_hooks`` on every database backend: each hook is called with Better Auth's data as keyword
arguments, a before hook changes what is written or refuses with nothing written, and an after hook runs
once the whole operation is committed (its failure never leaves half an operation behind)."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.db.adapter import Where
from tessera.errors import APIError, ConfigError
from tessera.plugins.organization import OrganizationHooks, organization
from tests._helpers import Client
from tests.plugins.organization.conftest import PASSWORD, MakeWorld, World, code

TEAMS = {"enabled": True, "allow_removing_all_teams": True}


def recorder(calls: list[tuple[str, list[str]]], answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every hook, recording ``(name, sorted keyword names)``; even ones sync, odd ones async."""
    from tessera.plugins.organization.config import HOOK_NAMES

    hooks: dict[str, Any] = {}
    for i, name in enumerate(HOOK_NAMES):
        def sync(_name: str = name, **data: Any) -> Any:
            calls.append((_name, sorted(data)))
            answer = (answers or {}).get(_name)
            return answer(**data) if callable(answer) else answer

        async def asynchronous(_name: str = name, **data: Any) -> Any:
            return sync(_name, **data)

        hooks[name] = sync if i % 2 == 0 else asynchronous
    return hooks


async def rows(w: World, model: str, **where: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await w.auth.context.store.adapter.find_many(
        model, [Where(k, v) for k, v in where.items()], limit=None
    )
    return found


async def dave(w: World) -> tuple[Client, str]:
    client = Client(w.auth)
    r = await client.sign_up("dave@example.com", PASSWORD, "Dave")
    return client, r.json_body()["user"]["id"]


async def test_every_hook_is_called_with_better_auths_data(make_world: MakeWorld) -> None:
    calls: list[tuple[str, list[str]]] = []
    w = await make_world(organization_options={"teams": TEAMS, "organization_hooks": recorder(calls)})
    acme = await w.org("acme")
    assert calls == [
        ("before_create_organization", ["organization", "user"]),
        ("before_add_member", ["member", "organization", "user"]),
        ("before_create_team", ["organization", "team", "user"]),
        ("after_add_member", ["member", "organization", "user"]),
        ("after_create_team", ["organization", "team", "user"]),
        ("after_create_organization", ["member", "organization", "user"]),
    ]
    calls.clear()
    assert (await w.alice.post("/organization/update", {"data": {"name": "Acme 2"}})).status == 200
    await w.join(acme["id"], w.bob_id)
    bob = (await rows(w, "member", organizationId=acme["id"], userId=w.bob_id))[0]
    r = await w.alice.post("/organization/update-member-role", {"memberId": bob["id"], "role": "admin"})
    assert r.status == 200, r.body
    team = (await w.alice.post("/organization/create-team", {"name": "Ops"})).json_body()
    assert (await w.alice.post("/organization/update-team", {"teamId": team["id"], "data": {"name": "Ops 2"}})).status == 200
    r = await w.alice.post("/organization/add-team-member", {"teamId": team["id"], "userId": w.bob_id})
    assert r.status == 200, r.body
    r = await w.alice.post("/organization/remove-team-member", {"teamId": team["id"], "userId": w.bob_id})
    assert r.status == 200, r.body
    assert (await w.alice.post("/organization/remove-team", {"teamId": team["id"]})).status == 200
    r = await w.alice.post("/organization/remove-member", {"memberIdOrEmail": bob["id"]})
    assert r.status == 200, r.body
    invitation = (await w.invite(acme["id"], "carol@example.com")).json_body()
    assert (await w.carol.post("/organization/reject-invitation", {"invitationId": invitation["id"]})).status == 200
    invitation = (await w.invite(acme["id"], "carol@example.com")).json_body()
    r = await w.alice.post("/organization/cancel-invitation", {"invitationId": invitation["id"]})
    assert r.status == 200, r.body
    invitation = (await w.invite(acme["id"], "carol@example.com")).json_body()
    assert (await w.carol.post("/organization/accept-invitation", {"invitationId": invitation["id"]})).status == 200
    assert (await w.alice.post("/organization/delete", {"organizationId": acme["id"]})).status == 200
    assert calls == [
        ("before_update_organization", ["member", "organization", "user"]),
        ("after_update_organization", ["member", "organization", "user"]),
        ("before_add_member", ["member", "organization", "user"]),
        ("after_add_member", ["member", "organization", "user"]),
        ("before_update_member_role", ["member", "new_role", "organization", "user"]),
        ("after_update_member_role", ["member", "organization", "previous_role", "user"]),
        ("before_create_team", ["organization", "team", "user"]),
        ("after_create_team", ["organization", "team", "user"]),
        ("before_update_team", ["organization", "team", "updates", "user"]),
        ("after_update_team", ["organization", "team", "user"]),
        ("before_add_team_member", ["organization", "team", "team_member", "user"]),
        ("after_add_team_member", ["organization", "team", "team_member", "user"]),
        ("before_remove_team_member", ["organization", "team", "team_member", "user"]),
        ("after_remove_team_member", ["organization", "team", "team_member", "user"]),
        ("before_delete_team", ["organization", "team", "user"]),
        ("after_delete_team", ["organization", "team", "user"]),
        ("before_remove_member", ["member", "organization", "user"]),
        ("after_remove_member", ["member", "organization", "user"]),
        ("before_create_invitation", ["invitation", "inviter", "organization"]),
        ("after_create_invitation", ["invitation", "inviter", "organization"]),
        ("before_reject_invitation", ["invitation", "organization", "user"]),
        ("after_reject_invitation", ["invitation", "organization", "user"]),
        ("before_create_invitation", ["invitation", "inviter", "organization"]),
        ("after_create_invitation", ["invitation", "inviter", "organization"]),
        ("before_cancel_invitation", ["cancelled_by", "invitation", "organization"]),
        ("after_cancel_invitation", ["cancelled_by", "invitation", "organization"]),
        ("before_create_invitation", ["invitation", "inviter", "organization"]),
        ("after_create_invitation", ["invitation", "inviter", "organization"]),
        ("before_accept_invitation", ["invitation", "organization", "user"]),
        ("after_accept_invitation", ["invitation", "member", "organization", "user"]),
        ("before_delete_organization", ["organization", "user"]),
        ("after_delete_organization", ["organization", "user"]),
    ]


async def test_hook_arguments_are_the_rows(make_world: MakeWorld) -> None:
    seen: dict[str, dict[str, Any]] = {}

    def keep(name: str) -> Any:
        def hook(**data: Any) -> None:
            seen[name] = data
        return hook

    names = ("before_add_member", "after_create_organization", "before_update_member_role",
             "after_update_member_role", "before_create_invitation", "after_accept_invitation")
    w = await make_world(organization_options={"organization_hooks": {n: keep(n) for n in names}})
    acme = await w.org("acme")
    # the organization before_add_member sees is the row as it will be stored, id included
    assert seen["before_add_member"]["organization"]["id"] == acme["id"]
    assert seen["before_add_member"]["member"] == {"userId": w.alice_id, "organizationId": acme["id"], "role": "owner"}
    assert seen["after_create_organization"]["member"]["id"] == acme["members"][0]["id"]
    assert seen["after_create_organization"]["user"]["id"] == w.alice_id
    member = await w.join(acme["id"], w.bob_id)
    await w.alice.post("/organization/update-member-role", {"memberId": member["id"], "role": ["admin", "member"]})
    assert seen["before_update_member_role"]["new_role"] == "admin,member"
    assert seen["after_update_member_role"]["previous_role"] == "member"
    assert seen["after_update_member_role"]["member"]["role"] == "admin,member"
    assert seen["before_update_member_role"]["user"]["id"] == w.bob_id
    invitation = (await w.invite(acme["id"], "carol@example.com", "admin")).json_body()
    assert seen["before_create_invitation"]["invitation"] == {
        "role": "admin", "email": "carol@example.com", "organizationId": acme["id"], "teamIds": [],
        "inviterId": w.alice_id, "teamId": None,
    }
    r = await w.carol.post("/organization/accept-invitation", {"invitationId": invitation["id"]})
    assert seen["after_accept_invitation"]["member"]["id"] == r.json_body()["member"]["id"]
    assert seen["after_accept_invitation"]["invitation"]["status"] == "accepted"


async def test_before_hooks_change_what_is_written(make_world: MakeWorld) -> None:
    answers: dict[str, Any] = {
        "before_create_organization": {"data": {"name": "Renamed", "metadata": {"plan": "pro"}}},
        # the member's organization and user are not the hook's to change
        "before_add_member": lambda **d: {"data": {"role": "admin", "organizationId": "elsewhere", "userId": "x"}}
        if d["member"]["role"] != "owner" else None,
        "before_update_member_role": {"data": {"role": "member"}},
        "before_create_invitation": {"data": {"role": "member", "inviterId": "someone", "status": "accepted"}},
        "before_update_organization": {"data": {"logo": "https://example.com/logo.png"}},
        "before_create_team": {"data": {"name": "Hooked team"}},
        "before_update_team": {"data": {"name": "Hooked update"}},
    }
    calls: list[tuple[str, list[str]]] = []
    w = await make_world(organization_options={"teams": TEAMS, "organization_hooks": recorder(calls, answers)})
    acme = await w.org("acme")
    assert (acme["name"], acme["metadata"]) == ("Renamed", {"plan": "pro"})
    # the default team is made through before_create_team too
    assert [t["name"] for t in await rows(w, "team", organizationId=acme["id"])] == ["Hooked team"]
    added = await w.join(acme["id"], w.bob_id)
    assert (added["organizationId"], added["userId"], added["role"]) == (acme["id"], w.bob_id, "admin")
    r = await w.alice.post("/organization/update-member-role", {"memberId": added["id"], "role": "admin"})
    assert r.json_body()["role"] == "member"
    r = await w.invite(acme["id"], "carol@example.com", "admin")
    assert [r.json_body()[k] for k in ("role", "inviterId", "status")] == ["member", w.alice_id, "pending"]
    r = await w.alice.post("/organization/update", {"data": {"name": "Acme"}})
    assert (r.json_body()["name"], r.json_body()["logo"]) == ("Acme", "https://example.com/logo.png")
    team = (await w.alice.post("/organization/create-team", {"name": "Ops"})).json_body()
    assert (team["name"], team["organizationId"]) == ("Hooked team", acme["id"])
    r = await w.alice.post("/organization/update-team", {"teamId": team["id"], "data": {"name": "X"}})
    assert r.json_body()["name"] == "Hooked update"


async def test_a_hooked_slug_is_still_unique(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"organization_hooks": {
        "before_create_organization": lambda **d: {"data": {"slug": "taken"}},
    }})
    await w.org("taken")
    assert code(await w.alice.post("/organization/create", {"name": "B", "slug": "free"})) == (
        400, "ORGANIZATION_ALREADY_EXISTS")
    assert [o["slug"] for o in await rows(w, "organization")] == ["taken"]


def refuse(**_: Any) -> None:
    raise APIError(403, "REFUSED_BY_HOOK", "No")


@pytest.mark.parametrize("hook", ["before_create_organization", "before_add_member", "before_create_team"])
async def test_a_refusing_before_hook_on_create_writes_nothing(make_world: MakeWorld, hook: str) -> None:
    w = await make_world(organization_options={"teams": TEAMS, "organization_hooks": {hook: refuse}})
    r = await w.alice.post("/organization/create", {"name": "Acme", "slug": "acme"})
    assert code(r) == (403, "REFUSED_BY_HOOK")
    for model in ("organization", "member", "team", "teamMember"):
        assert await rows(w, model) == []
    session = await rows(w, "session", userId=w.alice_id)
    assert session[0]["activeOrganizationId"] is None


async def test_refusing_before_hooks_leave_everything_as_it_was(make_world: MakeWorld) -> None:
    refused: set[str] = set()

    def maybe(name: str) -> Any:
        def hook(**_: Any) -> None:
            if name in refused:
                refuse()
        return hook

    names = ("before_add_member", "before_remove_member", "before_update_member_role", "before_create_invitation",
             "before_accept_invitation", "before_reject_invitation", "before_cancel_invitation",
             "before_update_organization", "before_delete_organization")
    w = await make_world(organization_options={"organization_hooks": {n: maybe(n) for n in names}})
    acme = await w.org("acme")
    refused.update(names)
    with pytest.raises(APIError) as info:
        await w.join(acme["id"], w.bob_id)
    assert info.value.code == "REFUSED_BY_HOOK"
    assert await rows(w, "member", userId=w.bob_id) == []
    refused.clear()
    bob = await w.join(acme["id"], w.bob_id)
    invitation = (await w.invite(acme["id"], "carol@example.com")).json_body()
    refused.update(names)
    assert code(await w.alice.post("/organization/remove-member", {"memberIdOrEmail": bob["id"]}))[1] == "REFUSED_BY_HOOK"
    assert code(await w.alice.post("/organization/update-member-role", {"memberId": bob["id"], "role": "admin"}))[1] == (
        "REFUSED_BY_HOOK")
    assert code(await w.invite(acme["id"], "dave@example.com"))[1] == "REFUSED_BY_HOOK"
    for path, client in (("accept-invitation", w.carol), ("reject-invitation", w.carol),
                         ("cancel-invitation", w.alice)):
        r = await client.post(f"/organization/{path}", {"invitationId": invitation["id"]})
        assert code(r) == (403, "REFUSED_BY_HOOK"), path
    assert code(await w.alice.post("/organization/update", {"data": {"name": "X"}}))[1] == "REFUSED_BY_HOOK"
    assert code(await w.alice.post("/organization/delete", {"organizationId": acme["id"]}))[1] == "REFUSED_BY_HOOK"
    assert sorted((m["role"], m["userId"]) for m in await rows(w, "member", organizationId=acme["id"])) == [
        ("member", w.bob_id), ("owner", w.alice_id)]
    assert [(i["email"], i["status"]) for i in await rows(w, "invitation")] == [("carol@example.com", "pending")]
    assert [o["name"] for o in await rows(w, "organization")] == ["Acme"]


async def test_refusing_team_hooks(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"teams": TEAMS, "organization_hooks": {
        n: refuse for n in ("before_delete_team", "before_add_team_member", "before_remove_team_member",
                            "before_update_team")
    }})
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id)
    (team,) = await rows(w, "team", organizationId=acme["id"])
    assert code(await w.alice.post("/organization/add-team-member", {"teamId": team["id"], "userId": w.bob_id})) == (
        403, "REFUSED_BY_HOOK")
    assert await rows(w, "teamMember", userId=w.bob_id) == []
    r = await w.alice.post("/organization/remove-team-member", {"teamId": team["id"], "userId": w.alice_id})
    assert code(r) == (403, "REFUSED_BY_HOOK")
    assert code(await w.alice.post("/organization/update-team", {"teamId": team["id"], "data": {"name": "N"}}))[1] == (
        "REFUSED_BY_HOOK")
    await w.alice.post("/organization/set-active-team", {"teamId": None})
    assert code(await w.alice.post("/organization/remove-team", {"teamId": team["id"]})) == (403, "REFUSED_BY_HOOK")
    assert [(t["name"], t["memberCount"]) for t in await rows(w, "team")] == [("Acme", 1)]
    assert [m["userId"] for m in await rows(w, "teamMember")] == [w.alice_id]


async def test_a_failing_after_hook_leaves_the_operation_whole(make_world: MakeWorld) -> None:
    """The error is answered (as in Better Auth) but what was committed is complete: an organization with its
    owner, default team and active organization; an accepted invitation with its member."""
    w = await make_world(organization_options={"teams": TEAMS, "organization_hooks": {
        "after_create_organization": refuse, "after_accept_invitation": refuse,
    }})
    assert code(await w.alice.post("/organization/create", {"name": "Acme", "slug": "acme"})) == (403, "REFUSED_BY_HOOK")
    (acme,) = await rows(w, "organization")
    assert [m["role"] for m in await rows(w, "member", organizationId=acme["id"])] == ["owner"]
    (team,) = await rows(w, "team", organizationId=acme["id"])
    assert [m["userId"] for m in await rows(w, "teamMember", teamId=team["id"])] == [w.alice_id]
    session = (await rows(w, "session", userId=w.alice_id))[0]
    assert (session["activeOrganizationId"], session["activeTeamId"]) == (acme["id"], team["id"])
    invitation = (await w.invite(acme["id"], "carol@example.com")).json_body()
    r = await w.carol.post("/organization/accept-invitation", {"invitationId": invitation["id"]})
    assert code(r) == (403, "REFUSED_BY_HOOK")
    assert [i["status"] for i in await rows(w, "invitation")] == ["accepted"]
    assert len(await rows(w, "member", userId=w.carol_id)) == 1


async def test_an_after_hook_sees_what_was_committed_through_auth_api(make_world: MakeWorld) -> None:
    seen: list[Any] = []
    holder: dict[str, World] = {}

    async def after_create_organization(**data: Any) -> None:
        auth = holder["w"].auth
        team = await auth.api.create_team(body={"name": "From hook", "organizationId": data["organization"]["id"]})
        seen.append(team["name"])

    w = await make_world(organization_options={"teams": TEAMS, "organization_hooks": {
        "after_create_organization": after_create_organization}})
    holder["w"] = w
    acme = await w.org("acme")
    assert seen == ["From hook"]
    assert sorted(t["name"] for t in await rows(w, "team", organizationId=acme["id"])) == ["Acme", "From hook"]


async def test_custom_create_default_team(make_world: MakeWorld) -> None:
    holder: dict[str, World] = {}
    got: list[Any] = []

    async def custom(organization: dict[str, Any], ctx: Any) -> dict[str, Any]:
        got.append((organization["slug"], ctx is not None))
        team: dict[str, Any] = await holder["w"].auth.api.create_team(
            body={"name": f"{organization['name']} core", "organizationId": organization["id"]})
        return team

    w = await make_world(organization_options={"teams": {
        "enabled": True, "default_team": {"enabled": True, "custom_create_default_team": custom}}})
    holder["w"] = w
    acme = await w.org("acme")
    assert got == [("acme", True)]
    (team,) = await rows(w, "team", organizationId=acme["id"])
    assert team["name"] == "Acme core"
    assert [m["userId"] for m in await rows(w, "teamMember", teamId=team["id"])] == [w.alice_id]
    session = (await rows(w, "session", userId=w.alice_id))[0]
    assert session["activeTeamId"] == team["id"]


async def test_a_failing_custom_default_team_takes_the_organization_back(make_world: MakeWorld) -> None:
    answer: dict[str, Any] = {}

    def custom(organization: dict[str, Any], ctx: Any) -> dict[str, Any]:
        if not answer:
            raise APIError(400, "NO_TEAM_TODAY", "No team today")
        return answer

    w = await make_world(organization_options={"teams": {
        "enabled": True, "default_team": {"custom_create_default_team": custom}}})
    assert code(await w.alice.post("/organization/create", {"name": "Acme", "slug": "acme"})) == (400, "NO_TEAM_TODAY")
    for model in ("organization", "member", "team", "teamMember"):
        assert await rows(w, model) == []
    assert (await rows(w, "session", userId=w.alice_id))[0]["activeOrganizationId"] is None
    # a team of another organization is not one the new organization may adopt
    beta = await w.auth.context.store.adapter.create("organization", {
        "id": "beta", "name": "Beta", "slug": "beta", "createdAt": w.auth.context.now()})
    team = await w.auth.api.create_team(body={"name": "Beta team", "organizationId": beta["id"]})
    answer.update(team)
    assert code(await w.alice.post("/organization/create", {"name": "Acme", "slug": "acme"})) == (400, "TEAM_NOT_FOUND")
    assert [o["slug"] for o in await rows(w, "organization")] == ["beta"]
    assert await rows(w, "teamMember") == []


async def test_default_team_off_and_bad_options() -> None:
    from tessera.plugins.organization import DefaultTeam, TeamsOptions

    assert TeamsOptions(default_team=False).default == DefaultTeam(enabled=False)
    assert TeamsOptions(default_team={"enabled": False}).default.enabled is False
    with pytest.raises(ConfigError):
        TeamsOptions(default_team={"nope": 1})
    with pytest.raises(ConfigError):
        TeamsOptions(default_team={"custom_create_default_team": "not callable"})
    with pytest.raises(ConfigError):
        organization(organization_hooks={"before_everything": lambda **_: None})
    with pytest.raises(ConfigError):
        OrganizationHooks(after_add_member="nope")  # type: ignore[arg-type]
    for bad in (-1, True, "3"):
        with pytest.raises(ConfigError):
            organization(invitation_limit=bad)
