"""Differential cases with the ``organization`` plugin on both servers (Better Auth's ``organization()``,
tessera's ``organization()``): status codes, error codes and JSON shapes of the core endpoints, through one
create → invite → accept → manage flow and the refusals around it; teams; and dynamic access control
(stored roles: create, read, assign, update, delete, and the refusals around them)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import Pair, Side, plugin_pair


@contextlib.contextmanager
def with_bob_and_carol(tmp: pytest.TempPathFactory, reference: Path, postgres: str, plugins: str) -> Iterator[Pair]:
    """Both servers with ``plugins``, Alice, Bob and Carol signed up on each."""
    with plugin_pair(tmp, reference, postgres, plugins) as (p, _):
        for label, name in (("bob", "Bob"), ("carol", "Carol")):
            email = p.email(label)
            p.each(lambda s, email=email, label=label, name=name: s.jars.__setitem__(label, s.sign_up(email, name)))
        yield p


@pytest.fixture(scope="session")
def org_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with with_bob_and_carol(tmp_path_factory, reference_node, postgres_admin_url, "organization") as p:
        yield p


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    """A POST as the browser sends it (with its ``Origin``)."""
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def test_create_read_update(org_pair: Pair) -> None:
    slug = f"acme-{org_pair.run_id}"

    def scenario(s: Side) -> list[httpx.Response]:
        alice = s.jars["alice"]
        created = post(s, "/organization/create", {"name": "Acme", "slug": slug, "metadata": {"plan": "pro"}}, alice)
        assert created.status_code == 200, created.text
        org_id = created.json()["id"]
        return [
            created,
            post(s, "/organization/create", {"name": "Acme", "slug": slug}, alice),
            post(s, "/organization/create", {"name": "", "slug": "x"}, alice),
            post(s, "/organization/create", {"name": "N", "slug": "n"}),
            post(s, "/organization/check-slug", {"slug": slug}, alice),
            post(s, "/organization/check-slug", {"slug": slug + "-free"}, alice),
            s.get("/organization/list", jar=alice),
            s.get("/organization/get-full-organization", jar=alice),
            s.get("/organization/get-full-organization", params={"organizationSlug": slug}, jar=alice),
            s.get("/organization/get-full-organization", params={"organizationId": "nope"}, jar=alice),
            s.get("/organization/get-active-member", jar=alice),
            s.get("/organization/get-active-member-role", jar=alice),
            post(s, "/organization/update", {"data": {"name": "Acme Inc", "metadata": {"plan": "team"}}}, alice),
            post(s, "/organization/update", {"organizationId": org_id, "data": {"name": "X"}}, s.jars["bob"]),
            post(s, "/organization/has-permission", {"permissions": {"organization": ["delete"]}}, alice),
            post(s, "/organization/has-permission", {"permissions": {"organization": ["delete"]},
                                                     "organizationId": org_id}, s.jars["bob"]),
            post(s, "/organization/set-active", {"organizationSlug": slug}, alice),
            post(s, "/organization/set-active", {"organizationId": org_id}, s.jars["bob"]),
            post(s, "/organization/set-active", {"organizationId": None}, alice),
            s.get("/organization/get-full-organization", jar=alice),
            s.get("/organization/list"),
        ]

    org_pair.check("organization: create, read, update", scenario)


def test_invite_accept_and_manage_members(org_pair: Pair) -> None:
    slug = f"beta-{org_pair.run_id}"
    bob_email, carol_email = org_pair.email("bob"), org_pair.email("carol")

    def scenario(s: Side) -> list[httpx.Response]:
        alice, bob, carol = s.jars["alice"], s.jars["bob"], s.jars["carol"]
        org_id = post(s, "/organization/create", {"name": "Beta", "slug": slug}, alice).json()["id"]
        invited = post(s, "/organization/invite-member", {"email": bob_email, "role": "admin"}, alice)
        assert invited.status_code == 200, invited.text
        invitation_id = invited.json()["id"]
        out = [
            invited,
            post(s, "/organization/invite-member", {"email": bob_email, "role": "admin"}, alice),
            post(s, "/organization/invite-member", {"email": "not-an-email", "role": "member"}, alice),
            post(s, "/organization/invite-member", {"email": carol_email, "role": "wizard"}, alice),
            post(s, "/organization/invite-member", {"email": carol_email}, alice),
            post(s, "/organization/invite-member", {"email": carol_email, "role": "member",
                                                    "organizationId": org_id}, bob),
            s.get("/organization/list-invitations", params={"organizationId": org_id}, jar=alice),
            s.get("/organization/list-invitations", params={"organizationId": org_id}, jar=carol),
            s.get("/organization/get-invitation", params={"id": invitation_id}, jar=bob),
            s.get("/organization/get-invitation", params={"id": invitation_id}, jar=carol),
            s.get("/organization/list-user-invitations", jar=bob),
            post(s, "/organization/accept-invitation", {"invitationId": invitation_id}, carol),
            post(s, "/organization/accept-invitation", {"invitationId": invitation_id}, bob),
            post(s, "/organization/accept-invitation", {"invitationId": invitation_id}, bob),
            s.get("/organization/get-active-member", jar=bob),
            s.get("/organization/list-members", params={"organizationId": org_id}, jar=bob),
        ]
        carol_invite = post(s, "/organization/invite-member", {"email": carol_email, "role": "member"}, bob)
        out += [
            carol_invite,
            post(s, "/organization/reject-invitation", {"invitationId": carol_invite.json()["id"]}, carol),
            post(s, "/organization/reject-invitation", {"invitationId": carol_invite.json()["id"]}, carol),
        ]
        dave_invite = post(s, "/organization/invite-member", {"email": "dave@example.com", "role": "member"}, bob)
        members = s.get("/organization/list-members", params={"organizationId": org_id}, jar=alice).json()["members"]
        bob_member = next(m for m in members if m["user"]["email"] == bob_email)
        owner = next(m for m in members if m["role"] == "owner")
        out += [
            dave_invite,
            post(s, "/organization/cancel-invitation", {"invitationId": dave_invite.json()["id"]}, carol),
            post(s, "/organization/cancel-invitation", {"invitationId": dave_invite.json()["id"]}, bob),
            post(s, "/organization/update-member-role", {"memberId": owner["id"], "role": "member"}, bob),
            post(s, "/organization/update-member-role", {"memberId": bob_member["id"], "role": "wizard"}, alice),
            post(s, "/organization/update-member-role", {"memberId": bob_member["id"], "role": "member"}, alice),
            post(s, "/organization/remove-member", {"memberIdOrEmail": owner["id"]}, bob),
            post(s, "/organization/leave", {"organizationId": org_id}, alice),
            post(s, "/organization/remove-member", {"memberIdOrEmail": bob_email, "organizationId": org_id}, alice),
            post(s, "/organization/remove-member", {"memberIdOrEmail": "nobody", "organizationId": org_id}, alice),
            post(s, "/organization/delete", {"organizationId": org_id}, bob),
            post(s, "/organization/delete", {"organizationId": org_id}, alice),
        ]
        return out

    org_pair.check("organization: invitations and members", scenario)


@pytest.fixture(scope="session")
def teams_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "organizationTeams") as (p, _):
        email = p.email("bob")
        p.each(lambda s: s.jars.__setitem__("bob", s.sign_up(email, "Bob")))
        yield p


def test_teams(teams_pair: Pair) -> None:
    slug = f"teams-{teams_pair.run_id}"
    bob_email = teams_pair.email("bob")

    def scenario(s: Side) -> list[httpx.Response]:
        alice, bob = s.jars["alice"], s.jars["bob"]
        created = post(s, "/organization/create", {"name": "Teams", "slug": slug}, alice)
        org_id = created.json()["id"]
        listed = s.get("/organization/list-teams", jar=alice)
        default_id = listed.json()[0]["id"]
        ops = post(s, "/organization/create-team", {"name": "Ops"}, alice)
        invited = post(s, "/organization/invite-member", {"email": bob_email, "role": "member",
                                                          "teamId": ops.json()["id"]}, alice)
        return [
            created,
            listed,
            ops,
            post(s, "/organization/create-team", {"name": "X", "organizationId": org_id}, bob),
            post(s, "/organization/update-team", {"teamId": ops.json()["id"], "data": {"name": "Operations"}}, alice),
            invited,
            post(s, "/organization/invite-member", {"email": "x@example.com", "role": "member", "teamId": "nope"},
                 alice),
            post(s, "/organization/accept-invitation", {"invitationId": invited.json()["id"]}, bob),
            s.get("/get-session", jar=bob),
            s.get("/organization/list-team-members", jar=bob),
            s.get("/organization/list-user-teams", jar=bob),
            post(s, "/organization/set-active-team", {"teamId": default_id}, bob),
            post(s, "/organization/add-team-member", {"teamId": default_id, "userId": "nobody"}, alice),
            post(s, "/organization/remove-team", {"teamId": default_id}, alice),
            post(s, "/organization/remove-team", {"teamId": ops.json()["id"]}, alice),
            post(s, "/organization/remove-team", {"teamId": "nope"}, alice),
            s.get("/organization/get-full-organization", jar=alice),
        ]

    teams_pair.check("organization: teams", scenario)


@pytest.fixture(scope="session")
def dac_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with with_bob_and_carol(tmp_path_factory, reference_node, postgres_admin_url, "organizationDac") as p:
        yield p


def test_dynamic_access_control(dac_pair: Pair) -> None:
    slug = f"dac-{dac_pair.run_id}"
    bob_email = dac_pair.email("bob")

    def scenario(s: Side) -> list[httpx.Response]:
        alice, bob, carol = s.jars["alice"], s.jars["bob"], s.jars["carol"]
        org_id = post(s, "/organization/create", {"name": "Dac", "slug": slug}, alice).json()["id"]
        created = post(s, "/organization/create-role", {"role": "Sales", "permission": {"project": ["read"]}}, alice)
        assert created.status_code == 200, created.text
        role_id = created.json()["roleData"]["id"]
        invited = post(s, "/organization/invite-member", {"email": bob_email, "role": "sales"}, alice)
        accepted = post(s, "/organization/accept-invitation", {"invitationId": invited.json()["id"]}, bob)
        bob_member = accepted.json()["member"]
        carol_email = dac_pair.email("carol")
        carol_invite = post(s, "/organization/invite-member", {"email": carol_email, "role": "admin"}, alice)
        post(s, "/organization/accept-invitation", {"invitationId": carol_invite.json()["id"]}, carol)
        out = [
            created,
            post(s, "/organization/create-role", {"role": "sales", "permission": {}}, alice),
            post(s, "/organization/create-role", {"role": "admin", "permission": {}}, alice),
            post(s, "/organization/create-role", {"role": "x", "permission": {"payroll": ["read"]}}, alice),
            post(s, "/organization/create-role", {"role": "x", "permission": {"member": "update"}}, alice),
            post(s, "/organization/create-role", {"role": "x"}, alice),
            post(s, "/organization/create-role", {"role": "x", "permission": {"member": [1]}}, alice),
            post(s, "/organization/create-role", {"role": "x", "permission": {}}, bob),
            post(s, "/organization/create-role", {"role": "x", "permission": {}, "organizationId": "nope"}, alice),
            post(s, "/organization/create-role", {"role": "x", "permission": {}}),
            post(s, "/organization/create-role", {"role": "x", "permission": {
                "organization": ["update", "delete"], "project": ["read"]}, "organizationId": org_id}, carol),
            s.get("/organization/list-roles", jar=alice),
            s.get("/organization/get-role", params={"roleName": "sales"}, jar=alice),
            s.get("/organization/get-role", params={"roleId": role_id}, jar=alice),
            s.get("/organization/get-role", params={"roleName": "nope"}, jar=alice),
            s.get("/organization/get-role", jar=alice),
            invited,
            accepted,
            post(s, "/organization/has-permission", {"permissions": {"project": ["read"]}, "organizationId": org_id},
                 bob),
            post(s, "/organization/has-permission", {"permissions": {"project": ["delete"]}, "organizationId": org_id},
                 bob),
            post(s, "/organization/create-role", {"role": "y", "permission": {}, "organizationId": org_id}, bob),
            s.get("/organization/list-roles", params={"organizationId": org_id}, jar=bob),
            post(s, "/organization/update-role",
                 {"roleName": "sales", "data": {"permission": {"project": ["read", "delete"]}}}, alice),
            post(s, "/organization/has-permission", {"permissions": {"project": ["delete"]}, "organizationId": org_id},
                 bob),
            post(s, "/organization/update-role", {"roleId": "nope", "data": {}}, alice),
            post(s, "/organization/update-role", {"roleName": "sales"}, alice),
            post(s, "/organization/delete-role", {"roleName": "sales"}, alice),
            post(s, "/organization/delete-role", {"roleName": "owner"}, alice),
            post(s, "/organization/delete-role", {}, alice),
            post(s, "/organization/delete-role", {"roleName": ""}, alice),
            post(s, "/organization/update-role", {"roleName": "sales", "data": {"roleName": 3}}, alice),
            post(s, "/organization/update-role", {"roleName": "sales", "data": {
                "permission": {"organization": ["delete"]}}, "organizationId": org_id}, carol),
            post(s, "/organization/update-member-role", {"memberId": bob_member["id"], "role": "ghost"}, alice),
            post(s, "/organization/update-member-role", {"memberId": bob_member["id"], "role": "member"}, alice),
            post(s, "/organization/create-role", {"role": "b", "permission": {}}, alice),
            post(s, "/organization/create-role", {"role": "c", "permission": {}}, alice),
            post(s, "/organization/create-role", {"role": "d", "permission": {}}, alice),
            post(s, "/organization/delete-role", {"roleId": role_id}, alice),
            post(s, "/organization/delete-role", {"roleId": role_id}, alice),
        ]
        return out

    dac_pair.check("organization: dynamic access control", scenario)
