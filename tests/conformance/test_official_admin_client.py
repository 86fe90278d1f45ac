"""Better Auth's official client with ``adminClient()`` (``better-auth@1.7.24``) against tessera's admin plugin.

``tests/reference/node/admin_client.mjs`` signs in as an admin (promoted in the database beforehand) and drives
create/list/ban/unban/impersonate/stop/set-role/remove through ``authClient.admin.*``.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from conformance_client import data, error
from conformance_servers import Server, run_client_script, start_tessera_server

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def report(reference_node: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("admin-client")
    db = tmp / "tessera.db"
    server: Server = start_tessera_server(tmp, database=f"sqlite+aiosqlite:///{db}", plugins="admin")
    try:
        boss = f"boss-{uuid.uuid4().hex[:8]}@example.com"
        r = httpx.post(f"{server.api}/sign-up/email", json={"email": boss, "password": PASSWORD, "name": "Boss"})
        assert r.status_code == 200, r.text
        with sqlite3.connect(db) as conn:
            conn.execute("update user set role = 'admin' where email = ?", (boss,))
        member = f"member-{uuid.uuid4().hex[:8]}@example.com"
        return run_client_script(reference_node, server, "admin_client.mjs", "--admin-email", boss,
                                 "--user-email", member)
    finally:
        server.stop()


def test_the_admin_client_manages_users(report: dict[str, Any]) -> None:
    created = data(report, "createUser")["user"]
    assert created["role"] == "user" and created["banned"] is False
    assert set(created["createdAt"]) == {"$date"}  # the client revives dates: the shape is Better Auth's
    listed = data(report, "listUsers")
    assert listed["total"] == 2 and listed["limit"] == 10 and len(listed["users"]) == 2
    assert data(report, "hasPermission") == {"error": None, "success": True}
    assert data(report, "checkRolePermission") is False
    assert error(report, "listUsersAsUser")["code"] == "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS"
    assert data(report, "setRole")["user"]["role"] == "admin"
    assert data(report, "removeUser") == {"success": True}


def test_the_admin_client_bans_and_impersonates(report: dict[str, Any]) -> None:
    banned = data(report, "banUser")["user"]
    assert banned["banned"] is True and banned["banReason"] == "client test"
    assert data(report, "userSessionAfterBan") is None
    refused = error(report, "signInBanned")
    assert (refused["status"], refused["code"]) == (403, "BANNED_USER")
    assert data(report, "unbanUser")["user"]["banned"] is False
    impersonated = data(report, "impersonateUser")
    during = data(report, "sessionWhileImpersonating")
    assert during["user"]["id"] == impersonated["user"]["id"]
    assert during["session"]["impersonatedBy"] == data(report, "sessionAfterStop")["user"]["id"]
    assert data(report, "stopImpersonating")["user"]["id"] == data(report, "sessionAfterStop")["user"]["id"]
    assert data(report, "sessionAfterStop")["session"]["impersonatedBy"] is None
