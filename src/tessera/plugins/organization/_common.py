"""What every organization endpoint needs: the caller's membership, permission checks, the active
organization on the session, and Better Auth's small validation rules."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...context import RequestContext
from ...errors import APIError, ErrorCode
from ...session.issue import set_session_cookies
from ...session.model import SessionData
from ...validation import validation_error
from .access import Role, has_permission, parse_permission, parse_role_list, roles_within, with_stored_roles
from .errors import OrganizationErrorCodes as E

if TYPE_CHECKING:
    from ...db.adapter import Adapter
    from . import OrganizationPlugin
    from .config import OrganizationOptions
    from .store import OrganizationStore


logger = logging.getLogger("tessera.organization")
#: ``RequestContext.state`` key (+ organization id) of an organization's roles, read once per request
ROLES_STATE = "organization.roles:"


@dataclass(frozen=True)
class OrgRoles:
    """What one organization's role names mean: ``permissions`` for the checks (Better Auth's
    ``options.roles || defaultRoles``, plus stored roles), ``names`` the roles that may be assigned."""

    permissions: Mapping[str, Role]
    names: frozenset[str]


class Org:
    """The plugin's options and store, as the endpoints use them."""

    def __init__(self, plugin: OrganizationPlugin) -> None:
        self.plugin = plugin
        self.options: OrganizationOptions = plugin.options
        self._static = OrgRoles(self.options.permission_roles, frozenset(self.options.effective_roles))

    @property
    def store(self) -> OrganizationStore:
        return self.plugin.store

    @property
    def creator_role(self) -> str:
        return self.options.creator_role

    def is_creator(self, member: Mapping[str, Any]) -> bool:
        return self.creator_role in parse_role_list(member.get("role"))

    async def roles(self, ctx: RequestContext, organization_id: str, db: Adapter | None = None) -> OrgRoles:
        """The roles of one organization: the configured ones, plus with dynamic access control the ones it
        stored (read once per request, as Better Auth's request-scoped cache; again when ``db``, a unit of
        work, is given)."""
        if self.options.dac_options is None:
            return self._static
        key = ROLES_STATE + organization_id
        cached = ctx.state.get(key)
        if isinstance(cached, OrgRoles) and db is None:
            return cached
        stored = []
        for row in await self.store.stored_roles(organization_id, db):
            permission = parse_permission(row.get("permission"))
            if permission is None:  # Better Auth answers 500 for the whole organization; this row grants nothing
                logger.error("organization: stored role %r of %s has invalid permissions", row.get("role"),
                             organization_id)
            stored.append((str(row.get("role")), permission or {}))
        ac = self.options.ac
        permissions = with_stored_roles(self._static.permissions, stored, ac) if ac is not None else (
            self._static.permissions
        )
        roles = OrgRoles(permissions, self._static.names | {name for name, _ in stored})
        ctx.state[key] = roles
        return roles

    def forget_roles(self, ctx: RequestContext, organization_id: str) -> None:
        """After a stored role changed: the next check reads them again."""
        ctx.state.pop(ROLES_STATE + organization_id, None)

    async def allowed(self, ctx: RequestContext, member: Mapping[str, Any], permissions: Mapping[str, Any], *,
                      allow_creator_all_permissions: bool = False) -> bool:
        roles = await self.roles(ctx, member["organizationId"])
        return has_permission(
            member.get("role"), permissions, roles.permissions,
            creator_role=self.creator_role, allow_creator_all_permissions=allow_creator_all_permissions,
        )

    async def require(self, ctx: RequestContext, member: Mapping[str, Any], permissions: Mapping[str, Any],
                      error: ErrorCode, status: int = 403, **kwargs: Any) -> None:
        if not await self.allowed(ctx, member, permissions, **kwargs):
            raise APIError(status, error)

    async def within(self, ctx: RequestContext, wanted: Sequence[str], member: Mapping[str, Any]) -> bool:
        """The creator may grant anything; anyone else only roles at or below their own."""
        if self.is_creator(member):
            return True
        roles = await self.roles(ctx, member["organizationId"])
        return roles_within(wanted, parse_role_list(member.get("role")), roles.permissions)

    async def check_role_names(self, ctx: RequestContext, organization_id: str, roles: Sequence[str],
                               db: Adapter | None = None) -> None:
        """Every name is a configured role or one the organization stores; with ``db`` (a unit of work
        holding the organization's lock) the stored ones are read there, so none is deleted meanwhile."""
        if not roles:
            raise APIError(400, E.ROLE_NOT_FOUND)
        known = self._static.names
        if all(r in known for r in roles):
            return
        known = (await self.roles(ctx, organization_id, db)).names
        unknown = [r for r in roles if r not in known]
        if unknown:
            message = f"{E.ROLE_NOT_FOUND}: {', '.join(unknown)}"
            # Better Auth builds this one error as ``{code, message}``: same keys, that order
            body = json.dumps({"code": str(E.ROLE_NOT_FOUND), "message": message}).encode()
            raise APIError(400, E.ROLE_NOT_FOUND, message, body=body)

    async def membership(self, ctx: RequestContext, organization_id: str, user_id: str, *,
                         error: ErrorCode = E.MEMBER_NOT_FOUND, status: int = 400) -> dict[str, Any]:
        member = await self.store.member(organization_id, user_id)
        if member is None:
            raise APIError(status, error)
        return member

    async def can_view_invitations(self, ctx: RequestContext, member: Mapping[str, Any]) -> bool:
        """Invitation ids work as invitation links: only members who may mint them may see them."""
        return await self.allowed(ctx, member, {"invitation": ["create"]})

    def visible_invitations(self, member: Mapping[str, Any], invitations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Invitations granting the creator role are shown to holders of that role only."""
        if self.is_creator(member):
            return invitations
        return [i for i in invitations if self.creator_role not in parse_role_list(i.get("role"))]

    async def set_active(self, ctx: RequestContext, session: SessionData, organization_id: str | None, *,
                         cookies: bool = False, team_id: str | bool | None = False) -> None:
        """Record the active organization (and, when ``team_id`` is not ``False``, team) on the session row;
        with ``cookies`` re-issue the session cookies (``set-active``), else only refresh a cookie cache so it
        does not go on naming the old one. Changing the organization clears the active team."""
        data: dict[str, Any] = {"activeOrganizationId": organization_id}
        if self.options.team_options is not None:
            data["activeTeamId"] = None if team_id is False else team_id
            if team_id is False and organization_id == session.session.get("activeOrganizationId"):
                del data["activeTeamId"]
        await self._update_session(ctx, session, data, cookies=cookies)

    async def set_active_team(self, ctx: RequestContext, session: SessionData, team_id: str | None) -> None:
        await self._update_session(ctx, session, {"activeTeamId": team_id}, cookies=True)

    async def _update_session(self, ctx: RequestContext, session: SessionData, data: dict[str, Any], *,
                              cookies: bool) -> None:
        await ctx.auth.store.update_session(session.token, data)
        session.session.update(data)
        dont_remember = ctx.auth.cookies.read_dont_remember(ctx.request) if ctx.is_http else False
        if cookies:
            set_session_cookies(ctx, session, dont_remember=dont_remember)
        else:
            cache = ctx.auth.plugin_state.get("cookie_cache")
            if cache is not None and ctx.is_http:
                cache.write(ctx, session, dont_remember=dont_remember)


def signed_in(ctx: RequestContext) -> SessionData:
    """The session of an endpoint declared ``session="session"`` (resolved before the handler runs)."""
    session = ctx.session
    if session is None:  # pragma: no cover - the endpoint's session requirement answered 401 already
        raise unauthorized()
    return session


def unauthorized(message: str | None = None) -> APIError:
    """Better Auth's ``APIError.fromStatus("UNAUTHORIZED", ...)``: no body, or only a message."""
    if message is None:
        return APIError(401, None, "Unauthorized", body=b"")
    return APIError(401, None, message)


def bare(status: int) -> APIError:
    """``APIError.fromStatus(status)`` with no body."""
    return APIError(status, None, body=b"")


def refuse_null(body: Mapping[str, Any], *names: str, where: str = "body") -> None:
    """zod's non-nullable ``z.string().optional()`` on ``names``: ``null`` for a NOT NULL column is a 400, where the
    database would refuse it as a 500."""
    issues = [f"[{where}.{name}] Invalid input: expected string, received null"
              for name in names if name in body and body[name] is None]
    if issues:
        raise validation_error(issues)


def min_one(body: Mapping[str, Any], *names: str, where: str = "body") -> None:
    """zod's ``z.string().min(1)`` on the present ``names``."""
    issues = [
        f"[{where}.{name}] Too small: expected string to have >=1 characters"
        for name in names if isinstance(body.get(name), str) and not body[name]
    ]
    if issues:
        raise validation_error(issues)


def is_roles(value: Any) -> bool:
    """``z.union([z.string(), z.array(z.string())])``."""
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def check_roles_shape(body: Mapping[str, Any], name: str = "role") -> None:
    """A required ``string | string[]`` (zod reports a missing or mistyped union as "Invalid input")."""
    if not is_roles(body.get(name)):
        raise validation_error([f"[body.{name}] Invalid input"])


def string_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
