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
#: ``(data) -> int``: ``data`` is ``{user, organization, member}`` (the inviter, the organization, the
#: inviter's membership)
InvitationLimit = Callable[[Row], "int | Awaitable[int]"]
#: ``(organization, ctx) -> team``: creates the default team of a new organization itself
CreateDefaultTeam = Callable[[Row, Any], "Row | Awaitable[Row]"]
#: an organization hook: keyword arguments only, sync or async
OrganizationHook = Callable[..., Any]

#: Better Auth's ``organizationHooks``, snake_case: the names ``OrganizationHooks`` accepts
HOOK_NAMES: tuple[str, ...] = tuple(
    f"{when}_{what}" for what in (
        "create_organization", "update_organization", "delete_organization",
        "add_member", "remove_member", "update_member_role",
        "create_invitation", "accept_invitation", "reject_invitation", "cancel_invitation",
        "create_team", "update_team", "delete_team", "add_team_member", "remove_team_member",
    ) for when in ("before", "after")
)


@dataclass(frozen=True)
class DefaultTeam:
    """Better Auth's ``teams.defaultTeam``."""

    enabled: bool = True
    #: ``(organization, ctx) -> team`` (sync or async): makes the default team instead of the plugin; it runs
    #: once the organization and its creator are stored, and the creator then joins the team it answers
    custom_create_default_team: CreateDefaultTeam | None = None


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
    #: create a team named after the organization, with its creator in it, when an organization is created:
    #: a bool, a ``DefaultTeam`` or a dict of its fields (Better Auth's ``{enabled, customCreateDefaultTeam}``)
    default_team: bool | DefaultTeam | Mapping[str, Any] = True

    def __post_init__(self) -> None:
        value = self.default_team
        if isinstance(value, bool):
            value = DefaultTeam(enabled=value)
        elif isinstance(value, Mapping):
            try:
                value = DefaultTeam(**value)
            except TypeError as exc:
                raise ConfigError(f"organization: teams.default_team: {exc}") from None
        if not isinstance(value, DefaultTeam):
            raise ConfigError("organization: teams.default_team must be a bool, a DefaultTeam or a dict")
        custom = value.custom_create_default_team
        if custom is not None and not callable(custom):
            raise ConfigError("organization: teams.default_team.custom_create_default_team must be a function")
        object.__setattr__(self, "default_team", value)

    @property
    def default(self) -> DefaultTeam:
        """``default_team`` as a ``DefaultTeam`` (``__post_init__`` made it one)."""
        assert isinstance(self.default_team, DefaultTeam)
        return self.default_team


@dataclass(frozen=True)
class OrganizationHooks:
    """Better Auth's ``organizationHooks``, snake_case. Each is a sync or async function called with keyword
    arguments (Better Auth's data, snake_case: ``organization=``, ``user=``, ``member=``, ``new_role=``, ...).
    A ``before_*`` hook may raise ``APIError`` to refuse (nothing is written) or return ``{"data": {...}}`` to
    change what is written; ``after_*`` hooks run once the operation is committed. See docs/organization.md."""

    before_create_organization: OrganizationHook | None = None
    after_create_organization: OrganizationHook | None = None
    before_update_organization: OrganizationHook | None = None
    after_update_organization: OrganizationHook | None = None
    before_delete_organization: OrganizationHook | None = None
    after_delete_organization: OrganizationHook | None = None
    before_add_member: OrganizationHook | None = None
    after_add_member: OrganizationHook | None = None
    before_remove_member: OrganizationHook | None = None
    after_remove_member: OrganizationHook | None = None
    before_update_member_role: OrganizationHook | None = None
    after_update_member_role: OrganizationHook | None = None
    before_create_invitation: OrganizationHook | None = None
    after_create_invitation: OrganizationHook | None = None
    before_accept_invitation: OrganizationHook | None = None
    after_accept_invitation: OrganizationHook | None = None
    before_reject_invitation: OrganizationHook | None = None
    after_reject_invitation: OrganizationHook | None = None
    before_cancel_invitation: OrganizationHook | None = None
    after_cancel_invitation: OrganizationHook | None = None
    before_create_team: OrganizationHook | None = None
    after_create_team: OrganizationHook | None = None
    before_update_team: OrganizationHook | None = None
    after_update_team: OrganizationHook | None = None
    before_delete_team: OrganizationHook | None = None
    after_delete_team: OrganizationHook | None = None
    before_add_team_member: OrganizationHook | None = None
    after_add_team_member: OrganizationHook | None = None
    before_remove_team_member: OrganizationHook | None = None
    after_remove_team_member: OrganizationHook | None = None

    def __post_init__(self) -> None:
        for name in HOOK_NAMES:
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ConfigError(f"organization: organization_hooks.{name} must be a function")


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
    #: pending invitations per organization, or ``({user, organization, member}) -> int`` (sync or async)
    invitation_limit: int | InvitationLimit = 100
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
    #: ``OrganizationHooks`` (or a dict of its fields): Better Auth's ``organizationHooks``
    organization_hooks: OrganizationHooks | Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        for label, kind in (("teams", TeamsOptions), ("dynamic_access_control", DynamicAccessControl),
                            ("organization_hooks", OrganizationHooks)):
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
        value = self.invitation_expires_in
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConfigError("organization: invitation_expires_in must be a positive integer")
        invitations = self.invitation_limit
        if not callable(invitations) and (
            not isinstance(invitations, int) or isinstance(invitations, bool) or invitations < 0
        ):
            raise ConfigError("organization: invitation_limit must be a non-negative integer or a function")
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
    def hooks(self) -> OrganizationHooks:
        """``organization_hooks`` (none set: every hook ``None``)."""
        hooks = self.organization_hooks
        return hooks if isinstance(hooks, OrganizationHooks) else NO_HOOKS

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


NO_HOOKS = OrganizationHooks()


async def resolve(value: Any, *args: Any) -> Any:
    """An option that may be a value or a (sync or async) function of ``args``."""
    if not callable(value):
        return value
    result = value(*args)
    return await result if inspect.isawaitable(result) else result
