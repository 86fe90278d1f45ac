"""``/organization/*`` invitation endpoints: invite, accept, reject, cancel, get, list (per organization and
per recipient).

An invitation id is as good as a link: only members who may invite see the ids, and acting on one needs
the signed-in user's email to be the invitation's (verified too, with
``require_email_verification_on_invitation``). Status changes are compare-and-set from ``pending``, and
accepting (status, member, limit check) is one unit of work under the organization's lock: two concurrent
accepts make one member, and a failure leaves the invitation pending.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ...context import RequestContext
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, BaseErrorCodes
from ...session.model import SessionData
from ...session.resolver import resolve_session
from ...validation import EMAIL_RE, F, Shape
from ._common import Org, check_roles_shape, signed_in, unauthorized
from .access import parse_role_list, parse_roles
from .config import resolve
from .errors import OrganizationErrorCodes as E
from .hooks import changed, run_hook
from .teams import check_invited_teams, join_invited_teams

TAGS = ("organization",)
INVITATION_ID = Shape({"invitationId": F("string")})


def build_invitation_endpoints(org: Org) -> tuple[Endpoint, ...]:
    options = org.options
    hooks = options.hooks

    async def invitation_limit(user: dict[str, Any], organization: dict[str, Any], member: dict[str, Any]) -> int:
        limit = options.invitation_limit
        if not callable(limit):
            return limit
        return int(await resolve(limit, {"user": user, "organization": organization, "member": member}))

    def check_recipient(session: SessionData, invitation: dict[str, Any], verification_error: Any) -> None:
        if str(invitation["email"]).lower() != str(session.user.get("email") or "").lower():
            raise APIError(403, E.YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION)
        if options.require_email_verification_on_invitation and not session.user.get("emailVerified"):
            raise APIError(403, verification_error)

    async def send_email(ctx: RequestContext, invitation: dict[str, Any], organization: dict[str, Any],
                         member: dict[str, Any], session: SessionData) -> None:
        if options.send_invitation_email is None:
            return
        data = {
            "id": invitation["id"], "role": invitation["role"], "email": str(invitation["email"]).lower(),
            "organization": organization, "inviter": {**member, "user": session.user}, "invitation": invitation,
        }
        work = resolve(options.send_invitation_email, data, ctx.request if ctx.is_http else None)
        await ctx.run_in_background_or_await(work)

    @endpoint("/organization/invite-member", "POST", name="create_invitation", body=Shape({
        "email": F("string"), "role": F("any", optional=True), "organizationId": F("string", optional=True),
        "resend": F("boolean", optional=True), "teamId": F("any", optional=True),
    }), session="session", tags=TAGS)
    async def create_invitation(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        body = ctx.body
        check_roles_shape(body)
        organization_id = body.get("organizationId") or session.session.get("activeOrganizationId")
        if not organization_id:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        email = body["email"].lower()
        if not EMAIL_RE.match(email):
            raise APIError(400, BaseErrorCodes.INVALID_EMAIL)
        member = await org.membership(ctx, organization_id, session.user_id)
        await org.require(ctx, member, {"invitation": ["create"]},
                          E.YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION)
        roles = parse_role_list(body["role"])
        await org.check_role_names(ctx, organization_id, roles)
        if (org.creator_role in roles and not org.is_creator(member)) or not await org.within(ctx, roles, member):
            raise APIError(403, E.YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE)
        if await org.store.member_by_email(organization_id, email) is not None:
            raise APIError(400, E.USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION)
        now = ctx.auth.now()
        pending = await org.store.pending_invitations(organization_id, now, email)
        resend = bool(body.get("resend"))
        if pending and not resend and not options.cancel_pending_invitations_on_re_invite:
            raise APIError(400, E.USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION)
        organization = await org.store.by_id(organization_id)
        if organization is None:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        expires_at = now + timedelta(seconds=options.invitation_expires_in)
        if pending and resend:
            existing = pending[0]
            if not await org.within(ctx, parse_role_list(existing.get("role")), member):
                raise APIError(403, E.YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE)
            renewed = await org.store.set_invitation(existing["id"], {"expiresAt": expires_at}, from_status="pending")
            if renewed is None:
                raise APIError(400, E.INVITATION_NOT_FOUND)
            await send_email(ctx, renewed, organization, member, session)
            return renewed
        cancel_pending = bool(pending) and options.cancel_pending_invitations_on_re_invite
        limit = await invitation_limit(session.user, organization, member)
        # checked here in Better Auth's order, and again below under the organization's lock (race-safe)
        if len(await org.store.pending_invitations(organization_id, now)) - (len(pending) if cancel_pending else 0) >= limit:
            raise APIError(403, E.INVITATION_LIMIT_REACHED)
        data = {
            "organizationId": organization_id, "email": email, "role": parse_roles(roles), "status": "pending",
            "expiresAt": expires_at, "createdAt": now, "inviterId": session.user_id,
        }
        teams = options.team_options
        if teams is not None:
            data["teamId"] = await check_invited_teams(ctx, org, teams, organization_id, body.get("teamId"))
        team_ids = (data.get("teamId") or "").split(",") if data.get("teamId") else []
        proposed = {"role": data["role"], "email": email, "organizationId": organization_id, "teamIds": team_ids,
                    "inviterId": session.user_id, "teamId": team_ids[0] if team_ids else None}
        data = changed(ctx, "invitation", data, await run_hook(
            hooks, "before_create_invitation", invitation=proposed, inviter=session.user, organization=organization,
        ), fixed=("organizationId", "inviterId", "status"))
        if isinstance(data.get("email"), str):
            data["email"] = data["email"].lower()
        async with ctx.auth.store.transaction() as tx:
            if not await org.store.lock(organization_id, tx):
                raise APIError(400, E.ORGANIZATION_NOT_FOUND)
            again = await org.store.pending_invitations(organization_id, now, str(data["email"]), tx)
            if again and cancel_pending:
                for invitation in again:
                    await org.store.set_invitation(invitation["id"], {"status": "canceled"}, from_status="pending",
                                                   db=tx)
            elif again:  # invited a moment ago by someone else
                raise APIError(400, E.USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION)
            if await org.store.count_pending_invitations(organization_id, now, tx) >= limit:
                raise APIError(403, E.INVITATION_LIMIT_REACHED)
            invitation = await org.store.create_invitation(data, tx)
        await send_email(ctx, invitation, organization, member, session)
        await run_hook(hooks, "after_create_invitation", invitation=invitation, inviter=session.user,
                       organization=organization)
        return invitation

    @endpoint("/organization/accept-invitation", "POST", name="accept_invitation", body=INVITATION_ID,
              session="session", tags=TAGS)
    async def accept_invitation(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        now = ctx.auth.now()
        invitation = await org.store.invitation(ctx.body["invitationId"])
        if invitation is None or invitation["expiresAt"] < now or invitation["status"] != "pending":
            raise APIError(400, E.INVITATION_NOT_FOUND)
        check_recipient(session, invitation, E.EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION)
        organization_id = invitation["organizationId"]
        organization = await org.store.by_id(organization_id)
        if organization is None:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        limit = options.membership_limit
        cap = int(limit if isinstance(limit, int) else await resolve(limit, session.user, organization))
        await run_hook(hooks, "before_accept_invitation", invitation=invitation, user=session.user,
                       organization=organization)
        async with ctx.auth.store.transaction() as tx:
            if not await org.store.lock(organization_id, tx):
                raise APIError(400, E.ORGANIZATION_NOT_FOUND)
            if await org.store.member(organization_id, session.user_id, tx) is not None:
                raise APIError(400, E.USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION)
            if await org.store.count_members(organization_id, db=tx) >= cap:
                raise APIError(403, E.ORGANIZATION_MEMBERSHIP_LIMIT_REACHED)
            accepted = await org.store.set_invitation(invitation["id"], {"status": "accepted"},
                                                      from_status="pending", db=tx)
            if accepted is None:  # accepted, rejected or canceled since we read it
                raise APIError(400, E.INVITATION_NOT_FOUND)
            member = await org.store.add_member({
                "organizationId": organization_id, "userId": session.user_id,
                "role": parse_roles(accepted.get("role")) or "member", "createdAt": now,
            }, tx)
            teams = options.team_options
            joined = await join_invited_teams(ctx, org, teams, accepted, session.user_id, tx) if teams else []
        # one team: it becomes the active one too (Better Auth's rule)
        await org.set_active(ctx, session, organization_id, team_id=joined[0] if len(joined) == 1 else None,
                             cookies=len(joined) == 1)
        await run_hook(hooks, "after_accept_invitation", invitation=accepted, member=member, user=session.user,
                       organization=organization)
        return {"invitation": accepted, "member": member}

    @endpoint("/organization/reject-invitation", "POST", name="reject_invitation", body=INVITATION_ID,
              session="session", tags=TAGS)
    async def reject_invitation(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        invitation = await org.store.invitation(ctx.body["invitationId"])
        if invitation is None or invitation["status"] != "pending":
            raise APIError(400, E.INVITATION_NOT_FOUND, "Invitation not found!")
        check_recipient(session, invitation, E.EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION)
        organization = await org.store.by_id(invitation["organizationId"])
        if organization is None:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        await run_hook(hooks, "before_reject_invitation", invitation=invitation, user=session.user,
                       organization=organization)
        rejected = await org.store.set_invitation(invitation["id"], {"status": "rejected"}, from_status="pending")
        if rejected is None:
            raise APIError(400, E.INVITATION_NOT_FOUND, "Invitation not found!")
        await run_hook(hooks, "after_reject_invitation", invitation=rejected, user=session.user,
                       organization=organization)
        return {"invitation": rejected, "member": None}

    @endpoint("/organization/cancel-invitation", "POST", name="cancel_invitation", body=INVITATION_ID,
              session="session", tags=TAGS)
    async def cancel_invitation(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        invitation = await org.store.invitation(ctx.body["invitationId"])
        if invitation is None:
            raise APIError(400, E.INVITATION_NOT_FOUND)
        # the invitation's own organization: an id from another one finds the caller no membership there
        member = await org.membership(ctx, invitation["organizationId"], session.user_id)
        await org.require(ctx, member, {"invitation": ["cancel"]}, E.YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION)
        if not await org.within(ctx, parse_role_list(invitation.get("role")), member):
            raise APIError(403, E.YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION)
        organization = await org.store.by_id(invitation["organizationId"])
        if organization is None:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        await run_hook(hooks, "before_cancel_invitation", invitation=invitation, cancelled_by=session.user,
                       organization=organization)
        canceled = await org.store.set_invitation(invitation["id"], {"status": "canceled"}, from_status="pending")
        if canceled is None:  # accepted or rejected meanwhile: that outcome stands
            raise APIError(400, E.INVITATION_NOT_FOUND)
        await run_hook(hooks, "after_cancel_invitation", invitation=canceled, cancelled_by=session.user,
                       organization=organization)
        return canceled

    @endpoint("/organization/get-invitation", "GET", name="get_invitation", query=Shape({"id": F("string")}),
              tags=TAGS)
    async def get_invitation(ctx: RequestContext) -> Any:
        session = await resolve_session(ctx)
        if session is None:
            raise unauthorized("Not authenticated")
        invitation = await org.store.invitation(ctx.query["id"])
        if invitation is None or invitation["status"] != "pending" or invitation["expiresAt"] < ctx.auth.now():
            raise APIError(400, E.INVITATION_NOT_FOUND)
        check_recipient(session, invitation, E.EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION)
        organization = await org.store.by_id(invitation["organizationId"])
        if organization is None:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        inviter = await org.store.member(invitation["organizationId"], invitation["inviterId"])
        inviter_user = await ctx.auth.store.find_user_by_id(invitation["inviterId"]) if inviter else None
        if inviter_user is None:
            raise APIError(400, E.INVITER_IS_NO_LONGER_A_MEMBER_OF_THE_ORGANIZATION)
        return {
            **invitation, "organizationName": organization["name"], "organizationSlug": organization["slug"],
            "inviterEmail": inviter_user["email"],
        }

    @endpoint("/organization/list-invitations", "GET", name="list_invitations",
              query=Shape({"organizationId": F("string", optional=True)}), session="session", tags=TAGS)
    async def list_invitations(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        organization_id = ctx.query.get("organizationId") or session.session.get("activeOrganizationId")
        if not organization_id:
            raise APIError(400, None, "Organization ID is required")
        member = await org.store.member(organization_id, session.user_id)
        if member is None:
            raise APIError(403, None, "You are not a member of this organization")
        if not await org.can_view_invitations(ctx, member):
            raise APIError(403, E.YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS)
        return org.visible_invitations(member, await org.store.invitations(organization_id))

    @endpoint("/organization/list-user-invitations", "GET", name="list_user_invitations",
              query=Shape({"email": F("string", optional=True)}), tags=TAGS)
    async def list_user_invitations(ctx: RequestContext) -> Any:
        session = await resolve_session(ctx)
        if ctx.is_http and ctx.query.get("email"):
            raise APIError(400, None, "User email cannot be passed for client side API calls.")
        if session is not None and not session.user.get("emailVerified"):
            raise APIError(403, E.EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION)
        email = session.user["email"] if session is not None else ctx.query.get("email")
        if not email:
            raise APIError(400, None, "Missing session headers, or email query parameter.")
        return await org.store.user_invitations(email, ctx.auth.now())

    return (
        create_invitation, accept_invitation, reject_invitation, cancel_invitation, get_invitation,
        list_invitations, list_user_invitations,
    )
