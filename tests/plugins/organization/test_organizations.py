"""Organization endpoints (create, check-slug, update, delete, list, get, get-full, set-active), on every
database backend: shapes, codes, and what each one changes."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.db.adapter import Where
from tessera.errors import ConfigError
from tessera.plugins.organization import OrganizationPlugin, organization
from tests._helpers import Client
from tests.plugins.organization.conftest import MakeWorld, code


async def test_create_makes_the_creator_owner_and_the_organization_active(make_world: MakeWorld) -> None:
    w = await make_world()
    r = await w.alice.post("/organization/create", {
        "name": "Acme", "slug": "acme", "logo": "https://acme.test/l.png", "metadata": {"plan": "pro"},
    })
    assert r.status == 200, r.body
    org = r.json_body()
    assert list(org) == ["name", "slug", "logo", "createdAt", "metadata", "id", "members"]
    assert (org["name"], org["slug"], org["logo"], org["metadata"]) == ("Acme", "acme", "https://acme.test/l.png",
                                                                        {"plan": "pro"})
    [member] = org["members"]
    assert (member["userId"], member["role"], member["organizationId"]) == (w.alice_id, "owner", org["id"])
    session = (await w.alice.get("/get-session")).json_body()["session"]
    assert session["activeOrganizationId"] == org["id"]

    kept = await w.alice.post("/organization/create", {"name": "B", "slug": "b", "keepCurrentActiveOrganization": True})
    assert kept.status == 200
    assert (await w.alice.get("/get-session")).json_body()["session"]["activeOrganizationId"] == org["id"]

    listed = (await w.alice.get("/organization/list")).json_body()
    assert sorted(o["slug"] for o in listed) == ["acme", "b"]
    assert next(o for o in listed if o["slug"] == "acme")["metadata"] == '{"plan":"pro"}'  # as stored, like BA
    assert (await w.bob.get("/organization/list")).json_body() == []


async def test_create_refusals(make_world: MakeWorld) -> None:
    w = await make_world()
    await w.org("acme")
    assert code(await w.bob.post("/organization/create", {"name": "A", "slug": "acme"})) == (
        400, "ORGANIZATION_ALREADY_EXISTS")
    assert (await Client(w.auth).post("/organization/create", {"name": "A", "slug": "x"})).status == 401
    # a client cannot create in someone else's name: ``userId`` is ignored when signed in
    r = await w.bob.post("/organization/create", {"name": "X", "slug": "x", "userId": w.carol_id})
    assert r.json_body()["members"][0]["userId"] == w.bob_id
    # an anonymous HTTP caller naming a user is still anonymous
    anon = await Client(w.auth).post("/organization/create", {"name": "Y", "slug": "y", "userId": w.carol_id})
    assert anon.status == 401
    bad = await w.alice.post("/organization/create", {"name": "", "slug": "s"})
    assert code(bad) == (400, "VALIDATION_ERROR") and "[body.name]" in bad.json_body()["message"]
    assert code(await w.alice.post("/organization/create", {"name": "N"})) == (400, "VALIDATION_ERROR")
    assert code(await w.alice.post("/organization/create", {"name": "N", "slug": "n", "metadata": "x"})) == (
        400, "VALIDATION_ERROR")


async def test_server_call_creates_for_a_named_user(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"allow_user_to_create_organization": False})
    org = await w.auth.api.create_organization(body={"name": "S", "slug": "s", "userId": w.bob_id})
    assert org["members"][0]["userId"] == w.bob_id
    assert code(await w.alice.post("/organization/create", {"name": "A", "slug": "a"})) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_ORGANIZATION")


async def test_organization_limit_and_predicate(make_memory_world: MakeWorld) -> None:
    w = await make_memory_world(organization_options={"organization_limit": 1})
    await w.org("one")
    assert code(await w.alice.post("/organization/create", {"name": "T", "slug": "two"})) == (
        403, "YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_ORGANIZATIONS")

    async def only_alice(user: dict[str, Any]) -> bool:
        return bool(user["email"] == "alice@example.com")

    w = await make_memory_world(organization_options={"allow_user_to_create_organization": only_alice})
    await w.org("ok")
    assert code(await w.bob.post("/organization/create", {"name": "N", "slug": "no"}))[0] == 403


async def test_check_slug(make_world: MakeWorld) -> None:
    w = await make_world()
    await w.org("acme")
    assert (await w.bob.post("/organization/check-slug", {"slug": "free"})).json_body() == {"status": True}
    assert code(await w.bob.post("/organization/check-slug", {"slug": "acme"})) == (
        400, "ORGANIZATION_SLUG_ALREADY_TAKEN")
    assert code(await Client(w.auth).post("/organization/check-slug", {"slug": "x"})) == (401, "UNAUTHORIZED")


@pytest.mark.parametrize("field", ["name", "slug"])
async def test_update_to_a_null_name_or_slug_is_refused_and_changes_nothing(make_world: MakeWorld, field: str) -> None:
    w = await make_world()
    acme = await w.org("acme")
    r = await w.alice.post("/organization/update", {"organizationId": acme["id"], "data": {field: None}})
    assert (r.status, r.json_body()) == (400, {
        "message": f"[body.data.{field}] Invalid input: expected string, received null", "code": "VALIDATION_ERROR",
    })
    row = await w.auth.adapter.find_one("organization", [Where("id", acme["id"])])
    assert row is not None and (row["name"], row["slug"]) == ("Acme", "acme")


async def test_update_needs_the_permission_and_a_free_slug(make_world: MakeWorld) -> None:
    w = await make_world()
    acme = await w.org("acme")
    await w.org("other", by=w.bob)
    await w.join(acme["id"], w.bob_id, "member")
    await w.join(acme["id"], w.carol_id, "admin")
    r = await w.carol.post("/organization/update", {"organizationId": acme["id"],
                                                    "data": {"name": "Acme Inc", "metadata": {"a": 1}}})
    assert r.status == 200, r.body
    assert (r.json_body()["name"], r.json_body()["metadata"], r.json_body()["slug"]) == ("Acme Inc", {"a": 1}, "acme")
    assert code(await w.bob.post("/organization/update", {"organizationId": acme["id"], "data": {"name": "X"}})) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION")
    assert code(await w.alice.post("/organization/update", {"data": {"slug": "other"}})) == (
        400, "ORGANIZATION_SLUG_ALREADY_TAKEN")
    # the active organization is the default
    renamed = await w.alice.post("/organization/update", {"data": {"slug": "acme-inc"}})
    assert renamed.json_body()["slug"] == "acme-inc"
    outsider = await Client(w.auth).sign_up("dave@example.com", "correct-horse-battery", "Dave")
    assert outsider.status == 200
    anon = await Client(w.auth).post("/organization/update", {"organizationId": acme["id"], "data": {"name": "Z"}})
    assert (anon.status, anon.json_body()["message"]) == (401, "User not found")
    assert code(await w.alice.post("/organization/update", {"organizationId": acme["id"], "data": {"name": ""}}))[
        0] == 400


async def test_delete_removes_members_and_invitations(make_world: MakeWorld) -> None:
    w = await make_world()
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id, "admin")
    assert (await w.invite(acme["id"], "dave@example.com")).status == 200
    assert code(await w.bob.post("/organization/delete", {"organizationId": acme["id"]})) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION")
    assert code(await w.carol.post("/organization/delete", {"organizationId": acme["id"]})) == (
        400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    r = await w.alice.post("/organization/delete", {"organizationId": acme["id"]})
    assert r.status == 200 and r.json_body()["id"] == acme["id"]
    adapter = w.auth.adapter
    assert await adapter.count("member", [Where("organizationId", acme["id"])]) == 0
    assert await adapter.count("invitation", [Where("organizationId", acme["id"])]) == 0
    assert await adapter.count("organization") == 0
    assert (await w.alice.get("/get-session")).json_body()["session"]["activeOrganizationId"] is None


async def test_delete_can_be_disabled(make_memory_world: MakeWorld) -> None:
    w = await make_memory_world(organization_options={"disable_organization_deletion": True})
    acme = await w.org("acme")
    assert code(await w.alice.post("/organization/delete", {"organizationId": acme["id"]})) == (
        404, "ORGANIZATION_DELETION_DISABLED")


async def test_get_full_organization_and_set_active(make_world: MakeWorld) -> None:
    w = await make_world()
    acme = await w.org("acme")
    beta = await w.org("beta", by=w.bob)
    await w.join(acme["id"], w.bob_id, "member")
    assert (await w.invite(acme["id"], "dave@example.com")).status == 200

    full = (await w.alice.get("/organization/get-full-organization")).json_body()
    assert full["id"] == acme["id"] and list(full)[-2:] == ["invitations", "members"]
    assert sorted(m["user"]["email"] for m in full["members"]) == ["alice@example.com", "bob@example.com"]
    assert set(full["members"][0]["user"]) == {"id", "name", "email", "image"}
    assert [i["email"] for i in full["invitations"]] == ["dave@example.com"]
    by_slug = (await w.alice.get("/organization/get-full-organization", query="organizationSlug=acme")).json_body()
    assert by_slug["id"] == acme["id"]
    limited = await w.alice.get("/organization/get-full-organization", query=f"organizationId={acme['id']}&membersLimit=1")
    assert len(limited.json_body()["members"]) == 1

    # a plain member sees no invitation ids (they are invitation links)
    as_member = await w.bob.get("/organization/get-full-organization", query=f"organizationId={acme['id']}")
    assert as_member.json_body()["invitations"] == []
    # not a member: 403, and the active organization is dropped
    assert code(await w.carol.get("/organization/get-full-organization", query=f"organizationId={acme['id']}")) == (
        403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    assert code(await w.alice.get("/organization/get-full-organization", query="organizationId=nope")) == (
        400, "ORGANIZATION_NOT_FOUND")
    assert (await w.carol.get("/organization/get-full-organization")).json_body() is None

    r = await w.bob.post("/organization/set-active", {"organizationId": acme["id"]})
    assert r.status == 200 and r.json_body()["id"] == acme["id"]
    assert (await w.bob.get("/get-session")).json_body()["session"]["activeOrganizationId"] == acme["id"]
    r = await w.bob.post("/organization/set-active", {"organizationSlug": "beta"})
    assert r.json_body()["id"] == beta["id"]
    assert code(await w.carol.post("/organization/set-active", {"organizationId": acme["id"]})) == (
        403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    assert code(await w.carol.post("/organization/set-active", {"organizationSlug": "nope"})) == (
        400, "ORGANIZATION_NOT_FOUND")
    unset = await w.bob.post("/organization/set-active", {"organizationId": None})
    assert unset.status == 200 and unset.json_body() is None
    assert (await w.bob.get("/get-session")).json_body()["session"]["activeOrganizationId"] is None

    got = await w.alice.get("/organization/get-organization", query=f"organizationId={acme['id']}")
    assert got.json_body()["slug"] == "acme"
    assert (await Client(w.auth).get("/organization/list")).status == 401


async def test_set_active_refreshes_the_cookie_cache(make_memory_world: MakeWorld) -> None:
    w = await make_memory_world(session={"cookie_cache": {"enabled": True, "max_age": 300}})
    acme = await w.org("acme", keepCurrentActiveOrganization=True)
    assert (await w.alice.get("/get-session")).json_body()["session"]["activeOrganizationId"] is None
    await w.alice.post("/organization/set-active", {"organizationId": acme["id"]})
    assert (await w.alice.get("/get-session")).json_body()["session"]["activeOrganizationId"] == acme["id"]
    await w.org("beta")  # create makes it active: the cached session follows
    active = (await w.alice.get("/get-session")).json_body()["session"]["activeOrganizationId"]
    assert active != acme["id"]


def test_options_are_checked_at_build_time() -> None:
    with pytest.raises(ConfigError):
        organization(not_an_option=1)
    with pytest.raises(ConfigError):
        organization(creator_role="boss")  # not a configured role
    with pytest.raises(ConfigError):
        organization(invitation_expires_in=0)
    with pytest.raises(ConfigError):
        organization(roles={"x": "not a role"})  # type: ignore[dict-item]
    plugin = organization(organization_limit=3)
    assert isinstance(plugin, OrganizationPlugin) and plugin.options.organization_limit == 3
