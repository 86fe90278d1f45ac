"""Better Auth's official client with ``organizationClient()`` (``better-auth@1.7.24``) against tessera's
organization plugin.

``tests/reference/node/organization_client.mjs`` signs two users up and drives create → invite → accept →
list → update role → leave → delete through ``authClient.organization.*``.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from conformance_client import data, error
from conformance_servers import Server, run_client_script, start_tessera_server


@pytest.fixture(scope="module")
def report(reference_node: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("organization-client")
    server: Server = start_tessera_server(tmp, database="sqlite", plugins="organization")
    run = uuid.uuid4().hex[:8]
    try:
        return run_client_script(
            reference_node, server, "organization_client.mjs", "--owner-email", f"owner-{run}@example.com",
            "--invitee-email", f"invitee-{run}@example.com", "--slug", f"org-{run}",
        )
    finally:
        server.stop()


def test_create_invite_accept_list(report: dict[str, Any]) -> None:
    created = data(report, "create")
    assert created["metadata"] == {"tier": 1} and created["members"][0]["role"] == "owner"
    assert set(created["createdAt"]) == {"$date"}  # the client revives dates: the shape is Better Auth's
    taken = error(report, "checkSlug")
    assert (taken["status"], taken["code"]) == (400, "ORGANIZATION_SLUG_ALREADY_TAKEN")
    assert [o["id"] for o in data(report, "list")] == [created["id"]]
    assert data(report, "getFullOrganization")["id"] == created["id"]
    invitation = data(report, "inviteMember")
    assert (invitation["status"], invitation["role"]) == ("pending", "member")
    assert [i["id"] for i in data(report, "listInvitations")] == [invitation["id"]]
    assert data(report, "getInvitation")["organizationName"] == "Client Org"
    accepted = data(report, "acceptInvitation")
    assert accepted["invitation"]["status"] == "accepted" and accepted["member"]["role"] == "member"
    assert data(report, "activeMember")["organizationId"] == created["id"]
    assert data(report, "activeMemberRole") == {"role": "member"}
    members = data(report, "listMembers")
    assert members["total"] == 2 and {m["role"] for m in members["members"]} == {"owner", "member"}


def test_roles_leave_and_delete(report: dict[str, Any]) -> None:
    assert data(report, "hasPermissionBefore") == {"error": None, "success": False}
    assert data(report, "updateMemberRole")["role"] == "admin"
    assert data(report, "hasPermissionAfter") == {"error": None, "success": True}
    assert data(report, "checkRolePermission") is False
    refused = error(report, "ownerCannotLeave")
    assert (refused["status"], refused["code"]) == (400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")
    assert data(report, "leave")["role"] == "admin"
    assert data(report, "setActiveNull") is None
    assert data(report, "setActiveAgain")["slug"].startswith("org-")
    assert data(report, "delete")["name"] == "Client Org"
    assert data(report, "listAfterDelete") == []
