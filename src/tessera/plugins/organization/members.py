"""``/organization/*`` member endpoints: add (server only), remove, update role, list, leave, the active
member and its role.

Rules beyond Better Auth's, each refusing what it would allow:

* a member id from another organization is "not found" before anything else is checked (no oracle);
* only the creator role may remove or change a creator, grant the creator role, or change its own role;
  anyone else may grant, change or remove only roles at or below their own (``roles_within``);
* the last creator can neither leave, be removed, nor be demoted: the check and the write run in one
  transaction holding the organization row's lock, so two owners demoting each other cannot both succeed.
"""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...db.adapter import SortBy, Where
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, BaseErrorCodes
from ...session.resolver import resolve_session
from ...validation import F, Shape, validation_error
from ..admin.endpoints import (
    FILTER_OPERATORS,
    SORT_DIRECTIONS,
    check_enums,
    column,
    condition,
    js_number,
    js_string,
    page_bound,
)
from ._common import Org, bare, check_roles_shape, signed_in
from .access import parse_role_list, parse_roles
from .config import resolve
from .errors import OrganizationErrorCodes as E
from .hooks import changed, run_hook
from .teams import join_invited_teams

TAGS = ("organization",)


def build_member_endpoints(org: Org) -> tuple[Endpoint, ...]:
    options = org.options
    hooks = options.hooks

    async def membership_limit(user: dict[str, Any], organization: dict[str, Any]) -> int:
        limit = options.membership_limit
        return int(limit if isinstance(limit, int) else await resolve(limit, user, organization))

    async def hook_subjects(ctx: RequestContext, organization_id: str,
                            target: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The organization and the member's user, as the member hooks receive them."""
        organization = await org.store.by_id(organization_id)
        if organization is None:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        user = await ctx.auth.store.find_user_by_id(target["userId"])
        if user is None:
            raise APIError(400, None, "User not found")
        return organization, user

    async def guard_last_creator(ctx: RequestContext, organization_id: str, member: dict[str, Any],
                                 tx: Any, error: Any) -> None:
        """Inside the locked unit of work: refuse when ``member`` (as it is now) is the only creator."""
        current = await org.store.member(organization_id, member["userId"], tx)
        if current is None:
            raise APIError(400, E.MEMBER_NOT_FOUND)
        if org.is_creator(current) and await org.store.count_holders(organization_id, org.creator_role, tx) <= 1:
            raise APIError(400, error)

    async def remove_unless_last_creator(ctx: RequestContext, organization_id: str, member: dict[str, Any]) -> None:
        async with ctx.auth.store.transaction() as tx:
            if not await org.store.lock(organization_id, tx):
                raise APIError(400, E.ORGANIZATION_NOT_FOUND)
            await guard_last_creator(ctx, organization_id, member, tx,
                                     E.YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER)
            if await org.store.remove_member(member["id"], tx) is None:
                raise APIError(400, E.MEMBER_NOT_FOUND)
            if options.team_options is not None:  # and from the organization's teams
                teams = await org.store.teams(organization_id, tx)
                await org.store.remove_team_members([t["id"] for t in teams], member["userId"], tx)

    @endpoint("/organization/add-member", "POST", name="add_member", body=Shape({
        "userId": F("any"), "role": F("any", optional=True), "organizationId": F("string", optional=True),
        "teamId": F("string", optional=True),
    }), server_only=True, tags=TAGS)
    async def add_member(ctx: RequestContext) -> Any:
        body = ctx.body
        check_roles_shape(body)
        session = await resolve_session(ctx) if ctx.request.headers else None
        organization_id = body.get("organizationId") or (
            session.session.get("activeOrganizationId") if session is not None else None
        )
        if not organization_id:
            raise APIError(400, E.NO_ACTIVE_ORGANIZATION)
        teams = options.team_options
        if body.get("teamId") and teams is None:
            raise APIError(400, None, "Teams are not enabled")
        roles = parse_role_list(body["role"])
        await org.check_role_names(ctx, organization_id, roles)
        user = await ctx.auth.store.find_user_by_id(js_string(body["userId"]))
        if user is None:
            raise APIError(400, BaseErrorCodes.USER_NOT_FOUND)
        organization = await org.store.by_id(organization_id)
        if organization is None:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        limit = await membership_limit(user, organization)
        proposed = {"userId": user["id"], "organizationId": organization_id, "role": parse_roles(roles)}
        data = changed(ctx, "member", {**proposed, "createdAt": ctx.auth.now()}, await run_hook(
            hooks, "before_add_member", member=proposed, user=user, organization=organization,
        ), fixed=("organizationId", "userId"))
        async with ctx.auth.store.transaction() as tx:
            if not await org.store.lock(organization_id, tx):
                raise APIError(400, E.ORGANIZATION_NOT_FOUND)
            await org.check_role_names(ctx, organization_id, roles, tx)
            if await org.store.member(organization_id, user["id"], tx) is not None:
                raise APIError(400, E.USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION)
            if await org.store.count_members(organization_id, db=tx) >= limit:
                raise APIError(403, E.ORGANIZATION_MEMBERSHIP_LIMIT_REACHED)
            added = await org.store.add_member(data, tx)
            if teams is not None and body.get("teamId"):
                await join_invited_teams(ctx, org, teams, {"organizationId": organization_id,
                                                           "teamId": body["teamId"]}, user["id"], tx)
        await run_hook(hooks, "after_add_member", member=added, user=user, organization=organization)
        return added

    @endpoint("/organization/remove-member", "POST", name="remove_member", body=Shape({
        "memberIdOrEmail": F("string"), "organizationId": F("string", optional=True),
    }), session="session", tags=TAGS)
    async def remove_member(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        organization_id = ctx.body.get("organizationId") or session.session.get("activeOrganizationId")
        if not organization_id:
            raise APIError(400, E.NO_ACTIVE_ORGANIZATION)
        member = await org.membership(ctx, organization_id, session.user_id)
        key = ctx.body["memberIdOrEmail"]
        target: dict[str, Any] | None
        if "@" in key:
            target = await org.store.member_by_email(organization_id, key)
        else:
            target = await org.store.member_by_id(key)
        if target is None or target["organizationId"] != organization_id:
            raise APIError(400, E.MEMBER_NOT_FOUND)
        if org.is_creator(target) and not org.is_creator(member):
            raise APIError(400, E.YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER)
        await org.require(ctx, member, {"member": ["delete"]}, E.YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER, status=401)
        if not await org.within(ctx, parse_role_list(target.get("role")), member):
            raise APIError(403, E.YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER)
        organization, removed_user = await hook_subjects(ctx, organization_id, target)
        await run_hook(hooks, "before_remove_member", member=target, user=removed_user, organization=organization)
        await remove_unless_last_creator(ctx, organization_id, target)
        if target["userId"] == session.user_id and session.session.get("activeOrganizationId") == organization_id:
            await org.set_active(ctx, session, None)
        await run_hook(hooks, "after_remove_member", member=target, user=removed_user, organization=organization)
        return {"member": target}

    @endpoint("/organization/update-member-role", "POST", name="update_member_role", body=Shape({
        "role": F("any", optional=True), "memberId": F("string"), "organizationId": F("string", optional=True),
    }), session="session", tags=TAGS)
    async def update_member_role(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        body = ctx.body
        check_roles_shape(body)
        if not body["role"]:
            raise bare(400)
        organization_id = body.get("organizationId") or session.session.get("activeOrganizationId")
        if not organization_id:
            raise APIError(400, E.NO_ACTIVE_ORGANIZATION)
        roles = parse_role_list(body["role"])
        if not roles:
            raise bare(400)
        member = await org.membership(ctx, organization_id, session.user_id)
        target = member if member["id"] == body["memberId"] else await org.store.member_by_id(body["memberId"])
        if target is None:
            raise APIError(400, E.MEMBER_NOT_FOUND)
        if target["organizationId"] != organization_id:
            raise APIError(403, E.YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER)
        updater_is_creator = org.is_creator(member)
        touches_creator = org.is_creator(target) or org.creator_role in roles
        if touches_creator and not updater_is_creator:
            raise APIError(403, E.YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER)
        themselves = member["id"] == target["id"]
        if themselves and not updater_is_creator:
            raise APIError(403, E.YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER)
        await org.require(ctx, member, {"member": ["update"]}, E.YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER,
                    allow_creator_all_permissions=True)
        await org.check_role_names(ctx, organization_id, roles)
        held = parse_role_list(target.get("role"))
        if not (await org.within(ctx, roles, member) and await org.within(ctx, held, member)):
            raise APIError(403, E.YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER)
        organization, updated_user = await hook_subjects(ctx, organization_id, target)
        new_role = parse_roles(roles)
        changes = await run_hook(hooks, "before_update_member_role", member=target, new_role=new_role,
                                 user=updated_user, organization=organization)
        if changes and changes.get("role"):  # Better Auth takes the hook's role only
            roles = parse_role_list(changes["role"])
            new_role = parse_roles(roles)
        async with ctx.auth.store.transaction() as tx:
            if not await org.store.lock(organization_id, tx):
                raise APIError(400, E.ORGANIZATION_NOT_FOUND)
            await org.check_role_names(ctx, organization_id, roles, tx)
            if org.creator_role not in roles:
                await guard_last_creator(ctx, organization_id, target, tx,
                                         E.YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER)
            updated = await org.store.set_role(target["id"], new_role, tx)
        if updated is None:
            raise APIError(400, E.MEMBER_NOT_FOUND)
        await run_hook(hooks, "after_update_member_role", member=updated, previous_role=target["role"],
                       user=updated_user, organization=organization)
        return updated

    @endpoint("/organization/get-active-member", "GET", name="get_active_member", session="session", tags=TAGS)
    async def get_active_member(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        organization_id = session.session.get("activeOrganizationId")
        if not organization_id:
            raise APIError(400, E.NO_ACTIVE_ORGANIZATION)
        member = await org.membership(ctx, organization_id, session.user_id)
        with_user = await org.store.with_users([member])
        return with_user[0] if with_user else None

    async def organization_of(ctx: RequestContext) -> str:
        session = signed_in(ctx)
        organization_id = ctx.query.get("organizationId") or session.session.get("activeOrganizationId")
        if ctx.query.get("organizationSlug"):
            found = await org.store.by_slug(ctx.query["organizationSlug"])
            if found is None:
                raise APIError(400, E.ORGANIZATION_NOT_FOUND)
            organization_id = found["id"]
        if not organization_id:
            raise APIError(400, E.NO_ACTIVE_ORGANIZATION)
        await org.membership(ctx, organization_id, session.user_id,
                             error=E.YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION, status=403)
        return str(organization_id)

    @endpoint("/organization/get-active-member-role", "GET", name="get_active_member_role", query=Shape({
        "userId": F("string", optional=True), "organizationId": F("string", optional=True),
        "organizationSlug": F("string", optional=True),
    }), session="session", tags=TAGS)
    async def get_active_member_role(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        organization_id = await organization_of(ctx)
        user_id = ctx.query.get("userId") or session.user_id
        member = await org.membership(ctx, organization_id, user_id,
                                      error=E.YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION, status=403)
        return {"role": member["role"]}

    @endpoint("/organization/list-members", "GET", name="list_members", query=Shape({
        "limit": F("any", optional=True), "offset": F("any", optional=True),
        "sortBy": F("string", optional=True), "sortDirection": F("string", optional=True),
        "filterField": F("string", optional=True), "filterValue": F("any", optional=True),
        "filterOperator": F("string", optional=True), "organizationId": F("string", optional=True),
        "organizationSlug": F("string", optional=True),
    }), session="session", tags=TAGS)
    async def list_members(ctx: RequestContext) -> Any:
        query = ctx.query
        check_enums(query, {"sortDirection": SORT_DIRECTIONS, "filterOperator": FILTER_OPERATORS})
        organization_id = await organization_of(ctx)
        table = ctx.auth.schema["member"]
        where: list[Where] = []
        sort = None
        try:
            if query.get("filterField"):
                where.append(condition(column(table, query["filterField"]), query.get("filterValue"),
                                       query.get("filterOperator") or "eq"))
            if query.get("sortBy"):
                sort = SortBy(column(table, query["sortBy"]).name,
                              "desc" if query.get("sortDirection") == "desc" else "asc")
        except (KeyError, ValueError, TypeError):
            raise validation_error(["[query] Invalid filter or sort field"]) from None
        limit, offset = js_number(query.get("limit")), js_number(query.get("offset"))
        cap = options.membership_limit if isinstance(options.membership_limit, int) else 100
        rows = await org.store.members(
            organization_id, where=where, sort_by=sort,
            limit=page_bound(limit) or cap or 100, offset=page_bound(offset),
        )
        total = await org.store.count_members(organization_id, where)
        return {"members": await org.store.with_users(rows), "total": total}

    @endpoint("/organization/leave", "POST", name="leave_organization",
              body=Shape({"organizationId": F("string")}), session="session", tags=TAGS)
    async def leave_organization(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        organization_id = ctx.body["organizationId"]
        member = await org.membership(ctx, organization_id, session.user_id)
        await remove_unless_last_creator(ctx, organization_id, member)
        if session.session.get("activeOrganizationId") == organization_id:
            await org.set_active(ctx, session, None)
        return (await org.store.with_users([member]) or [member])[0]

    return (
        add_member, remove_member, update_member_role, get_active_member, get_active_member_role, list_members,
        leave_organization,
    )
