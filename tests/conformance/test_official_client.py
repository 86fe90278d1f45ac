"""Better Auth's official JS client (``better-auth@1.7.24``, ``createAuthClient``) against a running tessera.

``tests/reference/node/official_client.mjs`` plays four browsers (cookie jar + ``Origin``) through sign-up,
sign-in, get-session, list-sessions, update-user, change-password, revoke-session, revoke-other-sessions and
sign-out, and prints a JSON report. The first test asserts on tessera's report; the second runs the same
script against the pinned Better Auth server and requires the two reports to have the same shape.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from conformance_servers import Server, StartTessera
from conformance_wire import pretty, value_kind

PASSWORD = "correct-horse-battery"


def run_client(reference: Path, server: Server, email: str) -> dict[str, Any]:
    proc = subprocess.run(
        ["node", "official_client.mjs", "--base-url", server.base_url, "--email", email],
        cwd=reference,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"client failed:\n{proc.stderr}\n--- server log ---\n{server.log_tail()}"
    report: dict[str, Any] = json.loads(proc.stdout)
    thrown = {name: step["thrown"] for name, step in report["steps"].items() if "thrown" in step}
    assert not thrown, f"the client threw:\n{pretty(thrown)}"
    return report


@pytest.fixture(scope="module")
def tessera_server(start_tessera: StartTessera) -> Server:
    return start_tessera(database="sqlite")


@pytest.fixture(scope="module")
def email() -> str:
    return f"client-{uuid.uuid4().hex[:8]}@example.com"


@pytest.fixture(scope="module")
def report(reference_node: Path, tessera_server: Server, email: str) -> dict[str, Any]:
    return run_client(reference_node, tessera_server, email)


def step(report: dict[str, Any], name: str) -> dict[str, Any]:
    result: dict[str, Any] = report["steps"][name]
    return result


def ok(report: dict[str, Any], name: str) -> Any:
    result = step(report, name)
    assert result.get("error") is None, f"{name}: {pretty(result)}"
    return result["data"]


def error(report: dict[str, Any], name: str) -> dict[str, Any]:
    result = step(report, name)
    assert result["data"] is None and result["error"], f"{name} should fail: {pretty(result)}"
    err: dict[str, Any] = result["error"]
    return err


USER_KEYS = ["name", "email", "emailVerified", "image", "createdAt", "updatedAt", "id"]
SESSION_KEYS = ["expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId", "id"]


def is_date(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"$date"}


def test_sign_up_returns_user_and_token_and_sets_session_cookie(report: dict[str, Any], email: str) -> None:
    data = ok(report, "signUp")
    assert list(data) == ["token", "user"]
    assert len(data["token"]) == 32
    user = data["user"]
    assert list(user) == USER_KEYS
    assert user["name"] == "Client Alice"
    assert user["email"] == email
    assert user["emailVerified"] is False
    assert user["image"] is None
    # the client's JSON reviver turned the ISO strings into Date objects
    assert is_date(user["createdAt"]) and is_date(user["updatedAt"])
    assert step(report, "cookiesAfterSignUp")["extra"] == ["better-auth.session_token"]


def test_wrong_password_and_unknown_email_give_the_same_401(report: dict[str, Any]) -> None:
    for name in ("signInWrongPassword", "signInUnknownEmail", "signInOldPassword"):
        err = error(report, name)
        assert err["status"] == 401
        assert err["code"] == "INVALID_EMAIL_OR_PASSWORD"
        assert err["message"] == "Invalid email or password"


def test_get_session_returns_session_and_user(report: dict[str, Any], email: str) -> None:
    data = ok(report, "getSessionA")
    assert list(data) == ["session", "user"]
    assert list(data["session"]) == SESSION_KEYS
    assert data["session"]["token"] == ok(report, "signUp")["token"]
    assert data["session"]["userId"] == data["user"]["id"]
    assert is_date(data["session"]["expiresAt"])
    assert data["user"]["email"] == email


def test_list_sessions_counts_every_device(report: dict[str, Any]) -> None:
    assert len(ok(report, "listSessions2")) == 2
    assert len(ok(report, "listSessions4")) == 4
    sessions = ok(report, "listSessions2")
    assert all(list(s) == SESSION_KEYS for s in sessions)
    assert all(is_date(s["createdAt"]) for s in sessions)


def test_update_user_is_visible_in_the_next_session_read(report: dict[str, Any]) -> None:
    assert ok(report, "updateUser") == {"status": True}
    user = ok(report, "getSessionAfterUpdate")["user"]
    assert user["name"] == "Client Alice Updated"
    assert user["image"] == "https://example.com/a.png"


def test_change_password(report: dict[str, Any]) -> None:
    err = error(report, "changePasswordWrong")
    assert (err["status"], err["code"], err["message"]) == (400, "INVALID_PASSWORD", "Invalid password")
    err = error(report, "changePasswordTooShort")
    assert (err["status"], err["code"], err["message"]) == (400, "PASSWORD_TOO_SHORT", "Password too short")
    data = ok(report, "changePassword")
    assert data["token"] is None  # no new session unless revokeOtherSessions
    assert data["user"]["name"] == "Client Alice Updated"
    assert ok(report, "signInNewPassword")["user"]["email"] == data["user"]["email"]


def test_remember_me_false_sets_dont_remember(report: dict[str, Any]) -> None:
    assert step(report, "cookiesD")["extra"] == ["better-auth.dont_remember", "better-auth.session_token"]


def test_revoke_session_and_revoke_other_sessions(report: dict[str, Any]) -> None:
    assert ok(report, "revokeSessionD") == {"status": True}
    assert ok(report, "getSessionD") is None
    assert len(ok(report, "listSessions3")) == 3
    assert ok(report, "revokeOtherSessions") == {"status": True}
    assert ok(report, "getSessionB") is None
    assert ok(report, "getSessionC") is None
    remaining = ok(report, "listSessions1")
    assert [s["token"] for s in remaining] == [ok(report, "signUp")["token"]]
    assert ok(report, "getSessionAStill")["session"]["token"] == ok(report, "signUp")["token"]


def test_sign_out_clears_the_session(report: dict[str, Any]) -> None:
    assert ok(report, "signOut") == {"success": True}
    assert step(report, "cookiesAfterSignOut")["extra"] == []
    assert ok(report, "getSessionAfterSignOut") is None
    err = error(report, "listSessionsAfterSignOut")
    assert (err["status"], err["code"]) == (401, "UNAUTHORIZED")


def test_every_response_is_json(report: dict[str, Any]) -> None:
    for browser, requests in report["requests"].items():
        for r in requests:
            assert r["contentType"] == "application/json", (browser, r)


def normalised(report: dict[str, Any]) -> dict[str, Any]:
    steps = {name: value_kind(report["steps"][name]) for name in report["order"]}
    requests = {
        browser: [(r["method"], r["path"], r["status"], r["contentType"], r["setCookie"]) for r in rs]
        for browser, rs in report["requests"].items()
    }
    return {"order": report["order"], "steps": steps, "requests": requests}


def test_same_report_as_better_auth(
    reference_node: Path, better_auth_server: Server, report: dict[str, Any], email: str
) -> None:
    reference = normalised(run_client(reference_node, better_auth_server, email))
    ours = normalised(report)
    mismatched = {
        name: {"better-auth": reference["steps"][name], "tessera": ours["steps"][name]}
        for name in reference["order"]
        if reference["steps"][name] != ours["steps"].get(name)
    }
    assert not mismatched, pretty(mismatched)
    assert ours["requests"] == reference["requests"]
