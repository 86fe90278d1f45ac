"""The admin plugin (Better Auth's ``admin()``): user management, roles and permissions, bans and
impersonation under ``/admin/*``, compatible with the official ``adminClient``::

    from tessera.plugins.admin import admin

    auth = Tessera(..., plugins=[admin()])
    auth = Tessera(..., plugins=[admin(admin_user_ids=["u_123"], default_ban_expires_in=7 * 86400)])

Schema: ``user.role``, ``user.banned``, ``user.banReason``, ``user.banExpires``, ``session.impersonatedBy``
(``tessera generate`` / ``migrate`` emit them). A banned user gets no session by any path (a
``session.create`` database hook answers ``403 BANNED_USER``); banning ends the user's sessions on every
instance, cookie caches included. See docs/plugins/admin.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base import ContextPlugin, plugin_from_options
from .access import (
    ADMIN_ROLE,
    DEFAULT_AC,
    DEFAULT_ROLES,
    DEFAULT_STATEMENTS,
    USER_ROLE,
    AccessControl,
    AuthorizeResult,
    Role,
    create_access_control,
    has_permission,
)
from .config import DEFAULT_BANNED_USER_MESSAGE, AdminOptions
from .endpoints import ADMIN_SESSION, build_endpoints
from .errors import AdminErrorCodes
from .hooks import ban_check_hook, default_role_hook, hide_impersonations_hook
from .schema import admin_schema

__all__ = [
    "ADMIN_ROLE",
    "ADMIN_SESSION",
    "DEFAULT_AC",
    "DEFAULT_BANNED_USER_MESSAGE",
    "DEFAULT_ROLES",
    "DEFAULT_STATEMENTS",
    "USER_ROLE",
    "AccessControl",
    "AdminErrorCodes",
    "AdminOptions",
    "AdminPlugin",
    "AuthorizeResult",
    "Role",
    "admin",
    "create_access_control",
    "has_permission",
]


class AdminPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(AdminPlugin).options`` is its ``AdminOptions``."""

    options: AdminOptions

    def __init__(self, options: AdminOptions) -> None:
        super().__init__(
            id="admin",
            endpoints=(),
            schema=admin_schema(options.default_role),
            after=(hide_impersonations_hook(),),
            error_codes=AdminErrorCodes,
            database_hooks={
                "user": {"create": {"before": default_role_hook(self)}},
                "session": {"create": {"before": ban_check_hook(self)}},
            },
            init=self._init,
            options=options,
        )
        self.endpoints = build_endpoints(self)

    def has_permission(self, user: Mapping[str, object], permissions: Mapping[str, object]) -> bool:
        """Whether ``user`` (a user row: ``id``, ``role``) may do what ``permissions`` asks."""
        return has_permission(
            user_id=str(user.get("id") or ""),
            role=str(user["role"]) if user.get("role") else None,
            permissions=permissions,
            roles=self.options.effective_roles,
            default_role=self.options.default_role,
            admin_user_ids=self.options.admin_user_ids,
        )


def admin(options: AdminOptions | None = None, /, **kwargs: Any) -> AdminPlugin:
    """Better Auth's ``admin()`` plugin. Keyword arguments are ``AdminOptions`` fields (its ``AdminOptions``
    in snake_case): ``admin(admin_user_ids=["u_1"], default_ban_expires_in=86400)``."""
    return plugin_from_options("admin", AdminPlugin, AdminOptions, options, kwargs)
