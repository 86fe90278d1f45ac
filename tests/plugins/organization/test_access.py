"""Role lists and permission checks of the organization plugin (pure functions)."""

from __future__ import annotations

from tessera.plugins.organization import (
    ADMIN_ROLE,
    DEFAULT_ROLES,
    MEMBER_ROLE,
    OWNER_ROLE,
    parse_role_list,
    parse_roles,
)
from tessera.plugins.organization.access import has_permission, roles_within


def test_role_lists_are_trimmed_and_split() -> None:
    assert parse_role_list(" admin, owner ,,") == ["admin", "owner"]
    assert parse_role_list(["admin", " owner,member"]) == ["admin", "owner", "member"]
    assert parse_role_list(None) == [] and parse_roles(["admin", " owner"]) == "admin,owner"


def test_default_roles_match_better_auth() -> None:
    assert OWNER_ROLE.statements["organization"] == ("update", "delete")
    assert ADMIN_ROLE.statements["organization"] == ("update",)
    assert MEMBER_ROLE.statements == {"organization": (), "member": (), "invitation": (), "team": (), "ac": ("read",)}


def test_has_permission_takes_any_of_the_roles() -> None:
    assert has_permission("member,admin", {"member": ["create"]}, DEFAULT_ROLES)
    assert not has_permission("member", {"member": ["create"]}, DEFAULT_ROLES)
    assert not has_permission("admin", {"organization": ["delete"]}, DEFAULT_ROLES)
    assert not has_permission("ghost", {"ac": ["read"]}, DEFAULT_ROLES)
    assert not has_permission("owner", {}, DEFAULT_ROLES)
    custom = {"owner": MEMBER_ROLE}
    assert not has_permission("owner", {"member": ["update"]}, custom)
    assert has_permission("owner", {"member": ["update"]}, custom, allow_creator_all_permissions=True)


def test_roles_within_compares_what_roles_grant() -> None:
    assert roles_within(["member"], ["admin"], DEFAULT_ROLES)
    assert roles_within(["admin"], ["admin"], DEFAULT_ROLES)
    assert not roles_within(["owner"], ["admin"], DEFAULT_ROLES)
    assert not roles_within(["admin"], ["member"], DEFAULT_ROLES)
    assert roles_within(["admin", "member"], ["owner"], DEFAULT_ROLES)
