"""Every email-OTP endpoint on every backend: the happy paths, bad input, expiry, the attempt limit (also under
concurrency), storage forms, and the sign-in gates (bans, two-factor)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tessera.crypto.otp import hash_otp
from tessera.plugins.admin import admin
from tessera.plugins.email_otp import email_otp
from tessera.plugins.two_factor import two_factor

from .conftest import PASSWORD, MakeWorld

ALICE = "alice@example.com"


def wrong(code: str) -> str:
    return "".join(str((int(c) + 1) % 10) for c in code)


async def test_sign_in_creates_then_signs_in(make_world: MakeWorld) -> None:
    world = await make_world()
    code = await world.send("New@Example.com")
    rows = await world.rows()
    assert [r["identifier"] for r in rows] == ["sign-in-otp-new@example.com"]
    assert rows[0]["value"] == f"{code}:0"  # Better Auth's layout: a shared database works both ways
    client = world.client()
    r = await client.post("/sign-in/email-otp", {"email": "new@example.com", "otp": code, "name": "Neo"})
    assert r.status == 200, r.body
    body = r.json_body()
    assert body["user"]["emailVerified"] is True and body["user"]["name"] == "Neo"
    assert (await client.get("/get-session")).json_body()["user"]["email"] == "new@example.com"
    assert await world.rows() == []  # spent
    r = await client.post("/sign-in/email-otp", {"email": "new@example.com", "otp": code})
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_OTP")


async def test_wrong_code_counts_and_limit(make_world: MakeWorld) -> None:
    world = await make_world(allowed_attempts=2)
    code = await world.send(ALICE)
    client = world.client()
    for attempt in (1, 2):
        r = await client.post("/sign-in/email-otp", {"email": ALICE, "otp": wrong(code)})
        assert (r.status, r.json_body()["code"]) == (400, "INVALID_OTP")
        assert (await world.rows())[0]["value"] == f"{code}:{attempt}"
    r = await client.post("/sign-in/email-otp", {"email": ALICE, "otp": code})
    assert (r.status, r.json_body()["code"]) == (403, "TOO_MANY_ATTEMPTS")
    assert await world.rows() == []  # dead: a new code must be requested


async def test_concurrent_wrong_guesses_cannot_exceed_the_limit(make_world: MakeWorld) -> None:
    world = await make_world(allowed_attempts=3)
    code = await world.send(ALICE)
    client = world.client()
    answers = await asyncio.gather(*(
        client.post("/sign-in/email-otp", {"email": ALICE, "otp": wrong(code)}) for _ in range(12)
    ))
    assert all(r.status in (400, 403) for r in answers)
    rows = await world.rows()
    # each guess that compared took the row; at most ``allowed_attempts`` were counted
    assert not rows or int(rows[0]["value"].rpartition(":")[2]) <= 3


async def test_concurrent_right_code_signs_in_once(make_world: MakeWorld) -> None:
    world = await make_world()
    code = await world.send(ALICE)
    answers = await asyncio.gather(*(
        world.client().post("/sign-in/email-otp", {"email": ALICE, "otp": code}) for _ in range(6)
    ))
    assert [r.status for r in answers].count(200) == 1


async def test_expired_code(make_world: MakeWorld) -> None:
    world = await make_world(expires_in=60)
    code = await world.send(ALICE)
    world.clock.advance(61)
    r = await world.client().post("/sign-in/email-otp", {"email": ALICE, "otp": code})
    assert (r.status, r.json_body()["code"]) == (400, "OTP_EXPIRED")
    assert await world.rows() == []


async def test_resend_replaces_the_code(make_world: MakeWorld) -> None:
    world = await make_world()
    first = await world.send(ALICE)
    second = await world.send(ALICE)
    assert len(await world.rows()) == 1
    if first != second:
        r = await world.client().post("/sign-in/email-otp", {"email": ALICE, "otp": first})
        assert r.status == 400


async def test_resend_reuse(make_world: MakeWorld) -> None:
    world = await make_world(resend_strategy="reuse")
    first = await world.send(ALICE)
    world.clock.advance(200)
    assert await world.send(ALICE) == first


async def test_unknown_addresses_get_no_mail(make_world: MakeWorld) -> None:
    world = await make_world(disable_sign_up=True)
    client = world.client()
    for path, body in (
        ("/email-otp/send-verification-otp", {"email": "x@example.com", "type": "sign-in"}),
        ("/email-otp/send-verification-otp", {"email": "x@example.com", "type": "email-verification"}),
        ("/email-otp/request-password-reset", {"email": "x@example.com"}),
        ("/forget-password/email-otp", {"email": "x@example.com"}),
    ):
        r = await client.post(path, body)
        assert (r.status, r.json_body()) == (200, {"success": True})
    assert world.sent == [] and await world.rows() == []
    # a code minted on the server for an unknown address still creates no user when sign-up is off
    code = await world.auth.api.create_verification_otp(body={"email": "x@example.com", "type": "sign-in"})
    r = await client.post("/sign-in/email-otp", {"email": "x@example.com", "otp": code})
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_OTP")
    assert await world.auth.context.store.find_user_by_email("x@example.com") is None


@pytest.mark.parametrize(("path", "body", "code"), [
    ("/email-otp/send-verification-otp", {"email": "nope", "type": "sign-in"}, "INVALID_EMAIL"),
    ("/email-otp/send-verification-otp", {"email": ALICE, "type": "bogus"}, "VALIDATION_ERROR"),
    ("/email-otp/send-verification-otp", {"email": ALICE}, "VALIDATION_ERROR"),
    ("/email-otp/send-verification-otp", {"email": 5, "type": "sign-in"}, "VALIDATION_ERROR"),
    ("/email-otp/check-verification-otp", {"email": ALICE, "type": "sign-in"}, "VALIDATION_ERROR"),
    ("/email-otp/verify-email", {"email": "nope", "otp": "1"}, "INVALID_EMAIL"),
    ("/sign-in/email-otp", {"email": ALICE}, "VALIDATION_ERROR"),
    ("/sign-in/email-otp", {"email": ALICE, "otp": "000000"}, "INVALID_OTP"),
    ("/email-otp/reset-password", {"email": ALICE, "otp": "1", "password": "short"}, "PASSWORD_TOO_SHORT"),
    ("/email-otp/request-password-reset", {"email": "nope"}, "INVALID_EMAIL"),
])
async def test_bad_input(make_world: MakeWorld, path: str, body: dict[str, Any], code: str) -> None:
    world = await make_world()
    r = await world.client().post(path, body)
    assert (r.status, r.json_body()["code"]) == (400, code)
    assert await world.rows() == [] and world.sent == []
    assert await world.auth.context.store.find_user_by_email(ALICE) is None


async def test_change_email_type_and_missing_sender(make_world: MakeWorld) -> None:
    world = await make_world()
    r = await world.client().post("/email-otp/send-verification-otp", {"email": ALICE, "type": "change-email"})
    assert (r.status, r.json_body()["message"]) == (400, "Invalid OTP type")
    bare = await make_world(send_verification_otp=None)
    r = await bare.client().post("/email-otp/send-verification-otp", {"email": ALICE, "type": "sign-in"})
    assert (r.status, r.json_body()["message"]) == (400, "send email verification is not implemented")


async def test_verify_email_and_check(make_world: MakeWorld) -> None:
    world = await make_world()
    client = world.client()
    assert (await client.sign_up()).status == 200
    code = await world.send(ALICE, "email-verification")
    r = await client.post("/email-otp/check-verification-otp",
                          {"email": ALICE, "type": "email-verification", "otp": code})
    assert (r.status, r.json_body()) == (200, {"success": True})
    assert len(await world.rows()) == 1  # checking does not spend it
    r = await client.post("/email-otp/verify-email", {"email": ALICE, "otp": code})
    assert r.status == 200, r.body
    body = r.json_body()
    assert body["status"] is True and body["token"] is None and body["user"]["emailVerified"] is True
    assert (await client.get("/get-session")).json_body()["user"]["emailVerified"] is True
    r = await client.post("/email-otp/verify-email", {"email": ALICE, "otp": code})
    assert r.json_body()["code"] == "INVALID_OTP"


async def test_verify_email_auto_sign_in(make_world: MakeWorld) -> None:
    world = await make_world(tessera={"email_verification": {"auto_sign_in_after_verification": True}})
    await world.client().sign_up()
    code = await world.send(ALICE, "email-verification")
    fresh = world.client()
    r = await fresh.post("/email-otp/verify-email", {"email": ALICE, "otp": code})
    assert r.status == 200 and r.json_body()["token"]
    assert (await fresh.get("/get-session")).json_body()["user"]["email"] == ALICE


async def test_check_unknown_user_after_valid_code(make_world: MakeWorld) -> None:
    world = await make_world()
    code = await world.auth.api.create_verification_otp(body={"email": "ghost@example.com", "type": "sign-in"})
    r = await world.client().post("/email-otp/check-verification-otp",
                                  {"email": "ghost@example.com", "type": "sign-in", "otp": code})
    assert (r.status, r.json_body()["code"]) == (400, "USER_NOT_FOUND")


async def test_reset_password_revokes_sessions(make_world: MakeWorld) -> None:
    world = await make_world(tessera={"email_and_password": {"revoke_sessions_on_password_reset": True}})
    alice = world.client()
    r = await alice.sign_up()
    user_id = r.json_body()["user"]["id"]
    r = await world.client().post("/email-otp/request-password-reset", {"email": ALICE})
    code = world.code(ALICE, "forget-password")
    r = await world.client().post("/email-otp/reset-password",
                                  {"email": ALICE, "otp": wrong(code), "password": "a-new-password-1"})
    assert r.json_body()["code"] == "INVALID_OTP"
    r = await world.client().post("/email-otp/reset-password",
                                  {"email": ALICE, "otp": code, "password": "a-new-password-1"})
    assert (r.status, r.json_body()) == (200, {"success": True})
    assert await world.auth.context.store.list_sessions(user_id) == []
    assert (await alice.get("/get-session")).json_body() is None
    assert (await world.client().sign_in(password="a-new-password-1")).status == 200
    assert (await world.client().sign_in(password=PASSWORD)).status == 401
    r = await world.client().post("/email-otp/reset-password",
                                  {"email": ALICE, "otp": code, "password": "a-new-password-2"})
    assert r.json_body()["code"] == "INVALID_OTP"


async def test_concurrent_resets_with_one_code(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.client().sign_up()
    await world.client().post("/email-otp/request-password-reset", {"email": ALICE})
    code = world.code(ALICE, "forget-password")
    answers = await asyncio.gather(*(
        world.client().post("/email-otp/reset-password", {"email": ALICE, "otp": code, "password": f"new-password-{i}"})
        for i in range(4)
    ))
    assert [r.status for r in answers].count(200) <= 1
    assert await world.rows() == [] or all(r.status != 200 for r in answers)


@pytest.mark.parametrize("store", ["hashed", "encrypted"])
async def test_storage_forms(make_world: MakeWorld, store: str) -> None:
    world = await make_world(store_otp=store)
    code = await world.send(ALICE)
    stored = (await world.rows())[0]["value"]
    assert code not in stored.rpartition(":")[0]
    if store == "hashed":
        assert stored == f"{hash_otp(code)}:0"
        with pytest.raises(Exception, match="hashed"):
            await world.auth.api.get_verification_otp(query={"email": ALICE, "type": "sign-in"})
    else:
        assert await world.auth.api.get_verification_otp(query={"email": ALICE, "type": "sign-in"}) == {"otp": code}
    r = await world.client().post("/sign-in/email-otp", {"email": ALICE, "otp": wrong(code)})
    assert r.status == 400
    r = await world.client().post("/sign-in/email-otp", {"email": ALICE, "otp": code})
    assert r.status == 200, r.body


async def test_custom_store_and_generator(make_world: MakeWorld) -> None:
    class Reverse:
        def encrypt(self, otp: str) -> str:
            return otp[::-1]

        async def decrypt(self, stored: str) -> str:
            return stored[::-1]

    world = await make_world(store_otp=Reverse(), generate_otp=lambda data, ctx: "1234567")
    assert await world.send(ALICE) == "1234567"
    assert (await world.rows())[0]["value"] == "7654321:0"
    assert (await world.client().post("/sign-in/email-otp", {"email": ALICE, "otp": "1234567"})).status == 200


async def test_server_only_calls_are_not_routes(make_world: MakeWorld) -> None:
    world = await make_world()
    r = await world.client().post("/email-otp/create-verification-otp", {"email": ALICE, "type": "sign-in"})
    assert r.status == 404
    assert (await world.client().get("/email-otp/get-verification-otp", query=f"email={ALICE}&type=sign-in")).status == 404
    assert await world.auth.api.get_verification_otp(query={"email": ALICE, "type": "sign-in"}) == {"otp": None}


async def test_send_on_sign_up(make_world: MakeWorld) -> None:
    world = await make_world(send_verification_on_sign_up=True)
    await world.client().sign_up()
    code = world.code(ALICE, "email-verification")
    r = await world.client().post("/email-otp/verify-email", {"email": ALICE, "otp": code})
    assert r.status == 200


async def test_override_default_email_verification(make_world: MakeWorld) -> None:
    world = await make_world(override_default_email_verification=True,
                             tessera={"email_verification": {"send_on_sign_up": True}})
    await world.client().sign_up()
    code = world.code(ALICE, "email-verification")
    assert (await world.client().post("/email-otp/verify-email", {"email": ALICE, "otp": code})).status == 200


async def test_unverified_account_loses_unproven_access(make_world: MakeWorld) -> None:
    world = await make_world()
    squatter = world.client()
    await squatter.sign_up()  # a password set by whoever typed the address, never proven
    code = await world.send(ALICE)
    owner = world.client()
    assert (await owner.post("/sign-in/email-otp", {"email": ALICE, "otp": code})).status == 200
    assert (await squatter.get("/get-session")).json_body() is None
    assert (await world.client().sign_in()).status == 401


async def test_banned_user_gets_no_session(make_world: MakeWorld) -> None:
    world = await make_world(plugins=(admin(),))
    r = await world.client().sign_up()
    await world.auth.context.store.update_user(r.json_body()["user"]["id"], {"banned": True, "emailVerified": True})
    code = await world.send(ALICE)
    r = await world.client().post("/sign-in/email-otp", {"email": ALICE, "otp": code})
    assert (r.status, r.json_body()["code"]) == (403, "BANNED_USER")


async def test_two_factor_gate(make_world: MakeWorld) -> None:
    world = await make_world(plugins=(two_factor(otp={"send_otp": lambda data, ctx: None}),))
    r = await world.client().sign_up()
    await world.auth.context.store.update_user(r.json_body()["user"]["id"],
                                               {"twoFactorEnabled": True, "emailVerified": True})
    code = await world.send(ALICE)
    client = world.client()
    r = await client.post("/sign-in/email-otp", {"email": ALICE, "otp": code})
    assert r.status == 200 and r.json_body()["twoFactorRedirect"] is True
    assert (await client.get("/get-session")).json_body() is None


async def test_codes_are_never_logged(make_world: MakeWorld, caplog: pytest.LogCaptureFixture) -> None:
    async def failing(data: Any, ctx: Any) -> None:
        raise RuntimeError("mail server down")

    world = await make_world(send_verification_otp=failing)
    caplog.set_level(logging.DEBUG, logger="tessera")
    await world.client().post("/email-otp/send-verification-otp", {"email": ALICE, "type": "sign-in"})
    stored = (await world.rows())[0]["value"].rpartition(":")[0]
    ours = [r for r in caplog.records if r.name.startswith("tessera")]
    assert ours and not any(stored in r.getMessage() or stored in (r.exc_text or "") for r in ours)


def test_rate_limit_rules() -> None:
    plugin = email_otp(send_verification_otp=lambda d, c: None, rate_limit={"window": 30, "max": 5})
    assert {(r.path_prefix, r.window, r.max) for r in plugin.rate_limit} >= {
        ("/sign-in/email-otp", 30, 5), ("/email-otp/send-verification-otp", 30, 5),
    }


async def test_change_email(make_world: MakeWorld) -> None:
    world = await make_world(change_email={"enabled": True})
    alice = world.client()
    await alice.sign_up()
    r = await alice.post("/email-otp/request-email-change", {"newEmail": "New@Example.com"})
    assert r.status == 200, r.body
    code = world.code("new@example.com", "change-email")
    r = await alice.post("/email-otp/change-email", {"newEmail": "new@example.com", "otp": code})
    assert (r.status, r.json_body()) == (200, {"success": True})
    assert (await alice.get("/get-session")).json_body()["user"]["email"] == "new@example.com"

