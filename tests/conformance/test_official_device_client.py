"""Better Auth's official client with ``deviceAuthorizationClient()`` (``better-auth@1.7.24``) against tessera's
device-authorization plugin: ``tests/reference/node/device_client.mjs`` asks for codes and polls as a device,
verifies and approves the user code from a signed-in browser, reads the device's session with its token, and has a
second device denied."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from conformance_client import data
from conformance_servers import Server, run_client_script, start_tessera_server


@pytest.fixture(scope="module")
def report(reference_node: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("device-client")
    server: Server = start_tessera_server(tmp, database=f"sqlite+aiosqlite:///{tmp / 'tessera.db'}",
                                          plugins="deviceAuthorization,bearer")
    try:
        email = f"device-{uuid.uuid4().hex[:8]}@example.com"
        return run_client_script(reference_node, server, "device_client.mjs", "--email", email)
    finally:
        server.stop()


def refusal(report: dict[str, Any], step: str) -> tuple[int, str, str]:
    error = report["steps"][step]["error"]
    return error["status"], error["error"], error["error_description"]


def test_the_device_is_told_to_wait(report: dict[str, Any]) -> None:
    codes = data(report, "code")
    assert list(codes) == ["device_code", "user_code", "verification_uri", "verification_uri_complete",
                           "expires_in", "interval"]
    assert codes["interval"] == 2 and codes["verification_uri"].endswith("/device")
    assert refusal(report, "pending") == (400, "authorization_pending", "Authorization pending")
    assert refusal(report, "slowDown") == (400, "slow_down", "Polling too frequently")


def test_approved_device_gets_a_session(report: dict[str, Any]) -> None:
    assert data(report, "verify") == {"user_code": data(report, "code")["user_code"].lower(), "status": "pending",
                                      "client_id": "tv-app", "scope": "openid profile"}
    assert data(report, "approve") == {"success": True}
    token = data(report, "token")
    assert token["token_type"] == "Bearer" and token["scope"] == "openid profile" and token["access_token"]
    session = data(report, "session")
    assert session["session"]["token"] == token["access_token"]
    assert session["user"]["id"] == session["session"]["userId"]
    assert refusal(report, "spent") == (400, "invalid_grant", "Invalid device code")


def test_denied_device(report: dict[str, Any]) -> None:
    assert data(report, "verify2")["status"] == "pending"
    assert data(report, "deny") == {"success": True}
    assert refusal(report, "denied") == (400, "access_denied", "Access denied")
