"""Access control: statements (what can be done to what), roles (which of it a role may do), and the check.

The same model as Better Auth's ``createAccessControl`` / ``ac.newRole`` / ``role.authorize``, so roles
defined for the ``adminClient`` on the browser side can be mirrored here one for one::

    ac = create_access_control({**DEFAULT_STATEMENTS, "project": ("create", "share", "delete")})
    support = ac.new_role({"user": ("list", "get"), "session": ("list",)})
    admin(roles={"admin": ADMIN_ROLE, "user": USER_ROLE, "support": support})

A request names, per resource, the actions needed: ``{"user": ["ban"]}``. Every named resource must be
allowed (``AND``, the default) or one of them (``OR``); a resource the role does not mention is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Statements = Mapping[str, Sequence[str]]
Connector = Literal["AND", "OR"]

#: Better Auth's ``defaultStatements`` of the admin plugin
DEFAULT_STATEMENTS: dict[str, tuple[str, ...]] = {
    "user": (
        "create", "list", "set-role", "ban", "impersonate", "impersonate-admins", "delete", "set-password",
        "set-email", "set-phone", "get", "update",
    ),
    "session": ("list", "revoke", "delete"),
}


@dataclass(frozen=True)
class AuthorizeResult:
    success: bool
    error: str | None = None


@dataclass(frozen=True)
class Role:
    """What one role may do: resource -> allowed actions."""

    statements: Mapping[str, tuple[str, ...]]

    def authorize(self, request: Mapping[str, Any], connector: Connector = "AND") -> AuthorizeResult:
        """Whether this role may do what ``request`` asks (Better Auth's ``role.authorize``)."""
        authorized_any = False
        for resource, wanted in request.items():
            allowed = self.statements.get(resource)
            if allowed is None:
                if connector == "AND":
                    return AuthorizeResult(False, f"You are not allowed to access resource: {resource}")
                continue
            actions, inner = _actions(wanted)
            ok = bool(actions) and (
                any(_allows(allowed, a) for a in actions) if inner == "OR"
                else all(_allows(allowed, a) for a in actions)
            )
            if ok:
                authorized_any = True
                if connector == "OR":
                    return AuthorizeResult(True)
            elif connector == "AND":
                return AuthorizeResult(False, f'unauthorized to access resource "{resource}"')
        return AuthorizeResult(True) if authorized_any else AuthorizeResult(False, "Not authorized")


def _actions(wanted: Any) -> tuple[list[Any], Connector]:
    """``["a", "b"]`` (all of them) or ``{"actions": [...], "connector": "OR"}``."""
    if isinstance(wanted, list | tuple):
        return list(wanted), "AND"
    if isinstance(wanted, Mapping):
        actions = wanted.get("actions")
        inner: Connector = "OR" if wanted.get("connector") == "OR" else "AND"
        return (list(actions) if isinstance(actions, list | tuple) else []), inner
    return [], "AND"


def _allows(allowed: Sequence[str], action: Any) -> bool:
    return isinstance(action, str) and action in allowed


@dataclass(frozen=True)
class AccessControl:
    """The statements an application knows; roles are made from (subsets of) them."""

    statements: Mapping[str, tuple[str, ...]]

    def new_role(self, statements: Statements) -> Role:
        return Role({resource: tuple(actions) for resource, actions in statements.items()})


def create_access_control(statements: Statements) -> AccessControl:
    return AccessControl({resource: tuple(actions) for resource, actions in statements.items()})


DEFAULT_AC = create_access_control(DEFAULT_STATEMENTS)
#: every default statement except ``impersonate-admins``: admins cannot impersonate other admins by default
ADMIN_ROLE = DEFAULT_AC.new_role(
    {
        "user": tuple(a for a in DEFAULT_STATEMENTS["user"] if a != "impersonate-admins"),
        "session": DEFAULT_STATEMENTS["session"],
    }
)
USER_ROLE = DEFAULT_AC.new_role({"user": (), "session": ()})
DEFAULT_ROLES: dict[str, Role] = {"admin": ADMIN_ROLE, "user": USER_ROLE}


def has_permission(
    *,
    user_id: str | None,
    role: str | None,
    permissions: Mapping[str, Any] | None,
    roles: Mapping[str, Role],
    default_role: str,
    admin_user_ids: Sequence[str] = (),
) -> bool:
    """Better Auth's ``hasPermission``: listed admin ids may do anything; otherwise one of the user's
    comma-separated roles must allow every requested action."""
    if user_id and user_id in admin_user_ids:
        return True
    if not permissions:
        return False
    for name in (role or default_role or "user").split(","):
        granted = roles.get(name)
        if granted is not None and granted.authorize(permissions).success:
            return True
    return False
