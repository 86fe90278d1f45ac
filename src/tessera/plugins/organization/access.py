"""Organization roles: Better Auth's default statements and roles, role lists, and the permission check.

The access-control model is the admin plugin's (``create_access_control`` / ``ac.new_role``); only the
statements and the default roles differ. A member's ``role`` column may hold several roles, comma-separated
(``"admin,billing"``); a member may do what any one of them allows::

    ac = create_access_control({**DEFAULT_STATEMENTS, "project": ("create", "delete")})
    organization(ac=ac, roles={**DEFAULT_ROLES, "billing": ac.new_role({"project": ("create",)})})
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..admin.access import AccessControl, Role, create_access_control

__all__ = ["AccessControl", "Role", "create_access_control"]  # re-exported: one access-control model

#: Better Auth's ``defaultStatements`` of the organization plugin
DEFAULT_STATEMENTS: dict[str, tuple[str, ...]] = {
    "organization": ("update", "delete"),
    "member": ("create", "update", "delete"),
    "invitation": ("create", "cancel"),
    "team": ("create", "update", "delete"),
    "ac": ("create", "read", "update", "delete"),
}
DEFAULT_AC = create_access_control(DEFAULT_STATEMENTS)
OWNER_ROLE = DEFAULT_AC.new_role(DEFAULT_STATEMENTS)
#: everything but deleting the organization
ADMIN_ROLE = DEFAULT_AC.new_role({**DEFAULT_STATEMENTS, "organization": ("update",)})
MEMBER_ROLE = DEFAULT_AC.new_role({"organization": (), "member": (), "invitation": (), "team": (), "ac": ("read",)})
DEFAULT_ROLES: dict[str, Role] = {"admin": ADMIN_ROLE, "owner": OWNER_ROLE, "member": MEMBER_ROLE}


def parse_role_list(roles: str | Sequence[str] | None) -> list[str]:
    """``"admin, owner"``, ``["admin", " owner"]`` and ``"admin,owner"`` are all ``["admin", "owner"]``.

    Every comparison and every write of a role goes through here, so a padded name can never be stored in a
    form one check matches and another does not (Better Auth's ``parseRoleList``)."""
    if roles is None:
        return []
    items = [roles] if isinstance(roles, str) else list(roles)
    return [name.strip() for item in items for name in str(item).split(",") if name.strip()]


def parse_roles(roles: str | Sequence[str] | None) -> str:
    """The stored form: trimmed names joined by commas."""
    return ",".join(parse_role_list(roles))


def has_permission(
    role: str | None,
    permissions: Mapping[str, Any] | None,
    roles: Mapping[str, Role],
    *,
    creator_role: str = "owner",
    allow_creator_all_permissions: bool = False,
) -> bool:
    """Better Auth's ``hasPermissionFn``: one of the member's roles must allow every requested action."""
    if not permissions:
        return False
    names = parse_role_list(role)
    if allow_creator_all_permissions and creator_role in names:
        return True
    for name in names:
        granted = roles.get(name)
        if granted is not None and granted.authorize(permissions).success:
            return True
    return False


def _grants(names: Iterable[str], roles: Mapping[str, Role]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for name in names:
        role = roles.get(name)
        if role is not None:
            out.update((resource, action) for resource, actions in role.statements.items() for action in actions)
    return out


def roles_within(wanted: Iterable[str], held: Iterable[str], roles: Mapping[str, Role]) -> bool:
    """Whether the roles ``wanted`` grant nothing the roles ``held`` do not: a member may hand out (or
    change) only roles at or below their own. An unknown name in ``wanted`` grants nothing here; callers
    reject unknown roles separately."""
    return _grants(wanted, roles) <= _grants(held, roles)


def is_permission(value: Any) -> bool:
    """zod's ``z.record(z.string(), z.array(z.string()))``: what a stored role's ``permission`` holds."""
    return isinstance(value, dict) and all(
        isinstance(actions, list) and all(isinstance(a, str) for a in actions) for actions in value.values()
    )


def parse_permission(text: Any) -> dict[str, list[str]] | None:
    """A stored role's ``permission`` column (JSON text) as statements; ``None`` when it is not such a record
    (written by hand, or by something else)."""
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return value if is_permission(value) else None


def with_stored_roles(
    roles: Mapping[str, Role], stored: Iterable[tuple[str, Mapping[str, Sequence[str]]]], ac: AccessControl
) -> dict[str, Role]:
    """Better Auth's dynamic ``hasPermission``: each stored role's statements are added to those of the
    configured role of the same name, if any (a name stored twice adds up)."""
    out = dict(roles)
    for name, permission in stored:
        known = out.get(name)
        merged: dict[str, list[str]] = {k: list(v) for k, v in (known.statements if known else {}).items()}
        for resource, actions in permission.items():
            merged[resource] = list(dict.fromkeys([*merged.get(resource, ()), *actions]))
        out[name] = ac.new_role(merged)
    return out
