"""Options of the organization plugin (Better Auth's ``OrganizationOptions`` in snake_case), checked once at
build time. Options that may be functions take sync or async callables."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigError
from .access import DEFAULT_ROLES, AccessControl, Role

Row = dict[str, Any]
#: ``(user) -> bool``
UserPredicate = Callable[[Row], "bool | Awaitable[bool]"]
#: ``(user, organization) -> int``
MembershipLimit = Callable[[Row, Row], "int | Awaitable[int]"]
#: ``(data, request) -> None``; ``data`` is Better Auth's: ``{id, role, email, organization, inviter:
#: {...member, user}, invitation}``; ``request`` is ``None`` for a server call
SendInvitationEmail = Callable[[Row, Any], Awaitable[None] | None]

DEFAULT_INVITATION_EXPIRES_IN = 48 * 3600
#: ``(data, ...) -> int``: ``data`` is ``{organizationId, session}`` (maximum teams) or ``{teamId, session,
#: organizationId}`` (maximum members per team)
TeamLimit = Callable[[Row], "int | Awaitable[int]"]
#: ``(organization_id) -> int``
RolesLimit = Callable[[str], "int | float | Awaitable[int | float]"]


@dataclass(frozen=True)
class TeamsOptions:
    """Better Auth's ``teams`` option (off unless given): teams inside an organization."""

    enabled: bool = True
    #: teams per organization (``None``: no limit)
    maximum_teams: int | TeamLimit | None = None
    #: members per team (``None``: no limit)
    maximum_members_per_team: int | TeamLimit | None = None
    #: may the last team of an organization be removed
    allow_removing_all_teams: bool = False
    #: create a team named after the organization, with its creator in it, when an organization is created
    default_team: bool = True


@dataclass(frozen=True)
class DynamicAccessControl:
    """Better Auth's ``dynamicAccessControl`` option (off unless given): roles stored per organization in the
    ``organizationRole`` table, managed through ``/organization/*-role`` and honoured by every permission
    check. Needs ``ac`` (the statements a stored role may grant)."""

    enabled: bool = True
    #: stored roles per organization, or ``(organization_id) -> int``; ``None``: no limit
    maximum_roles_per_organization: int | RolesLimit | None = None


@dataclass(frozen=True)
class OrganizationOptions:
    #: may a signed-in user create organizations (a server call naming ``userId`` always may)
    allow_user_to_create_organization: bool | UserPredicate = True
    #: organizations one user may belong to, or ``(user) -> bool`` answering "limit reached"
    organization_limit: int | UserPredicate | None = None
    #: the role of whoever creates an organization; it alone can grant or remove itself
    creator_role: str = "owner"
    #: members per organization, or ``(user, organization) -> int``
    membership_limit: int | MembershipLimit = 100
    #: seconds an invitation stays valid
    invitation_expires_in: int = DEFAULT_INVITATION_EXPIRES_IN
    #: pending invitations per organization
    invitation_limit: int = 100
    #: inviting an address with a pending invitation cancels it and sends a new one (else 400)
    cancel_pending_invitations_on_re_invite: bool = False
    #: accepting, rejecting or viewing an invitation needs a verified email. Off by default as in Better Auth
    #: (invitation ids are unguessable); turn it on when anyone can sign up with any address unverified.
    require_email_verification_on_invitation: bool = False
    send_invitation_email: SendInvitationEmail | None = None
    #: Better Auth's ``disableOrganizationDeletion``
    disable_organization_deletion: bool = False
    #: the application's access control: ``roles`` decides configured roles; with dynamic access control it
    #: names the resources a stored role may grant (and without it stored roles grant nothing, as in Better Auth)
    ac: AccessControl | None = None
    #: role name -> ``Role``, merged over Better Auth's defaults ``owner``, ``admin``, ``member``
    roles: Mapping[str, Role] | None = None
    #: ``TeamsOptions`` (or a dict of its fields); ``None``: no teams
    teams: TeamsOptions | Mapping[str, Any] | None = None
    #: ``DynamicAccessControl`` (or a dict of its fields); ``None``: roles come from ``roles`` only
    dynamic_access_control: DynamicAccessControl | Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        for label, kind in (("teams", TeamsOptions), ("dynamic_access_control", DynamicAccessControl)):
            value = getattr(self, label)
            if isinstance(value, Mapping):
                try:
                    object.__setattr__(self, label, kind(**value))
                except TypeError as exc:
                    raise ConfigError(f"organization: {label}: {exc}") from None
        limit = self.dynamic_access_control.maximum_roles_per_organization if isinstance(
            self.dynamic_access_control, DynamicAccessControl) else None
        if isinstance(limit, bool) or (isinstance(limit, int) and limit < 0):
            raise ConfigError(
                "organization: maximum_roles_per_organization must be a non-negative integer or a function"
            )
        for name, role in (self.roles or {}).items():
            if not isinstance(role, Role):
                raise ConfigError(
                    f"organization: roles[{name!r}] must be a Role (ac.new_role(...)), got {type(role).__name__}"
                )
        if not self.creator_role or "," in self.creator_role:
            raise ConfigError("organization: creator_role must be one role name")
        for label in ("invitation_expires_in", "invitation_limit"):
            value = getattr(self, label)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"organization: {label} must be a positive integer")
        for label in ("organization_limit", "membership_limit"):
            value = getattr(self, label)
            if isinstance(value, bool) or (isinstance(value, int) and value < 0):
                raise ConfigError(f"organization: {label} must be a non-negative integer or a function")
        if self.creator_role not in self.effective_roles:
            raise ConfigError(f"organization: creator_role {self.creator_role!r} is not a configured role")

    @property
    def team_options(self) -> TeamsOptions | None:
        """The teams configuration when teams are enabled."""
        teams = self.teams
        return teams if isinstance(teams, TeamsOptions) and teams.enabled else None

    @property
    def dac_options(self) -> DynamicAccessControl | None:
        """The dynamic access control configuration when it is enabled."""
        dac = self.dynamic_access_control
        return dac if isinstance(dac, DynamicAccessControl) and dac.enabled else None

    @property
    def effective_roles(self) -> Mapping[str, Role]:
        """Better Auth's ``{...defaultRoles, ...roles}`` for role names; ``roles`` replaces a default of the
        same name."""
        return {**DEFAULT_ROLES, **(self.roles or {})}

    @property
    def permission_roles(self) -> Mapping[str, Role]:
        """What permission checks use: ``roles`` when given (Better Auth's ``options.roles || defaultRoles``)."""
        return self.roles if self.roles is not None else DEFAULT_ROLES


async def resolve(value: Any, *args: Any) -> Any:
    """An option that may be a value or a (sync or async) function of ``args``."""
    if not callable(value):
        return value
    result = value(*args)
    return await result if inspect.isawaitable(result) else result
