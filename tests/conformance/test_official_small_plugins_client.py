"""Better Auth's official client with ``oneTimeTokenClient()``, ``lastLoginMethodClient()`` and
``customSessionClient()`` (``better-auth@1.7.24``) against tessera's three plugins:
``tests/reference/node/small_plugins_client.mjs`` signs up, reads the customised session, generates a one-time
token, redeems it in another browser, replays it, and reads the last-login-method cookie."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from conformance_client import data
from conformance_servers import Server, run_client_script, start_tessera_server


@pytest.fixture(scope="module")
def report(reference_node: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("small-plugins-client")
    server: Server = start_tessera_server(tmp, database=f"sqlite+aiosqlite:///{tmp / 'tessera.db'}",
                                          plugins="oneTimeToken,lastLoginMethod,customSession")
    try:
        email = f"client-{uuid.uuid4().hex[:8]}@example.com"
        return run_client_script(reference_node, server, "small_plugins_client.mjs", "--email", email)
    finally:
        server.stop()


def test_custom_session_reaches_the_client(report: dict[str, Any]) -> None:
    session = data(report, "customSession")
    assert session["roles"] == ["member"] and session["user"]["name"] == "CLIENT SMALL"
    assert set(session["session"]["expiresAt"]) == {"$date"}  # the client revives the dates


def test_one_time_token_round_trip(report: dict[str, Any]) -> None:
    token = data(report, "generate")["token"]
    assert isinstance(token, str) and len(token) == 32
    verified = report["steps"]["verify"]
    assert verified["data"]["user"]["name"] == "Client Small"
    assert "better-auth.session_token" in verified["extra"]["cookies"]
    assert verified["extra"]["lastLoginMethod"] is None  # a hand-over is no login method
    assert data(report, "sessionInBrowser")["user"]["name"] == "CLIENT SMALL"
    assert report["steps"]["replay"]["error"]["message"] == "Invalid token"


def test_last_login_method_cookie(report: dict[str, Any]) -> None:
    assert report["steps"]["signUp"]["extra"]["lastLoginMethod"] == "email"
    signed_in = report["steps"]["signIn"]
    assert signed_in["extra"]["lastLoginMethod"] == "email"
    assert signed_in["extra"]["serverSideRead"] is None  # the client reads document.cookie, absent in Node
