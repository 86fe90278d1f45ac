"""``/organization/*`` team endpoints (only with ``teams`` enabled): create, update, remove and list teams,
the active team, and team members.

Every team is looked up inside the organization the caller's permission was checked in, so a team id from
another organization is "not found". Team sizes are counted on ``team.memberCount`` as Better Auth counts
them (see ``OrganizationStore.add_team_member``), so both deployments enforce one limit.
"""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...endpoints import Endpoint, endpoint
from ...errors import APIError
from ...session.model import SessionData
from ...session.resolver import resolve_session
from ...validation import F, Shape, validation_error
from ..admin.endpoints import js_string
from ._common import Org, min_one, signed_in, unauthorized
from .config import TeamsOptions, resolve
from .errors import OrganizationErrorCodes as E
from .hooks import changed, run_hook
from .store import split_team_ids

TAGS = ("organization",)
TEAM_MEMBER_BODY = Shape({
    "teamId": F("string"), "userId": F("any"), "organizationId": F("string", optional=True),
})


async def team_limit(value: Any, data: dict[str, Any]) -> int | None:
    """``maximum_teams`` / ``maximum_members_per_team``: a number, a function of ``data``, or no limit."""
    if value is None:
        return None
    return int(value if isinstance(value, int) else await resolve(value, data))


async def seat_limit(ctx: RequestContext, teams: TeamsOptions, team_id: str, organization_id: str) -> int | None:
    """``maximum_members_per_team`` for one team."""
    return await team_limit(teams.maximum_members_per_team, {
        "teamId": team_id, "session": ctx.session, "organizationId": organization_id,
    })


def build_team_endpoints(org: Org, teams: TeamsOptions) -> tuple[Endpoint, ...]:
    hooks = org.options.hooks

    async def organization_row(organization_id: str) -> dict[str, Any]:
        organization = await org.store.by_id(organization_id)
        if organization is None:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        return organization

    async def user_row(ctx: RequestContext, user_id: str) -> dict[str, Any]:
        user = await ctx.auth.store.find_user_by_id(user_id)
        if user is None:
            raise APIError(400, None, "User not found")
        return user

    async def caller(ctx: RequestContext) -> SessionData | None:
        """The session; none is fine only for a server call without headers."""
        session = await resolve_session(ctx)
        if session is None and (ctx.is_http or ctx.request.headers):
            raise unauthorized()
        return session

    def organization_of(ctx: RequestContext, session: SessionData | None, given: Any) -> str:
        organization_id = given or (session.session.get("activeOrganizationId") if session else None)
        if not organization_id:
            raise APIError(400, E.NO_ACTIVE_ORGANIZATION)
        return str(organization_id)

    @endpoint("/organization/create-team", "POST", name="create_team", body=Shape({
        "name": F("string"), "organizationId": F("string", optional=True),
    }), tags=TAGS)
    async def create_team(ctx: RequestContext) -> Any:
        min_one(ctx.body, "name")
        session = await caller(ctx)
        organization_id = organization_of(ctx, session, ctx.body.get("organizationId"))
        if session is not None:
            member = await org.membership(ctx, organization_id, session.user_id,
                                          error=E.YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION, status=403)
            await org.require(ctx, member, {"team": ["create"]},
                              E.YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION)
        maximum = await team_limit(teams.maximum_teams, {"organizationId": organization_id, "session": session})
        if maximum and len(await org.store.teams(organization_id)) >= maximum:
            raise APIError(400, E.YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_TEAMS)
        organization = await organization_row(organization_id)
        now = ctx.auth.now()
        user = session.user if session is not None else None
        proposed = {"name": ctx.body["name"], "organizationId": organization_id}
        data = changed(ctx, "team", {**proposed, "createdAt": now, "updatedAt": now}, await run_hook(
            hooks, "before_create_team", team=proposed, user=user, organization=organization,
        ), fixed=("organizationId", "memberCount"))
        created = await org.store.create_team(data)
        await run_hook(hooks, "after_create_team", team=created, user=user, organization=organization)
        return created

    @endpoint("/organization/remove-team", "POST", name="remove_team", body=Shape({
        "teamId": F("string"), "organizationId": F("string", optional=True),
    }), tags=TAGS)
    async def remove_team(ctx: RequestContext) -> Any:
        session = await resolve_session(ctx)
        organization_id = organization_of(ctx, session, ctx.body.get("organizationId"))
        if session is None and (ctx.is_http or ctx.request.headers):
            raise unauthorized()
        team_id = ctx.body["teamId"]
        if session is not None:
            member = await org.store.member(organization_id, session.user_id)
            if member is None or session.session.get("activeTeamId") == team_id:
                raise APIError(403, E.YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_TEAM)
            await org.require(ctx, member, {"team": ["delete"]},
                              E.YOU_ARE_NOT_ALLOWED_TO_DELETE_TEAMS_IN_THIS_ORGANIZATION)
        team = await org.store.team(team_id, organization_id)
        if team is None:
            raise APIError(400, E.TEAM_NOT_FOUND)
        if not teams.allow_removing_all_teams and len(await org.store.teams(organization_id)) <= 1:
            raise APIError(400, E.UNABLE_TO_REMOVE_LAST_TEAM)
        organization = await organization_row(organization_id)
        user = session.user if session is not None else None
        await run_hook(hooks, "before_delete_team", team=team, user=user, organization=organization)
        await org.store.delete_team(team_id, organization_id, ctx.auth.now())
        await run_hook(hooks, "after_delete_team", team=team, user=user, organization=organization)
        return {"message": "Team removed successfully."}

    @endpoint("/organization/update-team", "POST", name="update_team", body=Shape({
        "teamId": F("string"), "data": F("object"),
    }), session="session", tags=TAGS)
    async def update_team(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        data = ctx.body["data"]
        issues = [f"[body.data.{k}] Invalid input: expected string" for k in ("name", "organizationId")
                  if k in data and not isinstance(data[k], str)]
        if issues:
            raise validation_error(issues)
        min_one(data, "name", where="body.data")
        organization_id = organization_of(ctx, session, data.get("organizationId"))
        member = await org.membership(ctx, organization_id, session.user_id,
                                      error=E.YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM, status=403)
        await org.require(ctx, member, {"team": ["update"]}, E.YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM)
        team = await org.store.team(ctx.body["teamId"], organization_id)
        if team is None:
            raise APIError(400, E.TEAM_NOT_FOUND)
        organization = await organization_row(organization_id)
        updates = {"name": data["name"]} if "name" in data else {}
        changes = await run_hook(hooks, "before_update_team", team=team, updates=updates, user=session.user,
                                 organization=organization)
        if changes is not None:  # Better Auth writes the hook's data instead of the request's
            updates = changed(ctx, "team", {}, changes, fixed=("organizationId", "memberCount", "createdAt"))
        updated = await org.store.update_team(team["id"], updates) if updates else team
        await run_hook(hooks, "after_update_team", team=updated, user=session.user, organization=organization)
        return updated

    @endpoint("/organization/list-teams", "GET", name="list_organization_teams",
              query=Shape({"organizationId": F("string", optional=True)}), session="session", tags=TAGS)
    async def list_organization_teams(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        organization_id = organization_of(ctx, session, ctx.query.get("organizationId"))
        await org.membership(ctx, organization_id, session.user_id,
                             error=E.YOU_ARE_NOT_ALLOWED_TO_ACCESS_THIS_ORGANIZATION, status=403)
        return await org.store.teams(organization_id)

    @endpoint("/organization/set-active-team", "POST", name="set_active_team", body=Shape({
        "teamId": F("string", optional=True, nullable=True),
    }), session="session", tags=TAGS)
    async def set_active_team(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        if "teamId" in ctx.body and ctx.body["teamId"] is None:
            if session.session.get("activeTeamId"):
                await org.set_active_team(ctx, session, None)
            return None
        team_id = ctx.body.get("teamId") or session.session.get("activeTeamId")
        if not team_id:
            return None
        organization_id = session.session.get("activeOrganizationId")
        if not organization_id:
            raise APIError(400, E.NO_ACTIVE_ORGANIZATION)
        team = await org.store.team(team_id, organization_id)
        if team is None:
            raise APIError(400, E.TEAM_NOT_FOUND)
        if await org.store.team_member(team_id, session.user_id) is None:
            raise APIError(403, E.USER_IS_NOT_A_MEMBER_OF_THE_TEAM)
        await org.set_active_team(ctx, session, team["id"])
        return team

    @endpoint("/organization/list-user-teams", "GET", name="list_user_teams", query=Shape({
        "userId": F("string", optional=True), "organizationId": F("string", optional=True),
    }), session="session", tags=TAGS)
    async def list_user_teams(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        target = ctx.query.get("userId") or session.user_id
        organization_id = ctx.query.get("organizationId") or session.session.get("activeOrganizationId")
        if target != session.user_id:
            # another member's teams: only for someone who may change members, inside one organization
            if not organization_id:
                raise APIError(400, E.NO_ACTIVE_ORGANIZATION)
            member = await org.membership(ctx, organization_id, session.user_id,
                                          error=E.YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION, status=403)
            await org.require(ctx, member, {"member": ["update"]}, E.YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER)
            await org.membership(ctx, organization_id, target, error=E.USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION)
            return [t for t in await org.store.teams_of_user(target) if t["organizationId"] == organization_id]
        mine = await org.store.teams_of_user(session.user_id)
        if ctx.query.get("organizationId"):
            await org.membership(ctx, str(organization_id), session.user_id,
                                 error=E.YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION, status=403)
            return [t for t in mine if t["organizationId"] == organization_id]
        member_of = {o["id"] for o in await org.store.list_for_user(session.user_id)}
        return [t for t in mine if t["organizationId"] in member_of]

    @endpoint("/organization/list-team-members", "GET", name="list_team_members",
              query=Shape({"teamId": F("string", optional=True)}), session="session", tags=TAGS)
    async def list_team_members(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        team_id = ctx.query.get("teamId") or session.session.get("activeTeamId")
        if not team_id:
            raise APIError(400, E.YOU_DO_NOT_HAVE_AN_ACTIVE_TEAM)
        team = await org.store.team(team_id)
        if team is None:
            raise APIError(400, E.TEAM_NOT_FOUND)
        if (await org.store.member(team["organizationId"], session.user_id) is None
                or await org.store.team_member(team_id, session.user_id) is None):
            raise APIError(400, E.USER_IS_NOT_A_MEMBER_OF_THE_TEAM)
        return await org.store.team_members(team_id)

    async def team_member_request(ctx: RequestContext, permission: str, denied: Any) -> tuple[str, str, str]:
        """Who may change team membership (``member:<permission>``), for which org member, in which team of
        the same organization: ``(organization id, team id, user id)``."""
        session = signed_in(ctx)
        organization_id = organization_of(ctx, session, ctx.body.get("organizationId"))
        member = await org.membership(ctx, organization_id, session.user_id,
                                      error=E.USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION)
        await org.require(ctx, member, {"member": [permission]}, denied)
        user_id = js_string(ctx.body["userId"])
        await org.membership(ctx, organization_id, user_id, error=E.USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION)
        team = await org.store.team(ctx.body["teamId"], organization_id)
        if team is None:
            raise APIError(400, E.TEAM_NOT_FOUND)
        return organization_id, team["id"], user_id

    @endpoint("/organization/add-team-member", "POST", name="add_team_member", body=TEAM_MEMBER_BODY,
              session="session", tags=TAGS)
    async def add_team_member(ctx: RequestContext) -> Any:
        organization_id, team_id, user_id = await team_member_request(
            ctx, "update", E.YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_TEAM_MEMBER
        )
        organization = await organization_row(organization_id)
        user = await user_row(ctx, user_id)
        team = await org.store.team(team_id, organization_id)
        # Better Auth ignores the data this hook answers (the membership has nothing else to change)
        await run_hook(hooks, "before_add_team_member", team_member={"teamId": team_id, "userId": user_id},
                       team=team, user=user, organization=organization)
        maximum = await seat_limit(ctx, teams, team_id, organization_id)
        async with ctx.auth.store.transaction() as tx:
            added = await org.store.add_team_member(team_id, user_id, maximum, tx)
        if added is None:
            raise APIError(403, E.TEAM_MEMBER_LIMIT_REACHED)
        await run_hook(hooks, "after_add_team_member", team_member=added, team=team, user=user,
                       organization=organization)
        return added

    @endpoint("/organization/remove-team-member", "POST", name="remove_team_member", body=TEAM_MEMBER_BODY,
              session="session", tags=TAGS)
    async def remove_team_member(ctx: RequestContext) -> Any:
        organization_id, team_id, user_id = await team_member_request(
            ctx, "delete", E.YOU_ARE_NOT_ALLOWED_TO_REMOVE_A_TEAM_MEMBER
        )
        organization = await organization_row(organization_id)
        user = await user_row(ctx, user_id)
        team_member = await org.store.team_member(team_id, user_id)
        if team_member is None:
            raise APIError(400, E.USER_IS_NOT_A_MEMBER_OF_THE_TEAM)
        team = await org.store.team(team_id, organization_id)
        await run_hook(hooks, "before_remove_team_member", team_member=team_member, team=team, user=user,
                       organization=organization)
        async with ctx.auth.store.transaction() as tx:
            if not await org.store.remove_team_members([team_id], user_id, tx):
                raise APIError(400, E.USER_IS_NOT_A_MEMBER_OF_THE_TEAM)
        await run_hook(hooks, "after_remove_team_member", team_member=team_member, team=team, user=user,
                       organization=organization)
        return {"message": "Team member removed successfully."}

    return (
        create_team, remove_team, update_team, list_organization_teams, set_active_team, list_user_teams,
        list_team_members, add_team_member, remove_team_member,
    )


async def join_invited_teams(ctx: RequestContext, org: Org, teams: TeamsOptions, invitation: dict[str, Any],
                             user_id: str, db: Any) -> list[str]:
    """Inside the accepting transaction: put the new member in the invitation's teams (each must still exist
    in the organization and have a seat). The team ids joined."""
    organization_id = invitation["organizationId"]
    joined = []
    for team_id in split_team_ids(invitation.get("teamId")):
        if await org.store.team(team_id, organization_id, db) is None:
            raise APIError(400, E.TEAM_NOT_FOUND)
        maximum = await seat_limit(ctx, teams, team_id, organization_id)
        if await org.store.add_team_member(team_id, user_id, maximum, db) is None:
            raise APIError(403, E.TEAM_MEMBER_LIMIT_REACHED)
        joined.append(team_id)
    return joined


async def check_invited_teams(ctx: RequestContext, org: Org, teams: TeamsOptions, organization_id: str,
                              value: Any) -> str | None:
    """``invite-member``'s ``teamId`` (one id or a list): each a team of this organization with a free seat.
    The stored form (comma-separated), or ``None``."""
    if value is None:
        return None
    ids = [value] if isinstance(value, str) else value
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise validation_error(["[body.teamId] Invalid input"])
    if any("," in i for i in ids):
        raise APIError(400, E.INVALID_TEAM_ID)
    for team_id in ids:
        team = await org.store.team(team_id, organization_id)
        if team is None:
            raise APIError(400, E.TEAM_NOT_FOUND)
        maximum = await seat_limit(ctx, teams, team_id, organization_id)
        if maximum is not None and len(await org.store.team_members(team_id)) >= maximum:
            raise APIError(403, E.TEAM_MEMBER_LIMIT_REACHED)
    return ",".join(ids) or None
