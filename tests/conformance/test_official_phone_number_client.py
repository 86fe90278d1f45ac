"""Better Auth's official client with ``phoneNumberClient()`` (``better-auth@1.7.24``) against tessera's
phone-number plugin: ``tests/reference/node/phone_number_client.mjs`` adds a proven number to a user, signs in
by number and password, resets the password by SMS, and signs up by proving a new number."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from conformance_client import data
from conformance_servers import Server, outbox_env, run_client_script, start_tessera_server

PHONE = f"+1{uuid.uuid4().int % 10**9:09d}"
NEW_PHONE = PHONE + "9"


@pytest.fixture(scope="module")
def report(reference_node: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("phone-number-client")
    outbox = tmp / "outbox.jsonl"
    outbox.touch()
    with outbox_env(outbox):
        server: Server = start_tessera_server(tmp, database=f"sqlite+aiosqlite:///{tmp / 'tessera.db'}",
                                              plugins="phoneNumber")
    try:
        email = f"client-{uuid.uuid4().hex[:8]}@example.com"
        return run_client_script(reference_node, server, "phone_number_client.mjs", "--email", email,
                                 "--phone", PHONE, "--new-phone", NEW_PHONE, "--outbox", str(outbox))
    finally:
        server.stop()


def test_number_added_to_the_signed_in_user(report: dict[str, Any]) -> None:
    assert data(report, "sendOtp") == {"message": "code sent"}
    assert report["steps"]["wrongCode"]["error"]["code"] == "INVALID_OTP"
    verified = data(report, "verifyUpdate")
    assert verified["status"] is True and verified["user"]["phoneNumber"] == PHONE
    user = data(report, "sessionAfterVerify")["user"]
    assert (user["phoneNumber"], user["phoneNumberVerified"]) == (PHONE, True)


def test_sign_in_by_number_and_password(report: dict[str, Any]) -> None:
    signed = data(report, "signInPhone")
    assert signed["token"] and signed["user"]["phoneNumber"] == PHONE
    assert data(report, "sessionAfterSignIn")["session"]["token"] == signed["token"]
    assert report["steps"]["wrongPassword"]["error"]["code"] == "INVALID_PHONE_NUMBER_OR_PASSWORD"


def test_password_reset_by_sms(report: dict[str, Any]) -> None:
    assert data(report, "requestReset") == {"status": True}
    assert data(report, "resetPassword") == {"status": True}
    assert data(report, "signInNewPassword")["token"]


def test_sign_up_by_proving_a_number(report: dict[str, Any]) -> None:
    assert data(report, "sendOtpNew") == {"message": "code sent"}
    signed_up = data(report, "verifySignUp")
    assert signed_up["token"] and signed_up["user"]["phoneNumber"] == NEW_PHONE
    assert data(report, "sessionAfterSignUp")["user"]["phoneNumberVerified"] is True
