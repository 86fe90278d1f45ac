"""Options of the admin plugin (Better Auth's ``AdminOptions`` in snake_case), checked once at build time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigError
from .access import DEFAULT_ROLES, AccessControl, Role

DEFAULT_BANNED_USER_MESSAGE = (
    "You have been banned from this application. Please contact support if you believe this is an error."
)
#: ``bannedUserMessage`` may be a function of the banned user (sync or async)
BannedUserMessage = str | Callable[[dict[str, Any]], "str | Awaitable[str]"]


@dataclass(frozen=True)
class AdminOptions:
    #: role given to new users (sign-up, social sign-in, create-user without a role)
    default_role: str = "user"
    #: roles that count as admin (a list, or a comma-separated string): a user holding one cannot be
    #: impersonated without ``impersonate-admins``. Permissions come from each role's statements, never
    #: from this list; every name must be a configured role.
    admin_roles: tuple[str, ...] | str = ("admin",)
    #: these users may do everything, whatever their role
    admin_user_ids: tuple[str, ...] = ()
    default_ban_reason: str | None = None
    #: seconds; ``None``: bans do not expire unless ``banExpiresIn`` is given
    default_ban_expires_in: int | None = None
    #: seconds an impersonation session lives (it is never extended)
    impersonation_session_duration: int = 3600
    banned_user_message: BannedUserMessage = DEFAULT_BANNED_USER_MESSAGE
    #: the application's access control (informational, as in Better Auth); ``roles`` decides
    ac: AccessControl | None = None
    #: role name -> ``Role``; ``None`` means Better Auth's defaults ``admin`` and ``user``
    roles: Mapping[str, Role] | None = None
    #: deprecated in Better Auth in favour of the ``impersonate-admins`` permission
    allow_impersonating_admins: bool = False

    def __post_init__(self) -> None:
        names = self.admin_roles
        names = tuple(r.strip() for r in (names.split(",") if isinstance(names, str) else names))
        object.__setattr__(self, "admin_roles", names)
        object.__setattr__(self, "admin_user_ids", tuple(self.admin_user_ids))
        known = {r.lower() for r in self.effective_roles}
        invalid = [r for r in names if r.lower() not in known]
        if invalid:
            raise ConfigError(
                f"Invalid admin roles: {', '.join(invalid)}. Admin roles must be defined in the 'roles' configuration."
            )
        for name, role in self.effective_roles.items():
            if not isinstance(role, Role):
                raise ConfigError(f"admin: roles[{name!r}] must be a Role (ac.new_role(...)), got {type(role).__name__}")
        for label in ("default_ban_expires_in", "impersonation_session_duration"):
            value = getattr(self, label)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
                raise ConfigError(f"admin: {label} must be a positive number of seconds")

    @property
    def effective_roles(self) -> Mapping[str, Role]:
        return self.roles if self.roles is not None else DEFAULT_ROLES

    def is_admin(self, user: Mapping[str, Any]) -> bool:
        """Holds an admin role, or is listed in ``admin_user_ids``."""
        roles = str(user.get("role") or self.default_role or "user").split(",")
        return any(r in self.admin_roles for r in roles) or user.get("id") in self.admin_user_ids
