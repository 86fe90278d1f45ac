"""Codes kept in secondary storage (``verification:<identifier>`` keys), as Better Auth keeps them there."""

from __future__ import annotations

from typing import Any

from tessera.plugins.email_otp import email_otp
from tessera.storage import MemoryStorage
from tests._helpers import Client, make_auth

ALICE = "alice@example.com"


async def test_sign_in_by_code_with_verifications_in_secondary_storage() -> None:
    sent: list[dict[str, Any]] = []
    storage = MemoryStorage()
    auth = make_auth(
        secondary_storage=storage,
        plugins=[email_otp(send_verification_otp=lambda data, ctx: sent.append(dict(data)))],
    )
    await Client(auth).sign_up(ALICE)
    client = Client(auth)
    r = await client.post("/email-otp/send-verification-otp", {"email": ALICE, "type": "sign-in"})
    assert r.status == 200 and sent[-1]["email"] == ALICE
    keys = [k for k in storage._data if k.startswith("verification:")]
    assert keys == ["verification:sign-in-otp-alice@example.com"]
    assert "verification" not in auth.schema.tables or await auth.adapter.count("verification") == 0
    wrong = "000000" if sent[-1]["otp"] != "000000" else "111111"
    r = await client.post("/sign-in/email-otp", {"email": ALICE, "otp": wrong})
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_OTP")
    r = await client.post("/sign-in/email-otp", {"email": ALICE, "otp": sent[-1]["otp"]})
    assert r.status == 200 and r.json_body()["user"]["email"] == ALICE
    assert (await client.get("/get-session")).json_body()["user"]["email"] == ALICE
    r = await Client(auth).post("/sign-in/email-otp", {"email": ALICE, "otp": sent[-1]["otp"]})
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_OTP")  # spent

