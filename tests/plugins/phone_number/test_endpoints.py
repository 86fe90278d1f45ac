"""Every phone-number endpoint on every backend: proving a number (and signing up or in with it), adding one
to the signed-in user, signing in by number and password, resetting a password by SMS, the attempt limit
(also under concurrency), expiry, single use, and refusals that leave nothing half-written."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .conftest import ALICE_PHONE, PASSWORD, MakeWorld

BOB_PHONE = "+15550199"
TEMP = {"get_temp_email": lambda phone: f"{phone.lstrip('+')}@phone.example"}


def wrong(code: str) -> str:
    return "".join(str((int(c) + 1) % 10) for c in code)


async def test_code_layout_and_sign_up_on_verification(make_world: MakeWorld) -> None:
    world = await make_world(sign_up_on_verification=TEMP)
    code = await world.send(BOB_PHONE)
    [row] = await world.rows()
    # Better Auth's layout: a shared database works both ways
    assert (row["identifier"], row["value"]) == (f"phone-number-otp-{BOB_PHONE}", f"{code}:0")
    client = world.client()
    r = await client.post("/phone-number/verify", {"phoneNumber": BOB_PHONE, "code": code, "image": "https://x/y.png"})
    assert r.status == 200, r.body
    body = r.json_body()
    user = body["user"]
    assert body["status"] is True and body["token"]
    assert (user["email"], user["name"], user["phoneNumber"], user["phoneNumberVerified"], user["image"]) == (
        "15550199@phone.example", BOB_PHONE, BOB_PHONE, True, "https://x/y.png")
    assert (await client.get("/get-session")).json_body()["user"]["id"] == user["id"]
    assert await world.rows() == []  # spent
    r = await world.client().post("/phone-number/verify", {"phoneNumber": BOB_PHONE, "code": code})
    assert (r.status, r.json_body()["code"]) == (400, "OTP_NOT_FOUND")


async def test_verify_signs_in_the_holder(make_world: MakeWorld) -> None:
    world = await make_world()
    _, user_id = await world.alice()
    code = await world.send()
    browser = world.client()
    r = await browser.post("/phone-number/verify", {"phoneNumber": ALICE_PHONE, "code": code})
    assert r.status == 200 and r.json_body()["user"]["id"] == user_id
    assert (await browser.get("/get-session")).json_body()["user"]["id"] == user_id
    code = await world.send()
    r = await world.client().post("/phone-number/verify",
                                  {"phoneNumber": ALICE_PHONE, "code": code, "disableSession": True})
    assert (r.status, r.json_body()["token"]) == (200, None)
    assert not any(name.endswith("session_token") for name in r.set_cookies)


async def test_unknown_number_without_sign_up(make_world: MakeWorld) -> None:
    world = await make_world()
    code = await world.send(BOB_PHONE)
    r = await world.client().post("/phone-number/verify", {"phoneNumber": BOB_PHONE, "code": code})
    assert (r.status, r.json_body()["code"]) == (400, "PHONE_NUMBER_NOT_EXIST")
    assert await world.users() == []


async def test_add_number_to_signed_in_user(make_world: MakeWorld) -> None:
    seen: list[dict[str, Any]] = []
    world = await make_world(callback_on_verification=lambda data, ctx: seen.append(dict(data)))
    browser, user_id = await world.alice()
    assert seen[0]["phoneNumber"] == ALICE_PHONE and seen[0]["user"]["id"] == user_id
    session = (await browser.get("/get-session")).json_body()
    assert (session["user"]["phoneNumber"], session["user"]["phoneNumberVerified"]) == (ALICE_PHONE, True)
    # a number someone holds cannot be added again
    bob = world.client()
    await bob.sign_up("bob@example.com")
    code = await world.send()
    r = await bob.post("/phone-number/verify", {"phoneNumber": ALICE_PHONE, "code": code, "updatePhoneNumber": True})
    assert (r.status, r.json_body()["code"]) == (400, "PHONE_NUMBER_EXIST")
    # a proven number with no session to add it to
    code = await world.send(BOB_PHONE)
    r = await world.client().post("/phone-number/verify",
                                  {"phoneNumber": BOB_PHONE, "code": code, "updatePhoneNumber": True})
    assert (r.status, r.json_body()["code"]) == (401, "USER_NOT_FOUND")
    assert await world.users(phoneNumber=BOB_PHONE) == []


async def test_sign_in_by_number_and_password(make_world: MakeWorld) -> None:
    world = await make_world()
    _, user_id = await world.alice()
    browser = world.client()
    r = await browser.post("/sign-in/phone-number", {"phoneNumber": ALICE_PHONE, "password": PASSWORD})
    assert r.status == 200, r.body
    assert set(r.json_body()) == {"token", "user"} and r.json_body()["user"]["id"] == user_id
    assert (await browser.get("/get-session")).json_body()["user"]["id"] == user_id
    for phone, password in ((ALICE_PHONE, "wrong-password-1"), (BOB_PHONE, PASSWORD)):
        r = await world.client().post("/sign-in/phone-number", {"phoneNumber": phone, "password": password})
        assert (r.status, r.json_body()["code"]) == (401, "INVALID_PHONE_NUMBER_OR_PASSWORD")
    r = await world.client().post("/sign-in/phone-number",
                                  {"phoneNumber": ALICE_PHONE, "password": PASSWORD, "rememberMe": False})
    assert r.status == 200 and "Max-Age" not in r.set_cookies["better-auth.session_token"]


async def test_wrong_codes_count_up_to_the_limit(make_world: MakeWorld) -> None:
    world = await make_world(allowed_attempts=2, sign_up_on_verification=TEMP)
    code = await world.send(BOB_PHONE)
    client = world.client()
    for attempt in (1, 2):
        r = await client.post("/phone-number/verify", {"phoneNumber": BOB_PHONE, "code": wrong(code)})
        assert (r.status, r.json_body()["code"]) == (400, "INVALID_OTP")
        assert (await world.rows())[0]["value"] == f"{code}:{attempt}"
    r = await client.post("/phone-number/verify", {"phoneNumber": BOB_PHONE, "code": code})
    assert (r.status, r.json_body()["code"]) == (403, "TOO_MANY_ATTEMPTS")
    assert await world.rows() == [] and await world.users() == []


async def test_concurrent_wrong_guesses_cannot_exceed_the_limit(make_world: MakeWorld) -> None:
    world = await make_world(allowed_attempts=3, sign_up_on_verification=TEMP)
    code = await world.send(BOB_PHONE)
    answers = await asyncio.gather(*(
        world.client().post("/phone-number/verify", {"phoneNumber": BOB_PHONE, "code": wrong(code)})
        for _ in range(12)
    ))
    assert all(r.status in (400, 403) for r in answers)
    rows = await world.rows()
    assert not rows or int(rows[0]["value"].rpartition(":")[2]) <= 3


async def test_concurrent_right_code_is_spent_once(make_world: MakeWorld) -> None:
    world = await make_world(sign_up_on_verification=TEMP)
    code = await world.send(BOB_PHONE)
    answers = await asyncio.gather(*(
        world.client().post("/phone-number/verify", {"phoneNumber": BOB_PHONE, "code": code}) for _ in range(6)
    ))
    assert [r.status for r in answers].count(200) == 1
    assert len(await world.users()) == 1


async def test_expired_and_replaced_codes(make_world: MakeWorld) -> None:
    world = await make_world(expires_in=60, sign_up_on_verification=TEMP)
    code = await world.send(BOB_PHONE)
    world.clock.advance(61)
    r = await world.client().post("/phone-number/verify", {"phoneNumber": BOB_PHONE, "code": code})
    assert (r.status, r.json_body()["code"]) == (400, "OTP_EXPIRED")
    assert await world.rows() == []
    first = await world.send(BOB_PHONE)
    second = await world.send(BOB_PHONE)
    assert len(await world.rows()) == 1  # a resend replaces the code
    if first != second:
        r = await world.client().post("/phone-number/verify", {"phoneNumber": BOB_PHONE, "code": first})
        assert (r.status, r.json_body()["code"]) == (400, "INVALID_OTP")


async def test_reset_password(make_world: MakeWorld) -> None:
    world = await make_world(tessera={"email_and_password": {"revoke_sessions_on_password_reset": True}})
    alice, user_id = await world.alice()
    r = await world.client().post("/phone-number/request-password-reset", {"phoneNumber": ALICE_PHONE})
    assert (r.status, r.json_body()) == (200, {"status": True})
    code = world.code(ALICE_PHONE, "reset")
    assert (await world.rows("phone-number-reset-"))[0]["value"] == f"{code}:0"
    body = {"phoneNumber": ALICE_PHONE, "otp": wrong(code), "newPassword": "a-new-password-1"}
    r = await world.client().post("/phone-number/reset-password", body)
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_OTP")
    r = await world.client().post("/phone-number/reset-password", {**body, "otp": code})
    assert (r.status, r.json_body()) == (200, {"status": True})
    assert await world.auth.context.store.list_sessions(user_id) == []
    assert (await alice.get("/get-session")).json_body() is None
    sign_in = {"phoneNumber": ALICE_PHONE, "password": "a-new-password-1"}
    assert (await world.client().post("/sign-in/phone-number", sign_in)).status == 200
    r = await world.client().post("/phone-number/reset-password", {**body, "otp": code, "newPassword": "another-one-2"})
    assert (r.status, r.json_body()["code"]) == (400, "OTP_NOT_FOUND")


async def test_reset_for_unknown_number_sends_nothing_and_tells_nothing(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.alice()
    for number in (BOB_PHONE, ALICE_PHONE):
        r = await world.client().post("/phone-number/request-password-reset", {"phoneNumber": number})
        assert (r.status, r.json_body()) == (200, {"status": True})
    assert [s["phoneNumber"] for s in world.sent if s["kind"] == "reset"] == [ALICE_PHONE]
    # a guess meets a code (not sent) either way: the answer does not tell registered numbers apart
    for number in (BOB_PHONE, ALICE_PHONE):
        body = {"phoneNumber": number, "otp": "not-a-code", "newPassword": "a-new-password-1"}
        r = await world.client().post("/phone-number/reset-password", body)
        assert (r.status, r.json_body()["code"]) == (400, "INVALID_OTP")


async def test_concurrent_resets_with_one_code(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.alice()
    await world.client().post("/phone-number/request-password-reset", {"phoneNumber": ALICE_PHONE})
    code = world.code(ALICE_PHONE, "reset")
    answers = await asyncio.gather(*(
        world.client().post("/phone-number/reset-password",
                            {"phoneNumber": ALICE_PHONE, "otp": code, "newPassword": f"new-password-{i}"})
        for i in range(4)
    ))
    assert [r.status for r in answers].count(200) <= 1
    assert all(r.status in (200, 400) for r in answers)


async def test_require_verification(make_world: MakeWorld) -> None:
    world = await make_world(require_verification=True)
    r = await world.client().sign_up()
    user_id = r.json_body()["user"]["id"]
    # an unproven number, as only an administrator (or the server itself) can set one
    await world.auth.context.store.update_user(user_id, {"phoneNumber": ALICE_PHONE})
    r = await world.client().post("/sign-in/phone-number", {"phoneNumber": ALICE_PHONE, "password": "wrong-one-1"})
    assert (r.status, r.json_body()["code"]) == (401, "INVALID_PHONE_NUMBER_OR_PASSWORD")
    assert world.sent == []  # a stranger's guess sends no SMS
    r = await world.client().post("/sign-in/phone-number", {"phoneNumber": ALICE_PHONE, "password": PASSWORD})
    assert (r.status, r.json_body()["code"]) == (401, "PHONE_NUMBER_NOT_VERIFIED")
    code = world.code(ALICE_PHONE)
    r = await world.client().post("/phone-number/request-password-reset", {"phoneNumber": ALICE_PHONE})
    assert r.status == 200 and not any(s["kind"] == "reset" for s in world.sent)
    r = await world.client().post("/phone-number/verify",
                                  {"phoneNumber": ALICE_PHONE, "code": code, "disableSession": True})
    assert r.json_body()["user"]["phoneNumberVerified"] is True
    r = await world.client().post("/sign-in/phone-number", {"phoneNumber": ALICE_PHONE, "password": PASSWORD})
    assert r.status == 200


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/phone-number/send-otp", {}, 400, "VALIDATION_ERROR"),
    ("/phone-number/send-otp", {"phoneNumber": 5}, 400, "VALIDATION_ERROR"),
    ("/phone-number/send-otp", {"phoneNumber": "call me"}, 400, "INVALID_PHONE_NUMBER"),
    ("/phone-number/verify", {"phoneNumber": ALICE_PHONE}, 400, "VALIDATION_ERROR"),
    ("/phone-number/verify", {"phoneNumber": ALICE_PHONE, "code": "123456"}, 400, "OTP_NOT_FOUND"),
    ("/phone-number/verify", {"phoneNumber": ALICE_PHONE, "code": "1", "disableSession": "no"}, 400,
     "VALIDATION_ERROR"),
    ("/sign-in/phone-number", {"phoneNumber": "call me", "password": PASSWORD}, 400, "INVALID_PHONE_NUMBER"),
    ("/sign-in/phone-number", {"phoneNumber": ALICE_PHONE}, 400, "VALIDATION_ERROR"),
    ("/sign-in/phone-number", {"phoneNumber": ALICE_PHONE, "password": "x" * 200}, 400, "PASSWORD_TOO_LONG"),
    ("/phone-number/request-password-reset", {"phone": ALICE_PHONE}, 400, "VALIDATION_ERROR"),
    ("/phone-number/reset-password", {"phoneNumber": ALICE_PHONE, "otp": "1", "newPassword": "short"}, 400,
     "PASSWORD_TOO_SHORT"),
    ("/phone-number/reset-password", {"phoneNumber": ALICE_PHONE, "otp": "1", "newPassword": "long-enough-1"},
     400, "OTP_NOT_FOUND"),
])
async def test_bad_input(make_world: MakeWorld, path: str, body: dict[str, Any], status: int, code: str) -> None:
    world = await make_world(phone_number_validator=lambda phone: phone.startswith("+"),
                             sign_up_on_verification=TEMP)
    r = await world.client().post(path, body)
    assert (r.status, r.json_body()["code"]) == (status, code)
    assert await world.rows() == [] and world.sent == [] and await world.users() == []


async def test_number_is_set_only_by_proving_it(make_world: MakeWorld) -> None:
    world = await make_world()
    r = await world.client().sign_up(phoneNumber=ALICE_PHONE)
    assert (r.status, r.json_body()["code"]) == (400, "PHONE_NUMBER_CANNOT_BE_SET")
    assert await world.users() == []
    r = await world.client().sign_up(phoneNumberVerified=True)
    assert r.status == 400 and await world.users() == []
    browser, user_id = await world.alice()
    r = await browser.post("/update-user", {"phoneNumber": BOB_PHONE})
    assert (r.status, r.json_body()["code"]) == (400, "PHONE_NUMBER_CANNOT_BE_UPDATED")
    r = await browser.post("/update-user", {"phoneNumber": None})
    assert r.status == 200, r.body
    [user] = await world.users(id=user_id)
    assert (user["phoneNumber"], user["phoneNumberVerified"]) == (None, False)
    # a user created by the server with an unproven number gets none
    created = await world.auth.context.store.create_user({"email": "c@example.com", "name": "C",
                                                          "phoneNumber": BOB_PHONE})
    assert created["phoneNumber"] is None


async def test_schema_renames_the_columns(make_world: MakeWorld) -> None:
    world = await make_world(schema={"user": {"fields": {"phoneNumber": "phone_number",
                                                         "phoneNumberVerified": "phone_number_verified"}}})
    fields = {f.name: f.column_name for f in world.auth.schema["user"].fields}
    assert (fields["phoneNumber"], fields["phoneNumberVerified"]) == ("phone_number", "phone_number_verified")
    await world.alice()
    r = await world.client().post("/sign-in/phone-number", {"phoneNumber": ALICE_PHONE, "password": PASSWORD})
    assert r.status == 200 and r.json_body()["user"]["phoneNumberVerified"] is True
