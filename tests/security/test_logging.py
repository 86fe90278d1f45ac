"""No secret reaches the logs: passwords, reset and verification tokens, session tokens, cookie values.

ASVS v5.0.0-16.5.1 (no secrets in errors or logs) and 14.2.1 (a token carried in a URL path is still a token).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from tests._helpers import Client, make_auth
from tests.api.conftest import Clock

from tessera.session.revocation import Revocations

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-new-password-456"
WRONG = "wrong-password-789"


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as a handler would write it, tracebacks included."""
    formatter = logging.Formatter()
    return "\n".join(formatter.format(record) for record in caplog.records)


async def test_account_flows_log_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    """ASVS v5.0.0-16.5.1: sign-up, sign-in, verification, reset and sign-out at DEBUG log no secret value."""
    mail: list[dict[str, Any]] = []

    async def record(**kwargs: Any) -> None:
        mail.append(kwargs)

    auth = make_auth(
        email_and_password={"send_reset_password": record},
        email_verification={"send_verification_email": record, "send_on_sign_up": True},
    )
    caplog.set_level(logging.DEBUG)
    browser = Client(auth)
    r = await browser.sign_up(password=PASSWORD)
    secrets = {PASSWORD, NEW_PASSWORD, WRONG, r.json_body()["token"], *browser.cookies.values()}
    await auth.context.background.drain()
    verify_token = mail[-1]["token"]
    secrets.add(verify_token)
    assert (await Client(auth).get("/verify-email", query=f"token={verify_token}")).status == 200
    assert (await Client(auth).sign_in(password=WRONG)).status == 401
    assert (await Client(auth).sign_in("nobody@example.com", WRONG)).status == 401
    await Client(auth).post("/request-password-reset", {"email": "alice@example.com", "redirectTo": "/r"})
    await auth.context.background.drain()
    reset_token = mail[-1]["token"]
    secrets.add(reset_token)
    assert (await Client(auth).get(f"/reset-password/{reset_token}", query="callbackURL=%2Fr")).status == 302
    assert (await Client(auth).post("/reset-password", {"token": reset_token, "newPassword": NEW_PASSWORD})).status == 200
    again = Client(auth)
    r = await again.sign_in(password=NEW_PASSWORD)
    secrets.update([r.json_body()["token"], *again.cookies.values()])
    await again.get("/get-session")
    await again.post("/sign-out")

    text = logged_text(caplog)
    leaked = [s for s in secrets if s and s in text]
    assert leaked == []


async def test_an_unhandled_error_on_a_token_route_logs_the_route_not_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """ASVS v5.0.0-14.2.1/16.5.1 (found here): the 500 log line named the request path, which for
    ``/reset-password/<token>`` is a live reset token; it now names the route, and never client text."""
    auth = make_auth(email_and_password={"send_reset_password": lambda **_: None})

    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("database unavailable")

    auth.context.store.find_verification = broken  # type: ignore[method-assign]
    token = "Q7x2LiveResetToken0123ab"
    caplog.set_level(logging.DEBUG)
    r = await Client(auth).get(f"/reset-password/{token}", query="callbackURL=%2F")
    assert r.status == 500 and token.encode() not in r.body
    text = logged_text(caplog)
    assert "/api/auth/reset-password/:token" in text
    assert token not in text


def test_a_malformed_revocation_message_is_not_logged_verbatim(caplog: pytest.LogCaptureFixture) -> None:
    """ASVS v5.0.0-16.5.1: revocation messages name session tokens; a malformed one is logged by size only."""
    caplog.set_level(logging.DEBUG)
    Revocations(clock=Clock(), hold=360)._apply('{"t": "s", "k": ["SessionToken0123456789abcdefABCDEF"], "x": ')
    assert "SessionToken0123456789abcdefABCDEF" not in logged_text(caplog)
    assert "malformed revocation message" in logged_text(caplog)
