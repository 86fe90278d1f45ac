"""``/organization/*`` endpoints for organizations themselves, and ``has-permission``; path for path and
shape for shape Better Auth 1.7's. Members and invitations are in ``members.py`` and ``invitations.py``.

Permission checks read the caller's ``member`` row, never anything the session carries, so the cookie
cache is safe to use here: a member whose role changed is judged by the new role on the next request.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from ...context import RequestContext
from ...db.adapter import UniqueViolation
from ...endpoints import Endpoint, endpoint
from ...errors import APIError
from ...session.resolver import resolve_session
from ...validation import F, Shape, validation_error
from ..admin.endpoints import MAX_PAGE_BOUND, js_string, page_bound, requested_permissions
from ._common import Org, min_one, refuse_null, signed_in, unauthorized
from .config import resolve
from .dynamic_roles import build_role_endpoints
from .errors import OrganizationErrorCodes as E
from .hooks import changed, run_hook
from .invitations import build_invitation_endpoints
from .members import build_member_endpoints
from .store import parse_metadata
from .teams import build_team_endpoints

if TYPE_CHECKING:
    from . import OrganizationPlugin

TAGS = ("organization",)
ORG_ID_OR_SLUG = Shape({"organizationId": F("string", optional=True), "organizationSlug": F("string", optional=True)})


def build_endpoints(plugin: OrganizationPlugin) -> tuple[Endpoint, ...]:
    org = Org(plugin)
    options = plugin.options
    hooks = options.hooks

    def with_metadata(row: dict[str, Any]) -> dict[str, Any]:
        """Create and update answer ``metadata`` parsed, and leave the key out when there is none."""
        out = dict(row)
        metadata = parse_metadata(out.pop("metadata", None))
        if metadata is None:
            return out
        keys = list(row)
        out["metadata"] = metadata
        return {k: out[k] for k in keys if k in out}

    def metadata_text(value: Any) -> str | None:
        return json.dumps(value, separators=(",", ":")) if value else None

    @endpoint("/organization/create", "POST", name="create_organization", body=Shape({
        "name": F("string"), "slug": F("string"), "userId": F("any", optional=True),
        "logo": F("string", optional=True, nullable=True), "metadata": F("object", optional=True),
        "keepCurrentActiveOrganization": F("boolean", optional=True),
    }), tags=TAGS)
    async def create_organization(ctx: RequestContext) -> Any:
        body = ctx.body
        min_one(body, "name", "slug")
        session = await resolve_session(ctx)
        if session is None and (ctx.is_http or ctx.request.headers):
            raise unauthorized()
        store = ctx.auth.store
        if session is not None:
            # a signed-in caller creates for themselves: ``userId`` is for server calls only
            user: dict[str, Any] | None = session.user
        elif body.get("userId") is not None:
            user = await store.find_user_by_id(js_string(body["userId"]))
        else:
            user = None
        if user is None:
            raise unauthorized()
        system_action = session is None
        if not system_action and not await resolve(options.allow_user_to_create_organization, user):
            raise APIError(403, E.YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_ORGANIZATION)
        limit = options.organization_limit
        if isinstance(limit, int):
            reached = await org.store.count_for_user(user["id"]) >= limit
        else:
            reached = bool(await resolve(limit, user)) if limit is not None else False
        if reached:
            raise APIError(403, E.YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_ORGANIZATIONS)
        if await org.store.by_slug(body["slug"]) is not None:
            raise APIError(400, E.ORGANIZATION_ALREADY_EXISTS)
        given = {k: v for k, v in body.items() if k not in ("keepCurrentActiveOrganization", "userId")}
        changes = await run_hook(hooks, "before_create_organization", organization=given, user=user)
        data = changed(ctx, "organization", {
            "name": body["name"], "slug": body["slug"], "logo": body.get("logo"),
            "metadata": metadata_text(body.get("metadata")), "createdAt": store.clock(),
        }, changes)
        if changes and data["slug"] != body["slug"] and await org.store.by_slug(data["slug"]) is not None:
            raise APIError(400, E.ORGANIZATION_ALREADY_EXISTS)
        # before hooks see the rows as they will be stored (ids included), before anything is written
        pending = org.store.public("organization", store.unsaved("organization", data))
        owner = {"userId": user["id"], "organizationId": pending["id"], "role": org.creator_role}
        owner = changed(ctx, "member", {**owner, "createdAt": store.clock()}, await run_hook(
            hooks, "before_add_member", member=owner, user=user, organization=pending,
        ), fixed=("organizationId", "userId"))
        teams = options.team_options
        team_data: dict[str, Any] | None = None
        custom = teams.default.custom_create_default_team if teams is not None else None
        if teams is not None and teams.default.enabled:
            proposed = {"organizationId": pending["id"], "name": pending["name"]}
            team_data = changed(ctx, "team", {**proposed, "createdAt": store.clock(), "updatedAt": None}, await run_hook(
                hooks, "before_create_team", team=proposed, user=user, organization=pending,
            ), fixed=("organizationId",))
        default_team: dict[str, Any] | None = None
        try:
            async with store.transaction() as tx:
                created, member = await org.store.create({**data, "id": pending["id"]}, owner, tx)
                if team_data is not None and custom is None:
                    default_team = await org.store.create_team(team_data, tx)
                    await org.store.add_team_member(default_team["id"], user["id"], None, tx)
        except UniqueViolation:  # the same slug, created a moment ago by someone else
            raise APIError(400, E.ORGANIZATION_ALREADY_EXISTS) from None
        if team_data is not None and custom is not None:
            default_team = await custom_default_team(ctx, custom, created, user["id"])
        if session is not None and not body.get("keepCurrentActiveOrganization"):
            await org.set_active(ctx, session, created["id"], team_id=default_team["id"] if default_team else None)
        await run_hook(hooks, "after_add_member", member=member, user=user, organization=created)
        if default_team is not None:
            await run_hook(hooks, "after_create_team", team=default_team, user=user, organization=created)
        await run_hook(hooks, "after_create_organization", organization=created, member=member, user=user)
        return {**with_metadata(created), "members": [member]}

    async def custom_default_team(ctx: RequestContext, custom: Any, created: dict[str, Any],
                                  user_id: str) -> dict[str, Any]:
        """``custom_create_default_team`` runs once the organization is stored (it may use ``auth.api``); the
        creator joins the team it answers. If either fails the new organization is deleted again, so a
        failure never leaves an organization without the default team it was configured to have."""
        try:
            team = await resolve(custom, created, ctx)
            if not isinstance(team, dict) or not isinstance(team.get("id"), str):
                raise TypeError("custom_create_default_team must return the team it created (a dict with an id)")
            if await org.store.team(team["id"], created["id"]) is None:
                raise APIError(400, E.TEAM_NOT_FOUND)
            async with ctx.auth.store.transaction() as tx:
                await org.store.add_team_member(team["id"], user_id, None, tx)
        except BaseException:
            await org.store.delete(created["id"])
            raise
        return team

    @endpoint("/organization/check-slug", "POST", name="check_organization_slug",
              body=Shape({"slug": F("string")}), session="request", tags=TAGS)
    async def check_organization_slug(ctx: RequestContext) -> Any:
        if await org.store.by_slug(ctx.body["slug"]) is None:
            return {"status": True}
        raise APIError(400, E.ORGANIZATION_SLUG_ALREADY_TAKEN)

    @endpoint("/organization/update", "POST", name="update_organization", body=Shape({
        "data": F("object"), "organizationId": F("string", optional=True),
    }), tags=TAGS)
    async def update_organization(ctx: RequestContext) -> Any:
        changes = Shape({
            "name": F("string", optional=True), "slug": F("string", optional=True),
            "logo": F("string", optional=True, nullable=True), "metadata": F("object", optional=True),
        })
        try:
            data = changes.validate(ctx.body["data"])
        except APIError as exc:
            raise validation_error([exc.message.replace("[body.", "[body.data.")]) from None
        min_one(data, "name", "slug", where="body.data")
        refuse_null(data, "name", "slug", where="body.data")
        session = await resolve_session(ctx)
        if session is None:
            raise unauthorized("User not found")
        organization_id = ctx.body.get("organizationId") or session.session.get("activeOrganizationId")
        if not organization_id:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        member = await org.membership(ctx, organization_id, session.user_id,
                                      error=E.USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION)
        await org.require(ctx, member, {"organization": ["update"]}, E.YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION)
        if isinstance(data.get("slug"), str):
            existing = await org.store.by_slug(data["slug"])
            if existing is not None and existing["id"] != organization_id:
                raise APIError(400, E.ORGANIZATION_SLUG_ALREADY_TAKEN)
        update: dict[str, Any] = {k: data[k] for k in ("name", "slug", "logo") if k in data}
        if "metadata" in data:
            update["metadata"] = metadata_text(data["metadata"])
        hooked = await run_hook(hooks, "before_update_organization", organization=data, user=session.user,
                                member=member)
        if hooked:
            update = changed(ctx, "organization", update, hooked)
            if isinstance(update.get("slug"), str) and update["slug"] != data.get("slug"):
                existing = await org.store.by_slug(update["slug"])
                if existing is not None and existing["id"] != organization_id:
                    raise APIError(400, E.ORGANIZATION_SLUG_ALREADY_TAKEN)
        try:
            updated = await org.store.update(organization_id, update) if update else await org.store.by_id(
                organization_id
            )
        except UniqueViolation:
            raise APIError(400, E.ORGANIZATION_SLUG_ALREADY_TAKEN) from None
        await run_hook(hooks, "after_update_organization", organization=updated, user=session.user, member=member)
        return with_metadata(updated) if updated is not None else None

    @endpoint("/organization/delete", "POST", name="delete_organization",
              body=Shape({"organizationId": F("string")}), tags=TAGS)
    async def delete_organization(ctx: RequestContext) -> Any:
        if options.disable_organization_deletion:
            raise APIError(404, "ORGANIZATION_DELETION_DISABLED", "Organization deletion is disabled")
        session = await resolve_session(ctx)
        if session is None:
            raise unauthorized()
        organization_id = ctx.body["organizationId"]
        if not organization_id:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        member = await org.membership(ctx, organization_id, session.user_id,
                                      error=E.USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION)
        await org.require(ctx, member, {"organization": ["delete"]}, E.YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION)
        found = await org.store.by_id(organization_id)
        if found is None:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        await run_hook(hooks, "before_delete_organization", organization=found, user=session.user)
        await org.store.delete(organization_id)
        if session.session.get("activeOrganizationId") == organization_id:
            await org.set_active(ctx, session, None)
        await run_hook(hooks, "after_delete_organization", organization=found, user=session.user)
        return found

    async def organization_for(ctx: RequestContext) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The organization the query names (slug, id, else the active one) and the caller's membership;
        a caller who is not a member loses it as their active organization and gets 403."""
        session = signed_in(ctx)
        query = ctx.query
        key = query.get("organizationSlug") or query.get("organizationId") or session.session.get(
            "activeOrganizationId"
        )
        if not key:
            return None, None
        found = await (org.store.by_slug(key) if query.get("organizationSlug") else org.store.by_id(key))
        if found is None:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        member = await org.store.member(found["id"], session.user_id)
        if member is None:
            await org.set_active(ctx, session, None)
            raise APIError(403, E.USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION)
        return found, member

    @endpoint("/organization/get-organization", "GET", name="get_organization", query=ORG_ID_OR_SLUG,
              session="session", tags=TAGS)
    async def get_organization(ctx: RequestContext) -> Any:
        found, _ = await organization_for(ctx)
        return found

    @endpoint("/organization/get-full-organization", "GET", name="get_full_organization", query=Shape({
        "organizationId": F("string", optional=True), "organizationSlug": F("string", optional=True),
        "membersLimit": F("any", optional=True),
    }), session="session", tags=TAGS)
    async def get_full_organization(ctx: RequestContext) -> Any:
        found, member = await organization_for(ctx)
        if found is None or member is None:
            return None
        limit = _positive_int(ctx.query.get("membersLimit")) or _members_cap(options.membership_limit)
        members = await org.store.with_users(await org.store.members(found["id"], limit=limit))
        invitations = await org.store.invitations(found["id"]) if await org.can_view_invitations(ctx, member) else []
        full = {**found, "invitations": org.visible_invitations(member, invitations), "members": members}
        if options.team_options is not None:
            full["teams"] = await org.store.teams(found["id"], with_count=True)
        return full

    @endpoint("/organization/set-active", "POST", name="set_active_organization", body=Shape({
        "organizationId": F("string", optional=True, nullable=True),
        "organizationSlug": F("string", optional=True),
    }), session="session", tags=TAGS)
    async def set_active_organization(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        body = ctx.body
        organization_id = body.get("organizationId")
        slug = body.get("organizationSlug")
        if "organizationId" in body and organization_id is None:
            if session.session.get("activeOrganizationId"):
                await org.set_active(ctx, session, None, cookies=True)
            return None
        if not organization_id and not slug:
            organization_id = session.session.get("activeOrganizationId")
            if not organization_id:
                return None
        if slug and not organization_id:
            by_slug = await org.store.by_slug(slug)
            if by_slug is None:
                raise APIError(400, E.ORGANIZATION_NOT_FOUND)
            organization_id = by_slug["id"]
        organization_id = str(organization_id)
        if await org.store.member(organization_id, session.user_id) is None:
            await org.set_active(ctx, session, None)
            raise APIError(403, E.USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION)
        found = await org.store.by_id(organization_id)
        if found is None:
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        await org.set_active(ctx, session, found["id"], cookies=True)
        return found

    @endpoint("/organization/list", "GET", name="list_organizations", session="session", tags=TAGS)
    async def list_organizations(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        return await org.store.list_for_user(session.user_id)

    @endpoint("/organization/has-permission", "POST", name="has_permission", body=Shape({
        "organizationId": F("string", optional=True),
    }), session="session", tags=TAGS)
    async def has_permission(ctx: RequestContext) -> Any:
        session = signed_in(ctx)
        body = ctx.body
        permissions = requested_permissions(body)
        organization_id = body.get("organizationId") or session.session.get("activeOrganizationId")
        if not organization_id:
            raise APIError(400, E.NO_ACTIVE_ORGANIZATION)
        member = await org.membership(ctx, organization_id, session.user_id,
                                      error=E.USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION, status=401)
        return {"error": None, "success": await org.allowed(ctx, member, permissions)}

    return (
        create_organization, check_organization_slug, update_organization, delete_organization,
        get_organization, get_full_organization, set_active_organization, list_organizations, has_permission,
        *build_member_endpoints(org), *build_invitation_endpoints(org),
        *(build_team_endpoints(org, options.team_options) if options.team_options is not None else ()),
        *(build_role_endpoints(org, options.dac_options) if options.dac_options is not None else ()),
    )


ASCII_DIGITS = frozenset("0123456789")


def _positive_int(value: Any) -> int | None:
    """``membersLimit``: a number, or a string ``parseInt`` reads."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return page_bound(value) if math.isfinite(value) else None
    if isinstance(value, str):
        digits = value.strip()
        sign = digits[:1] if digits[:1] in "+-" else ""
        digits = digits[len(sign):]
        for i, ch in enumerate(digits):
            if ch not in ASCII_DIGITS:  # parseInt's digits: not "²", which ``str.isdigit`` accepts and int() refuses
                digits = digits[:i]
                break
        if not digits or sign == "-":
            return None
        return page_bound(int(digits) if len(digits) <= len(str(MAX_PAGE_BOUND)) else MAX_PAGE_BOUND)
    return None


def _members_cap(limit: Any) -> int:
    return limit if isinstance(limit, int) and limit > 0 else 100
