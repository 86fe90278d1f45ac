"""The sign-in flow with 2FA on: no session before the second factor, then TOTP, OTP or a backup code
finishes it; trusted devices; attempt limits and lockout. Runs on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from tessera.http import parse_set_cookie

from .conftest import PASSWORD, MakeWorld

SESSION = "better-auth.session_token"
TWO_FACTOR = "better-auth.two_factor"
TRUST = "better-auth.trust_device"


async def test_password_sign_in_creates_no_session_before_the_second_factor(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.enable_totp()
    before = len(await world.sessions())

    client = world.client()
    r = await client.sign_in()
    assert r.status == 200
    assert r.json_body() == {"twoFactorRedirect": True, "twoFactorMethods": ["totp", "otp"]}
    assert len(await world.sessions()) == before, "a session row was written before the second factor"
    assert SESSION not in client.cookies and TWO_FACTOR in client.cookies
    assert parse_set_cookie(r.set_cookies[SESSION])[2].get("max-age") == "0"
    # the challenge cookie is no session: get-session answers null, protected endpoints 401
    assert (await client.get("/get-session")).json_body() is None
    assert (await client.post("/two-factor/generate-backup-codes", {"password": PASSWORD})).status == 401


async def test_totp_finishes_the_sign_in(make_world: MakeWorld) -> None:
    world = await make_world()
    key, _ = await world.enable_totp()
    client = await world.challenge()
    challenge = client.cookies[TWO_FACTOR]
    r = await client.post("/two-factor/verify-totp", {"code": world.code(key, 1)})  # next step: in window
    assert r.status == 200, r.body
    body = r.json_body()
    assert set(body) == {"token", "user"} and body["user"]["twoFactorEnabled"] is True
    assert SESSION in client.cookies and TWO_FACTOR not in client.cookies
    session = (await client.get("/get-session")).json_body()
    assert session["session"]["token"] == body["token"]
    # the challenge is single use
    replay = world.client()
    replay.cookies[TWO_FACTOR] = challenge
    world.clock.advance(30)
    r = await replay.post("/two-factor/verify-totp", {"code": world.code(key)})
    assert (r.status, r.json_body()["code"]) == (401, "INVALID_TWO_FACTOR_COOKIE")


async def test_totp_outside_the_window_and_replayed_codes_are_refused(make_world: MakeWorld) -> None:
    world = await make_world()
    key, _ = await world.enable_totp()
    client = await world.challenge()
    for steps in (-2, 2):
        r = await client.post("/two-factor/verify-totp", {"code": world.code(key, steps)})
        assert (r.status, r.json_body()["code"]) == (401, "INVALID_CODE")
    code = world.code(key)
    assert (await client.post("/two-factor/verify-totp", {"code": code})).status == 200
    # the same code again, even through a new password sign-in, within its window
    again = await world.challenge()
    r = await again.post("/two-factor/verify-totp", {"code": code})
    assert (r.status, r.json_body()["code"]) == (401, "INVALID_CODE")
    # step-up with a session: a used code is refused too
    r = await client.post("/two-factor/verify-totp", {"code": code})
    assert r.status == 401
    world.clock.advance(30)
    assert (await client.post("/two-factor/verify-totp", {"code": world.code(key)})).status == 200


async def test_otp_finishes_the_sign_in_and_honours_remember_me(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.enable_totp()
    client = await world.challenge(rememberMe=False)
    assert (await client.post("/two-factor/send-otp")).json_body() == {"status": True}
    r = await client.post("/two-factor/verify-otp", {"code": world.sent[-1]})
    assert r.status == 200, r.body
    cookie = parse_set_cookie(r.set_cookies[SESSION])
    assert "max-age" not in cookie[2], "rememberMe: false must give a browser-session cookie"
    session = (await client.get("/get-session")).json_body()["session"]
    lifetime = session["expiresAt"] - session["createdAt"] if not isinstance(session["expiresAt"], str) else None
    assert lifetime is None or lifetime.total_seconds() <= 86400


async def test_otp_attempt_limit_kills_the_code(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.enable_totp()
    client = await world.challenge()
    await client.post("/two-factor/send-otp")
    good = world.sent[-1]
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(5):
        r = await client.post("/two-factor/verify-otp", {"code": wrong})
        assert (r.status, r.json_body()["code"]) == (401, "INVALID_CODE")
    r = await client.post("/two-factor/verify-otp", {"code": good})
    assert (r.status, r.json_body()["code"]) == (400, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE")
    r = await client.post("/two-factor/verify-otp", {"code": good})
    assert (r.status, r.json_body()["code"]) == (400, "OTP_HAS_EXPIRED")
    # a new code works
    await client.post("/two-factor/send-otp")
    assert (await client.post("/two-factor/verify-otp", {"code": world.sent[-1]})).status == 200


async def test_totp_attempt_limit_kills_the_challenge(make_world: MakeWorld) -> None:
    world = await make_world()
    key, _ = await world.enable_totp()
    client = await world.challenge()
    for _ in range(5):
        r = await client.post("/two-factor/verify-totp", {"code": "000000"})
        assert r.status == 401
    r = await client.post("/two-factor/verify-totp", {"code": world.code(key)})
    assert (r.status, r.json_body()["code"]) == (400, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE")
    assert TWO_FACTOR not in client.cookies
    r = await client.post("/two-factor/verify-backup-code", {"code": "x"})
    assert (r.status, r.json_body()["code"]) == (401, "INVALID_TWO_FACTOR_COOKIE")


async def test_account_lockout_across_challenges(make_world: MakeWorld) -> None:
    world = await make_world(account_lockout={"max_failed_attempts": 3, "duration_seconds": 60})
    key, _ = await world.enable_totp()
    for _ in range(3):
        client = await world.challenge()
        await client.post("/two-factor/verify-totp", {"code": "000000"})
    client = await world.challenge()
    r = await client.post("/two-factor/verify-totp", {"code": world.code(key)})
    assert (r.status, r.json_body()["code"]) == (429, "ACCOUNT_TEMPORARILY_LOCKED")
    world.clock.advance(61)
    client = await world.challenge()
    assert (await client.post("/two-factor/verify-totp", {"code": world.code(key)})).status == 200


async def test_backup_code_finishes_the_sign_in_once(make_world: MakeWorld) -> None:
    world = await make_world()
    _, codes = await world.enable_totp()
    client = await world.challenge()
    r = await client.post("/two-factor/verify-backup-code", {"code": codes[0]})
    assert r.status == 200, r.body
    assert SESSION in client.cookies
    assert codes[0] not in await world.view_codes() and len(await world.view_codes()) == 9
    again = await world.challenge()
    r = await again.post("/two-factor/verify-backup-code", {"code": codes[0]})
    assert (r.status, r.json_body()["code"]) == (401, "INVALID_BACKUP_CODE")


async def test_one_backup_code_used_concurrently_succeeds_once(make_world: MakeWorld) -> None:
    world = await make_world()
    _, codes = await world.enable_totp()
    clients = [await world.challenge() for _ in range(4)]
    answers = await asyncio.gather(
        *(c.post("/two-factor/verify-backup-code", {"code": codes[1]}) for c in clients)
    )
    statuses = sorted(r.status for r in answers)
    assert statuses.count(200) == 1, statuses
    assert codes[1] not in await world.view_codes()


async def test_trusted_device_skips_the_second_factor_until_2fa_is_disabled(make_world: MakeWorld) -> None:
    world = await make_world()
    key, _ = await world.enable_totp()
    device = await world.challenge()
    r = await device.post("/two-factor/verify-totp", {"code": world.code(key), "trustDevice": True})
    assert r.status == 200
    attrs = parse_set_cookie(r.set_cookies[TRUST])[2]
    assert attrs["max-age"] == str(30 * 86400)
    first_trust = device.cookies[TRUST]
    del device.cookies[SESSION]

    r = await device.sign_in()
    assert r.status == 200 and "token" in r.json_body(), r.body
    assert device.cookies[TRUST] != first_trust, "the trusted device's cookie is rotated on every sign-in"
    # the old trust cookie no longer works (its identifier was deleted)
    stale = world.client()
    stale.cookies[TRUST] = first_trust
    r = await stale.sign_in()
    assert r.json_body().get("twoFactorRedirect") is True
    # a trust cookie is bound to its user
    r = await world.client().sign_up("bob@example.com")
    bob = world.client()
    bob.cookies[TRUST] = device.cookies[TRUST]
    assert (await bob.sign_in("bob@example.com")).status == 200
    # turning 2FA off forgets every trusted device
    world.clock.advance(30)
    assert (await world.alice.post("/two-factor/disable", {"password": PASSWORD})).status == 200
    key, _ = await world.enable_totp()
    del device.cookies[SESSION]
    r = await device.sign_in()
    assert r.json_body().get("twoFactorRedirect") is True


async def test_trusted_device_expires(make_world: MakeWorld) -> None:
    world = await make_world(trust_device_max_age=3600)
    key, _ = await world.enable_totp()
    device = await world.challenge()
    await device.post("/two-factor/verify-totp", {"code": world.code(key), "trustDevice": True})
    del device.cookies[SESSION]
    world.clock.advance(3601)
    r = await device.sign_in()
    assert r.json_body().get("twoFactorRedirect") is True


async def test_challenge_expires(make_world: MakeWorld) -> None:
    world = await make_world()
    key, _ = await world.enable_totp()
    client = await world.challenge()
    world.clock.advance(601)
    r = await client.post("/two-factor/verify-totp", {"code": world.code(key)})
    assert (r.status, r.json_body()["code"]) == (401, "INVALID_TWO_FACTOR_COOKIE")


async def test_banned_style_guard_session_create_hooks_never_see_the_pending_sign_in(make_world: MakeWorld) -> None:
    """No ``session.create`` hook (audit log, token minting) observes a user who only passed the password."""
    world = await make_world()
    key, _ = await world.enable_totp()
    seen: list[str] = []
    chain = world.auth.context.store.hooks._chains[("session", "create")]
    original = chain.after

    async def record(row: dict[str, Any], ctx: Any) -> None:
        seen.append(row["token"])

    object.__setattr__(chain, "after", (*original, record))
    try:
        client = await world.challenge()
        assert seen == []
        r = await client.post("/two-factor/verify-totp", {"code": world.code(key)})
        assert seen == [r.json_body()["token"]]
    finally:
        object.__setattr__(chain, "after", original)
