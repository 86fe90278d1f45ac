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
organization stores and manages through ``/organization/*-role``. See docs/organization.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from .config import DynamicAccessControl, OrganizationOptions, TeamsOptions
from .endpoints import build_endpoints
from .errors import OrganizationErrorCodes
from .schema import organization_schema
from .store import OrganizationStore

if TYPE_CHECKING:
    from ...context import AuthContext

__all__ = [
    "ADMIN_ROLE",
    "DEFAULT_AC",
    "DEFAULT_ROLES",
    "DEFAULT_STATEMENTS",
    "MEMBER_ROLE",
    "OWNER_ROLE",
    "AccessControl",
    "DynamicAccessControl",
    "OrganizationErrorCodes",
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


def organization(options: OrganizationOptions | None = None, /, **kwargs: Any) -> OrganizationPlugin:
    """Better Auth's ``organization()`` plugin. Keyword arguments are ``OrganizationOptions`` fields (its
    ``OrganizationOptions`` in snake_case): ``organization(organization_limit=5, creator_role="owner")``."""
    return plugin_from_options("organization", OrganizationPlugin, OrganizationOptions, options, kwargs)
