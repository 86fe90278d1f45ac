"""Both ways of signing in with a phone number pass the gates of every first-factor sign-in (bans, the
second factor); the options (a provider's own code check, callbacks, a missing sender); the server-only call;
what the plugin adds to the schema, the rate limiter and the logs; living next to the email-OTP plugin."""

from __future__ import annotations

import base64
import logging
import re
from typing import Any

import pytest

from tessera.errors import ConfigError
from tessera.migrations import generate
from tessera.plugins.admin import admin
from tessera.plugins.anonymous import anonymous
from tessera.plugins.email_otp import email_otp
from tessera.plugins.phone_number import PhoneNumberPlugin, SignUpOnVerification, phone_number
from tessera.plugins.two_factor import hotp, two_factor
from tessera.plugins.username import username
from tests._helpers import make_auth
from tests.plugins._support import count_password_checks

from .conftest import ALICE_PHONE, PASSWORD, memory_world

SIGN_IN = {"phoneNumber": ALICE_PHONE, "password": PASSWORD}


async def test_banned_user_gets_no_session_either_way() -> None:
    world = await memory_world(plugins=(admin(),))
    _, user_id = await world.alice()
    await world.auth.context.store.update_user(user_id, {"banned": True})
    before = await world.auth.context.store.list_sessions(user_id)
    browser = world.client()
    r = await browser.post("/sign-in/phone-number", SIGN_IN)
    assert (r.status, r.json_body()["code"]) == (403, "BANNED_USER")
    code = await world.send()
    r = await browser.post("/phone-number/verify", {"phoneNumber": ALICE_PHONE, "code": code})
    assert (r.status, r.json_body()["code"]) == (403, "BANNED_USER")
    assert not any(name.endswith("session_token") for name in browser.cookies)
    assert await world.auth.context.store.list_sessions(user_id) == before


async def test_two_factor_user_is_challenged_either_way() -> None:
    world = await memory_world(plugins=(two_factor(),))
    clock = world.clock
    alice, user_id = await world.alice()
    enabled = (await alice.post("/two-factor/enable", {"password": PASSWORD})).json_body()
    match = re.search(r"secret=([A-Z2-7]+)", enabled["totpURI"])
    assert match
    key = base64.b32decode(match.group(1) + "=" * (-len(match.group(1)) % 8))
    assert (await alice.post("/two-factor/verify-totp", {"code": hotp(key, int(clock().timestamp()) // 30)})).status == 200
    before = len(await world.auth.context.store.list_sessions(user_id))

    for attempt in ("password", "code"):
        browser = world.client()
        if attempt == "password":
            r = await browser.post("/sign-in/phone-number", SIGN_IN)
        else:
            code = await world.send()
            r = await browser.post("/phone-number/verify", {"phoneNumber": ALICE_PHONE, "code": code})
        assert r.status == 200 and r.json_body()["twoFactorRedirect"] is True, r.body
        assert not any(name.endswith("session_token") for name in browser.cookies)
        assert len(await world.auth.context.store.list_sessions(user_id)) == before
        clock.advance(30)
        r = await browser.post("/two-factor/verify-totp", {"code": hotp(key, int(clock().timestamp()) // 30)})
        assert r.status == 200 and r.json_body()["user"]["id"] == user_id
        before += 1


async def test_provider_checks_the_code() -> None:
    asked: list[dict[str, Any]] = []

    async def verify(data: Any, ctx: Any) -> bool:
        asked.append(dict(data))
        return bool(data["code"] == "424242")

    world = await memory_world(verify_otp=verify, sign_up_on_verification=SignUpOnVerification(
        get_temp_email=lambda phone: f"{phone[1:]}@phone.example", get_temp_name=lambda phone: "New"))
    await world.send()
    r = await world.client().post("/phone-number/verify", {"phoneNumber": ALICE_PHONE, "code": "000000"})
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_OTP")
    assert len(await world.rows()) == 1
    r = await world.client().post("/phone-number/verify", {"phoneNumber": ALICE_PHONE, "code": "424242"})
    assert r.status == 200 and r.json_body()["user"]["name"] == "New"
    assert asked[-1] == {"phoneNumber": ALICE_PHONE, "code": "424242"}
    assert await world.rows() == []  # the code this plugin stored is dropped


async def test_without_a_sender() -> None:
    world = await memory_world(send_otp=None)
    r = await world.client().post("/phone-number/send-otp", {"phoneNumber": ALICE_PHONE})
    assert (r.status, r.json_body()["code"]) == (501, "SEND_OTP_NOT_IMPLEMENTED")
    assert await world.rows() == []


async def test_consume_is_a_server_only_call() -> None:
    world = await memory_world()
    code = await world.send()
    r = await world.client().post("/phone-number/consume-otp", {"phoneNumber": ALICE_PHONE, "code": code})
    assert r.status == 404
    answer = await world.auth.api.consume_phone_number_otp(body={"phoneNumber": ALICE_PHONE, "code": code})
    assert answer == {"status": True} and await world.rows() == [] and await world.users() == []


async def test_administrator_may_set_an_unproven_number() -> None:
    world = await memory_world(plugins=(admin(),))
    boss = world.client()
    boss_id = (await boss.sign_up("boss@example.com")).json_body()["user"]["id"]
    await world.auth.context.store.update_user(boss_id, {"role": "admin"})
    alice_id = (await world.client().sign_up()).json_body()["user"]["id"]
    r = await boss.post("/admin/update-user", {"userId": alice_id, "data": {"phoneNumber": ALICE_PHONE}})
    assert r.status == 200, r.body
    [user] = await world.users(id=alice_id)
    assert (user["phoneNumber"], user["phoneNumberVerified"]) == (ALICE_PHONE, None)


@pytest.mark.parametrize("sync", [False, True])
async def test_codes_are_never_logged(caplog: pytest.LogCaptureFixture, sync: bool) -> None:
    def failing_now(data: Any, ctx: Any) -> None:
        raise RuntimeError("sms gateway down")

    async def failing(data: Any, ctx: Any) -> None:
        failing_now(data, ctx)

    world = await memory_world(send_otp=failing_now if sync else failing)
    caplog.set_level(logging.DEBUG, logger="tessera")
    r = await world.client().post("/phone-number/send-otp", {"phoneNumber": ALICE_PHONE})
    assert r.status == 200
    stored = (await world.rows())[0]["value"].rpartition(":")[0]
    ours = [r for r in caplog.records if r.name.startswith("tessera")]
    assert ours and not any(stored in r.getMessage() or stored in (r.exc_text or "") for r in ours)


def test_rate_limit_rule_and_error_codes_next_to_email_otp_and_username() -> None:
    plugin = phone_number(send_otp=lambda d, c: None)
    assert [(r.path_prefix, r.window, r.max) for r in plugin.rate_limit] == [("/phone-number", 60, 10)]
    # codes Better Auth's plugins share (OTP_EXPIRED, UNEXPECTED_ERROR...) are no conflict
    auth = make_auth(plugins=[email_otp(send_verification_otp=lambda d, c: None), username(), plugin])
    assert auth.error_codes["TOO_MANY_ATTEMPTS"] == "Too many attempts"
    assert auth.error_codes["UNEXPECTED_ERROR"] == "Unexpected error"
    assert auth.error_codes["OTP_NOT_FOUND"] == "OTP not found"


async def test_rate_limit_applies_to_each_phone_number_route() -> None:
    world = await memory_world(tessera={"rate_limit": {"enabled": True}})
    client = world.client()
    answers = [await client.post("/phone-number/send-otp", {"phoneNumber": ALICE_PHONE}) for _ in range(11)]
    assert [r.status for r in answers] == [200] * 10 + [429]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_generate_emits_the_fields_and_unique_index(dialect: str) -> None:
    text = generate(make_auth(plugins=[phone_number()]), dialect=dialect)
    assert "user_phoneNumber_uidx" in text and "phoneNumberVerified" in text


def test_options_are_checked() -> None:
    for bad in ({"otp_length": 0}, {"expires_in": -1}, {"allowed_attempts": 0}, {"send_otp": "sms"},
                {"sign_up_on_verification": {"temp_email": "x"}}, {"sign_up_on_verification": 1}, {"unknown": 1},
                {"schema": {"user": {"fields": {"email": "mail"}}}}, {"schema": {"session": {}}},
                {"schema": {"user": {"fields": {"phoneNumber": ""}}}}):
        with pytest.raises(ConfigError):
            phone_number(**bad)
    plugin = phone_number(sign_up_on_verification={"get_temp_email": str})
    assert isinstance(plugin, PhoneNumberPlugin)
    assert isinstance(plugin.options.sign_up_on_verification, SignUpOnVerification)


async def test_unknown_number_spends_a_password_check() -> None:
    world = await memory_world()
    await world.alice()
    calls = count_password_checks(world.auth)
    unknown = await world.client().post("/sign-in/phone-number", {"phoneNumber": "+1999", "password": "wrong-1-x"})
    wrong = await world.client().post("/sign-in/phone-number", {**SIGN_IN, "password": "wrong-1-x"})
    assert calls == ["wrong-1-x", "wrong-1-x"]
    assert (unknown.status, unknown.body) == (wrong.status, wrong.body)


async def test_sign_ins_per_number_are_limited() -> None:
    world = await memory_world(tessera={"production": True,
                                        "rate_limit": {"account_sign_in": {"window": 60, "max": 2}}})
    body = {**SIGN_IN, "password": "wrong-1-x"}
    statuses = [(await world.client().post("/sign-in/phone-number", body)).status for _ in range(3)]
    assert statuses == [401, 401, 429]


async def test_adding_a_number_refreshes_the_cookie_cache() -> None:
    world = await memory_world(tessera={"session": {"cookie_cache": {"enabled": True, "max_age": 300}}})
    browser = world.client()
    await browser.sign_up()
    code = await world.send()
    r = await browser.post("/phone-number/verify",
                           {"phoneNumber": ALICE_PHONE, "code": code, "updatePhoneNumber": True})
    assert "better-auth.session_data" in r.set_cookies and "better-auth.session_token" not in r.set_cookies
    user = (await browser.get("/get-session")).json_body()["user"]
    assert (user["phoneNumber"], user["phoneNumberVerified"]) == (ALICE_PHONE, True)


async def test_anonymous_user_is_linked_on_verify() -> None:
    linked: list[dict[str, Any]] = []
    world = await memory_world(plugins=(anonymous(on_link_account=lambda **kw: linked.append(kw)),),
                               sign_up_on_verification={"get_temp_email": lambda p: f"{p[1:]}@phone.example"})
    browser = world.client()
    assert (await browser.post("/sign-in/anonymous")).status == 200
    code = await world.send()
    r = await browser.post("/phone-number/verify", {"phoneNumber": ALICE_PHONE, "code": code})
    assert r.status == 200 and len(linked) == 1
