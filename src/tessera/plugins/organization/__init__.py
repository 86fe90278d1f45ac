"""The organization plugin (Better Auth's ``organization()``): organizations, members with roles, and
invitations under ``/organization/*``, compatible with the official ``organizationClient``::

    from tessera.plugins.organization import organization

    auth = Tessera(..., plugins=[organization()])
    auth = Tessera(..., plugins=[organization(organization_limit=5, send_invitation_email=mail_invite)])

Schema: tables ``organization``, ``member``, ``invitation`` and ``session.activeOrganizationId``
(``tessera generate`` / ``migrate`` emit them), shared as-is with a Better Auth deployment. Roles and
permissions use the admin plugin's access control with Better Auth's organization statements. Teams
(``teams=TeamsOptions()``, off by default as in Better Auth) add ``team``, ``teamMember``,
``invitation.teamId`` and ``session.activeTeamId``. Dynamic access control
(``dynamic_access_control=DynamicAccessControl()``, with ``ac``) adds ``organizationRole``: roles each
organization stores and manages through ``/organization/*-role``. ``organization_hooks`` are Better Auth's
``organizationHooks`` (keyword arguments; before hooks may change or refuse, after hooks run once the
operation is committed). Deleting the account of an organization's only owner is refused. See
docs/organization.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...db.adapter import Where
from ...errors import APIError
from ..base import ContextPlugin, plugin_from_options
from .access import (
    ADMIN_ROLE,
    DEFAULT_AC,
    DEFAULT_ROLES,
    DEFAULT_STATEMENTS,
    MEMBER_ROLE,
    OWNER_ROLE,
    AccessControl,
    Role,
    create_access_control,
    parse_role_list,
    parse_roles,
)
from .config import DefaultTeam, DynamicAccessControl, OrganizationHooks, OrganizationOptions, TeamsOptions
from .endpoints import build_endpoints
from .errors import OrganizationErrorCodes
from .schema import organization_schema
from .store import OrganizationStore

if TYPE_CHECKING:
    from ...context import AuthContext
    from ...db.adapter import Adapter

__all__ = [
    "ADMIN_ROLE",
    "DEFAULT_AC",
    "DEFAULT_ROLES",
    "DEFAULT_STATEMENTS",
    "MEMBER_ROLE",
    "OWNER_ROLE",
    "AccessControl",
    "DefaultTeam",
    "DynamicAccessControl",
    "OrganizationErrorCodes",
    "OrganizationHooks",
    "OrganizationOptions",
    "OrganizationPlugin",
    "Role",
    "TeamsOptions",
    "create_access_control",
    "organization",
    "parse_role_list",
    "parse_roles",
]


class OrganizationPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(OrganizationPlugin).options`` is its ``OrganizationOptions``."""

    options: OrganizationOptions

    def __init__(self, options: OrganizationOptions) -> None:
        self._store: OrganizationStore | None = None
        super().__init__(
            id="organization",
            schema=organization_schema(teams=options.team_options is not None,
                                      dynamic_roles=options.dac_options is not None),
            error_codes=OrganizationErrorCodes,
            init=self._init,
            options=options,
        )
        self.endpoints = build_endpoints(self)

    @property
    def store(self) -> OrganizationStore:
        if self._store is None:
            raise self.not_built()
        return self._store

    def _init(self, context: AuthContext) -> None:
        super()._init(context)
        self._store = OrganizationStore(context.store)
        context.store.user_delete_guards.append(self._keep_an_owner)

    async def _keep_an_owner(self, user_id: str, tx: Adapter) -> None:
        """Inside the unit of work deleting a user (``/delete-user``, the admin's ``remove-user``, ...):
        refuse while they are the only holder of the creator role in an organization. Every such
        organization's row is locked (in id order) before the owners are counted, as leaving and demoting
        lock it, so two owners deleting their accounts at once cannot both go. The organizations are found
        outside the unit of work: a read inside it before the locks would fix MySQL's snapshot too early."""
        creator = self.options.creator_role
        rows = await self.store.adapter.find_many("member", [Where("userId", user_id)], limit=None)
        owned = sorted({r["organizationId"] for r in rows if creator in parse_role_list(r.get("role"))})
        locked = [organization_id for organization_id in owned if await self.store.lock(organization_id, tx)]
        for organization_id in locked:
            holders = await self.store.holders("member", organization_id, creator, tx)
            if any(h["userId"] == user_id for h in holders) and all(h["userId"] == user_id for h in holders):
                raise APIError(400, OrganizationErrorCodes.USER_IS_THE_ONLY_OWNER_OF_AN_ORGANIZATION)


def organization(options: OrganizationOptions | None = None, /, **kwargs: Any) -> OrganizationPlugin:
    """Better Auth's ``organization()`` plugin. Keyword arguments are ``OrganizationOptions`` fields (its
    ``OrganizationOptions`` in snake_case): ``organization(organization_limit=5, creator_role="owner")``."""
    return plugin_from_options("organization", OrganizationPlugin, OrganizationOptions, options, kwargs)
