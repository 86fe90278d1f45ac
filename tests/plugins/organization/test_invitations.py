"""Invitation lifecycle on every database backend: invite, get, list, accept, reject, cancel, resend,
and the rules around who may act on an invitation."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from tessera.db.adapter import Where
from tests._helpers import Client
from tests.plugins.organization.conftest import PASSWORD, MakeWorld, World, code

INVITATION_KEYS = ["organizationId", "email", "role", "status", "expiresAt", "createdAt", "inviterId", "id"]


async def dave(w: World, verified: bool = False) -> tuple[Client, str]:
    client = Client(w.auth)
    r = await client.sign_up("dave@example.com", PASSWORD, "Dave")
    user_id: str = r.json_body()["user"]["id"]
    if verified:
        await w.auth.context.store.update_user(user_id, {"emailVerified": True})
    return client, user_id


async def test_invite_get_accept(make_world: MakeWorld) -> None:
    sent: list[dict[str, Any]] = []

    async def send_invitation_email(data: dict[str, Any], request: Any) -> None:
        sent.append(data)

    w = await make_world(organization_options={"send_invitation_email": send_invitation_email})
    acme = await w.org("acme")
    r = await w.invite(acme["id"], "Dave@Example.com", "admin")
    assert r.status == 200, r.body
    invitation = r.json_body()
    assert list(invitation) == INVITATION_KEYS
    assert (invitation["email"], invitation["role"], invitation["status"], invitation["inviterId"]) == (
        "dave@example.com", "admin", "pending", w.alice_id)
    assert [(m["id"], m["email"], m["inviter"]["user"]["id"], m["organization"]["slug"]) for m in sent] == [
        (invitation["id"], "dave@example.com", w.alice_id, "acme")]

    client, dave_id = await dave(w)
    got = await client.get("/organization/get-invitation", query=f"id={invitation['id']}")
    assert got.status == 200, got.body
    assert {k: got.json_body()[k] for k in ("organizationName", "organizationSlug", "inviterEmail")} == {
        "organizationName": "Acme", "organizationSlug": "acme", "inviterEmail": "alice@example.com"}
    mine = (await client.get("/organization/list-user-invitations")).json_body()
    assert mine == {"code": "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION", "message": mine["message"]}
    await w.auth.context.store.update_user(dave_id, {"emailVerified": True})
    mine = (await client.get("/organization/list-user-invitations")).json_body()
    assert [(i["id"], i["organizationName"]) for i in mine] == [(invitation["id"], "Acme")]

    accepted = await client.post("/organization/accept-invitation", {"invitationId": invitation["id"]})
    assert accepted.status == 200, accepted.body
    body = accepted.json_body()
    assert body["invitation"]["status"] == "accepted"
    assert (body["member"]["userId"], body["member"]["role"], body["member"]["organizationId"]) == (
        dave_id, "admin", acme["id"])
    assert (await client.get("/get-session")).json_body()["session"]["activeOrganizationId"] == acme["id"]
    again = await client.post("/organization/accept-invitation", {"invitationId": invitation["id"]})
    assert code(again) == (400, "INVITATION_NOT_FOUND")
    assert await w.auth.adapter.count("member", [Where("organizationId", acme["id"])]) == 2
    assert (await client.get("/organization/list-user-invitations")).json_body() == []


async def test_only_the_recipient_may_act_on_an_invitation(make_world: MakeWorld) -> None:
    w = await make_world()
    acme = await w.org("acme")
    invitation = (await w.invite(acme["id"], "dave@example.com")).json_body()
    for path in ("/organization/accept-invitation", "/organization/reject-invitation"):
        r = await w.bob.post(path, {"invitationId": invitation["id"]})
        assert code(r) == (403, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION")
    r = await w.bob.get("/organization/get-invitation", query=f"id={invitation['id']}")
    assert code(r) == (403, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION")
    anon = await Client(w.auth).get("/organization/get-invitation", query=f"id={invitation['id']}")
    assert (anon.status, anon.json_body()["message"]) == (401, "Not authenticated")
    assert (await Client(w.auth).post("/organization/accept-invitation", {"invitationId": "x"})).status == 401
    # and no one may list another address's invitations over HTTP
    r = await w.bob.get("/organization/list-user-invitations", query="email=dave@example.com")
    assert r.status == 400
    listed = await w.auth.api.list_user_invitations(query={"email": "dave@example.com"})
    assert [i["id"] for i in listed] == [invitation["id"]]
    row = await w.auth.adapter.find_one("invitation", [Where("id", invitation["id"])])
    assert row is not None and row["status"] == "pending"


async def test_verified_email_can_be_required(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"require_email_verification_on_invitation": True})
    acme = await w.org("acme")
    invitation = (await w.invite(acme["id"], "dave@example.com")).json_body()
    client, dave_id = await dave(w)
    r = await client.post("/organization/accept-invitation", {"invitationId": invitation["id"]})
    assert code(r) == (403, "EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION")
    r = await client.get("/organization/get-invitation", query=f"id={invitation['id']}")
    assert code(r) == (403, "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION")
    await w.auth.context.store.update_user(dave_id, {"emailVerified": True})
    assert (await client.post("/organization/accept-invitation", {"invitationId": invitation["id"]})).status == 200


async def test_expired_invitations_are_refused(make_world: MakeWorld) -> None:
    w = await make_world()
    acme = await w.org("acme")
    invitation = (await w.invite(acme["id"], "dave@example.com")).json_body()
    past = w.auth.context.store.clock() - timedelta(minutes=1)
    await w.auth.adapter.update("invitation", [Where("id", invitation["id"])], {"expiresAt": past})
    client, _ = await dave(w, verified=True)
    assert code(await client.post("/organization/accept-invitation", {"invitationId": invitation["id"]})) == (
        400, "INVITATION_NOT_FOUND")
    assert code(await client.get("/organization/get-invitation", query=f"id={invitation['id']}")) == (
        400, "INVITATION_NOT_FOUND")
    assert (await client.get("/organization/list-user-invitations")).json_body() == []
    # an expired invitation does not block a new one
    assert (await w.invite(acme["id"], "dave@example.com")).status == 200


async def test_reject_and_cancel(make_world: MakeWorld) -> None:
    w = await make_world()
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id, "member")
    first = (await w.invite(acme["id"], "dave@example.com")).json_body()
    client, _ = await dave(w)
    r = await client.post("/organization/reject-invitation", {"invitationId": first["id"]})
    assert r.status == 200 and r.json_body()["invitation"]["status"] == "rejected" and r.json_body()["member"] is None
    r = await client.post("/organization/reject-invitation", {"invitationId": first["id"]})
    assert (code(r), r.json_body()["message"]) == ((400, "INVITATION_NOT_FOUND"), "Invitation not found!")
    assert code(await client.post("/organization/accept-invitation", {"invitationId": first["id"]})) == (
        400, "INVITATION_NOT_FOUND")

    second = (await w.invite(acme["id"], "erin@example.com")).json_body()
    assert code(await w.bob.post("/organization/cancel-invitation", {"invitationId": second["id"]})) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION")
    assert code(await w.carol.post("/organization/cancel-invitation", {"invitationId": second["id"]})) == (
        400, "MEMBER_NOT_FOUND")
    r = await w.alice.post("/organization/cancel-invitation", {"invitationId": second["id"]})
    assert r.status == 200 and r.json_body()["status"] == "canceled"
    assert code(await w.alice.post("/organization/cancel-invitation", {"invitationId": "nope"})) == (
        400, "INVITATION_NOT_FOUND")


async def test_invite_refusals(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"invitation_limit": 2})
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id, "member")
    await w.join(acme["id"], w.carol_id, "admin")
    assert code(await w.invite(acme["id"], "x@example.com", by=w.bob)) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION")
    assert code(await w.invite(acme["id"], "x@example.com", "owner", by=w.carol)) == (
        403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE")
    assert code(await w.invite(acme["id"], "bob@example.com")) == (400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION")
    assert code(await w.invite(acme["id"], "not an email")) == (400, "INVALID_EMAIL")
    assert code(await w.invite(acme["id"], "x@example.com", "wizard")) == (400, "ROLE_NOT_FOUND")
    assert code(await w.invite(acme["id"], "x@example.com", "")) == (400, "ROLE_NOT_FOUND")
    dave_client, _ = await dave(w)
    assert code(await w.invite(acme["id"], "x@example.com", by=dave_client)) == (400, "MEMBER_NOT_FOUND")
    assert (await w.invite(acme["id"], "x@example.com")).status == 200
    assert code(await w.invite(acme["id"], "x@example.com")) == (400, "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION")
    assert (await w.invite(acme["id"], "y@example.com")).status == 200
    assert code(await w.invite(acme["id"], "z@example.com")) == (403, "INVITATION_LIMIT_REACHED")
    bad = await w.alice.post("/organization/invite-member", {"email": "q@example.com"})
    assert code(bad) == (400, "VALIDATION_ERROR")


async def test_resend_and_cancel_on_re_invite(make_memory_world: MakeWorld) -> None:
    w = await make_memory_world()
    acme = await w.org("acme")
    first = (await w.invite(acme["id"], "dave@example.com")).json_body()
    r = await w.alice.post("/organization/invite-member", {"email": "dave@example.com", "role": "member",
                                                          "organizationId": acme["id"], "resend": True})
    assert r.status == 200 and r.json_body()["id"] == first["id"]
    assert r.json_body()["expiresAt"] >= first["expiresAt"]

    w = await make_memory_world(organization_options={"cancel_pending_invitations_on_re_invite": True})
    acme = await w.org("acme")
    first = (await w.invite(acme["id"], "dave@example.com")).json_body()
    second = (await w.invite(acme["id"], "dave@example.com")).json_body()
    assert second["id"] != first["id"]
    old = await w.auth.adapter.find_one("invitation", [Where("id", first["id"])])
    assert old is not None and old["status"] == "canceled"


async def test_list_invitations_shows_ids_only_to_inviters(make_world: MakeWorld) -> None:
    w = await make_world()
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id, "member")
    await w.join(acme["id"], w.carol_id, "admin")
    await w.invite(acme["id"], "dave@example.com", "member")
    await w.invite(acme["id"], "erin@example.com", "owner")
    everything = await w.alice.get("/organization/list-invitations", query=f"organizationId={acme['id']}")
    assert sorted(i["email"] for i in everything.json_body()) == ["dave@example.com", "erin@example.com"]
    # an admin does not see (and so cannot hand out) the owner invitation
    for_admin = await w.carol.get("/organization/list-invitations", query=f"organizationId={acme['id']}")
    assert [i["email"] for i in for_admin.json_body()] == ["dave@example.com"]
    for_member = await w.bob.get("/organization/list-invitations", query=f"organizationId={acme['id']}")
    assert code(for_member) == (403, "YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS")
    dave_client, _ = await dave(w)
    outsider = await dave_client.get("/organization/list-invitations", query=f"organizationId={acme['id']}")
    assert (outsider.status, outsider.json_body()["message"]) == (403, "You are not a member of this organization")
    none = await dave_client.get("/organization/list-invitations")
    assert (none.status, none.json_body()["message"]) == (400, "Organization ID is required")


async def test_accept_respects_the_membership_limit_and_concurrency(make_world: MakeWorld) -> None:
    w = await make_world(organization_options={"membership_limit": 2})
    acme = await w.org("acme")
    invitation = (await w.invite(acme["id"], "dave@example.com")).json_body()
    client, _ = await dave(w)
    results = await asyncio.gather(*(
        client.post("/organization/accept-invitation", {"invitationId": invitation["id"]}) for _ in range(3)
    ))
    assert sorted(r.status for r in results) == [200, 400, 400]
    assert await w.auth.adapter.count("member", [Where("organizationId", acme["id"])]) == 2
    bob_invite = (await w.invite(acme["id"], "bob@example.com")).json_body()
    r = await w.bob.post("/organization/accept-invitation", {"invitationId": bob_invite["id"]})
    assert code(r) == (403, "ORGANIZATION_MEMBERSHIP_LIMIT_REACHED")
    row = await w.auth.adapter.find_one("invitation", [Where("id", bob_invite["id"])])
    assert row is not None and row["status"] == "pending"  # the failed accept changed nothing


async def test_has_permission(make_world: MakeWorld) -> None:
    w = await make_world()
    acme = await w.org("acme")
    await w.join(acme["id"], w.bob_id, "member")
    await w.bob.post("/organization/set-active", {"organizationId": acme["id"]})
    r = await w.alice.post("/organization/has-permission", {"permissions": {"organization": ["delete"]}})
    assert r.json_body() == {"error": None, "success": True}
    r = await w.bob.post("/organization/has-permission", {"permissions": {"member": ["create"]}})
    assert r.json_body() == {"error": None, "success": False}
    r = await w.bob.post("/organization/has-permission", {"permissions": {"ac": ["read"]}})
    assert r.json_body()["success"] is True
    assert code(await w.carol.post("/organization/has-permission", {"permissions": {"ac": ["read"]},
                                                                    "organizationId": acme["id"]})) == (
        401, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    assert code(await w.carol.post("/organization/has-permission", {"permissions": {"ac": ["read"]}})) == (
        400, "NO_ACTIVE_ORGANIZATION")
    assert code(await w.bob.post("/organization/has-permission", {"permissions": {"ac": "read"}})) == (
        400, "VALIDATION_ERROR")
    assert code(await w.bob.post("/organization/has-permission", {})) == (400, "VALIDATION_ERROR")
