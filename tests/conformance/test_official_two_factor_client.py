"""Better Auth's official client with ``twoFactorClient()`` (``better-auth@1.7.24``) against tessera's
two-factor plugin: ``tests/reference/node/two_factor_client.mjs`` enables 2FA, is redirected to the second
factor on sign-in, finishes with TOTP (trusting the device) and with a backup code, and disables it again."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from conformance_client import data
from conformance_servers import Server, run_client_script, start_tessera_server


@pytest.fixture(scope="module")
def report(reference_node: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("two-factor-client")
    server: Server = start_tessera_server(tmp, database=f"sqlite+aiosqlite:///{tmp / 'tessera.db'}",
                                          plugins="twoFactor")
    try:
        email = f"client-{uuid.uuid4().hex[:8]}@example.com"
        return run_client_script(reference_node, server, "two_factor_client.mjs", "--email", email)
    finally:
        server.stop()


def test_enable_and_first_code(report: dict[str, Any]) -> None:
    enabled = data(report, "enable")
    assert enabled["method"] == "totp" and enabled["totpURI"].startswith("otpauth://totp/")
    assert len(enabled["backupCodes"]) == 10
    assert data(report, "verifyTotpEnable")["user"]["twoFactorEnabled"] is True
    assert data(report, "sessionAfterEnable")["user"]["twoFactorEnabled"] is True


def test_sign_in_is_redirected_to_the_second_factor(report: dict[str, Any]) -> None:
    step = report["steps"]["signInChallenged"]
    assert step["data"] == {"twoFactorRedirect": True, "twoFactorMethods": ["totp"]}
    assert step["extra"]["redirects"] == [{"twoFactorMethods": ["totp"]}]
    assert step["extra"]["cookies"] == ["better-auth.two_factor"]
    assert report["steps"]["wrongTotp"]["error"]["code"] == "INVALID_CODE"
    finished = report["steps"]["verifyTotpSignIn"]
    assert finished["data"]["token"] and "better-auth.trust_device" in finished["extra"]["cookies"]
    assert data(report, "sessionAfterTotp")["session"]["token"] == finished["data"]["token"]


def test_trusted_device_and_backup_code(report: dict[str, Any]) -> None:
    trusted = report["steps"]["signInTrusted"]
    assert trusted["data"]["token"] and trusted["extra"]["newRedirects"] == 0
    assert data(report, "signInPhone")["twoFactorRedirect"] is True
    assert data(report, "verifyBackupCode")["token"]
    assert data(report, "sessionAfterBackup")["user"]["twoFactorEnabled"] is True
    assert len(data(report, "generateBackupCodes")["backupCodes"]) == 10
    assert data(report, "getTotpUri")["totpURI"].startswith("otpauth://totp/")
    assert data(report, "disable") == {"status": True}
    assert data(report, "signInAfterDisable")["token"]
