"""Signing in by username passes the gates of every sign-in: email verification, bans, the second factor, the
per-account window; and an unknown username costs what a wrong password costs."""

from __future__ import annotations

import base64
import re
from typing import Any

from tessera.plugins.admin import admin
from tessera.plugins.two_factor import hotp, two_factor
from tests._tokens import Clock
from tests.plugins._support import count_password_checks

from .conftest import PASSWORD, MakeWorld


async def test_email_verification_is_required_when_configured(make_memory_world: MakeWorld) -> None:
    sent: list[dict[str, Any]] = []

    async def send(**mail: Any) -> None:
        sent.append(mail)

    world = await make_memory_world(tessera={
        "email_and_password": {"require_email_verification": True},
        "email_verification": {"send_verification_email": send, "send_on_sign_in": True},
    })
    await world.sign_up(username="alice")
    before = len(sent)
    r = await world.sign_in("alice")
    assert (r.status, r.json_body()["code"]) == (403, "EMAIL_NOT_VERIFIED")
    assert len(sent) == before + 1
    [user] = await world.users()
    await world.auth.context.store.update_user(user["id"], {"emailVerified": True})
    assert (await world.sign_in("alice")).status == 200


async def test_banned_user_gets_no_session(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(plugins=(admin(),))
    _, r = await world.sign_up(username="alice")
    user_id = r.json_body()["user"]["id"]
    await world.auth.context.store.update_user(user_id, {"banned": True})
    before = await world.auth.context.store.list_sessions(user_id)
    browser = world.client()
    r = await world.sign_in("alice", client=browser)
    assert (r.status, r.json_body()["code"]) == (403, "BANNED_USER")
    assert not any(name.endswith("session_token") for name in browser.cookies)
    assert await world.auth.context.store.list_sessions(user_id) == before


async def test_two_factor_user_is_challenged(make_memory_world: MakeWorld) -> None:
    clock = Clock()
    world = await make_memory_world(plugins=(two_factor(),), tessera={"clock": clock})
    alice, r = await world.sign_up(username="alice")
    user_id = r.json_body()["user"]["id"]
    enabled = (await alice.post("/two-factor/enable", {"password": PASSWORD})).json_body()
    match = re.search(r"secret=([A-Z2-7]+)", enabled["totpURI"])
    assert match
    raw = match.group(1)
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    code = hotp(key, int(clock().timestamp()) // 30)
    assert (await alice.post("/two-factor/verify-totp", {"code": code})).status == 200
    before = len(await world.auth.context.store.list_sessions(user_id))

    browser = world.client()
    r = await world.sign_in("alice", client=browser)
    assert r.status == 200 and r.json_body()["twoFactorRedirect"] is True, r.body
    assert not any(name.endswith("session_token") for name in browser.cookies)
    assert len(await world.auth.context.store.list_sessions(user_id)) == before
    clock.advance(30)
    code = hotp(key, int(clock().timestamp()) // 30)
    r = await browser.post("/two-factor/verify-totp", {"code": code})
    assert r.status == 200 and r.json_body()["user"]["id"] == user_id


async def test_unknown_username_spends_a_password_check(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world()
    await world.sign_up(username="alice")
    calls = count_password_checks(world.auth)
    unknown = await world.sign_in("nobody", "wrong-password-1")
    wrong = await world.sign_in("alice", "wrong-password-1")
    assert calls == ["wrong-password-1", "wrong-password-1"]
    assert (unknown.status, unknown.body) == (wrong.status, wrong.body)


async def test_sign_ins_per_username_are_limited(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(tessera={"production": True, "rate_limit": {"account_sign_in": {"window": 60, "max": 2}}})
    await world.sign_up(username="alice")
    statuses = [(await world.sign_in("Alice", "wrong-password-1")).status for _ in range(3)]
    assert statuses == [401, 401, 429]
