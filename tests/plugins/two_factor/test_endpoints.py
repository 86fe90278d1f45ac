"""Enable, disable, TOTP URI, backup codes, OTP as the enabling method, server-only endpoints, and bad input
answered with Better Auth's statuses and codes. Runs on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tessera.errors import APIError
from tessera.plugins.two_factor import two_factor
from tessera.plugins.two_factor.challenge import FIRST_FACTOR_ENDPOINTS
from tests._helpers import Client, make_auth

from .conftest import PASSWORD, MakeWorld, key_of

SESSION = "better-auth.session_token"


async def test_enable_returns_uri_and_codes_and_needs_a_verified_code(make_world: MakeWorld) -> None:
    world = await make_world(issuer="Acme Inc")
    r = await world.alice.post("/two-factor/enable", {"password": PASSWORD})
    assert r.status == 200
    body = r.json_body()
    assert body["method"] == "totp" and len(body["backupCodes"]) == 10
    assert all(len(c) == 11 and c[5] == "-" for c in body["backupCodes"])
    uri = urlparse(body["totpURI"])
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/Acme%20Inc:alice%40example.com")
    query = parse_qs(uri.query)
    assert query["issuer"] == ["Acme Inc"] and query["digits"] == ["6"] and query["period"] == ["30"]
    assert len(key_of(body["totpURI"])) == 32
    # not enabled until a code is verified: sign-in is not challenged yet
    assert "token" in (await world.client().sign_in()).json_body()
    row = await world.auth.context.adapter.find_one("twoFactor", [])
    assert row is not None and row["verified"] is False
    assert row["secret"] != key_of(body["totpURI"]).decode()  # encrypted at rest
    # enabling again before verification replaces the pending secret
    r = await world.alice.post("/two-factor/enable", {"password": PASSWORD, "issuer": "Other"})
    assert r.status == 200 and "Other:" in r.json_body()["totpURI"]
    key = key_of(r.json_body()["totpURI"])
    old_token = world.alice.cookies[SESSION]
    r = await world.alice.post("/two-factor/verify-totp", {"code": world.code(key)})
    assert r.status == 200 and r.json_body()["user"]["twoFactorEnabled"] is True
    assert world.alice.cookies[SESSION] != old_token, "enabling 2FA rotates the session"
    assert len(await world.sessions()) == 2  # the new one and the other browser's
    r = await world.alice.post("/two-factor/enable", {"password": PASSWORD})
    assert (r.status, r.json_body()["code"]) == (400, "TOTP_ALREADY_ENABLED")


async def test_enable_with_otp_method_and_skip_verification(make_world: MakeWorld) -> None:
    world = await make_world(skip_verification_on_enable=True)
    r = await world.alice.post("/two-factor/enable", {"password": PASSWORD, "method": "otp"})
    assert r.json_body() == {"method": "otp"}
    assert (await world.alice.get("/get-session")).json_body()["user"]["twoFactorEnabled"] is True
    r = await world.client().sign_in()
    assert r.json_body() == {"twoFactorRedirect": True, "twoFactorMethods": ["otp"]}
    r = await world.alice.post("/two-factor/enable", {"password": PASSWORD})
    assert r.status == 200  # TOTP now, verified at once
    r = await world.client().sign_in()
    assert r.json_body()["twoFactorMethods"] == ["totp", "otp"]


async def test_otp_method_needs_send_otp(make_world: MakeWorld) -> None:
    world = await make_world(otp={})
    r = await world.alice.post("/two-factor/enable", {"password": PASSWORD, "method": "otp"})
    assert (r.status, r.json_body()["code"]) == (400, "OTP_NOT_CONFIGURED")
    r = await world.alice.post("/two-factor/send-otp")
    assert (r.status, r.json_body()["code"]) == (400, "OTP_NOT_CONFIGURED")


async def test_disable_turns_it_off_and_needs_the_password(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.enable_totp()
    r = await world.alice.post("/two-factor/disable", {"password": "wrong-password"})
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_PASSWORD")
    r = await world.alice.post("/two-factor/disable", {"password": PASSWORD})
    assert r.json_body() == {"status": True}
    assert await world.auth.context.adapter.find_one("twoFactor", []) is None
    assert (await world.alice.get("/get-session")).json_body()["user"]["twoFactorEnabled"] is False
    assert "token" in (await world.client().sign_in()).json_body()


async def test_get_totp_uri_and_generate_backup_codes(make_world: MakeWorld) -> None:
    world = await make_world()
    r = await world.alice.post("/two-factor/get-totp-uri", {"password": PASSWORD})
    assert (r.status, r.json_body()["code"]) == (400, "TOTP_NOT_ENABLED")
    r = await world.alice.post("/two-factor/generate-backup-codes", {"password": PASSWORD})
    assert (r.status, r.json_body()["code"]) == (400, "TWO_FACTOR_NOT_ENABLED")
    key, codes = await world.enable_totp()
    r = await world.alice.post("/two-factor/get-totp-uri", {"password": PASSWORD})
    assert key_of(r.json_body()["totpURI"]) == key
    r = await world.alice.post("/two-factor/get-totp-uri", {"password": "nope-nope-nope"})
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_PASSWORD")
    r = await world.alice.post("/two-factor/generate-backup-codes", {"password": PASSWORD})
    fresh = r.json_body()
    assert fresh["status"] is True and set(fresh["backupCodes"]).isdisjoint(codes)
    assert await world.view_codes() == fresh["backupCodes"]


async def test_server_only_endpoints_are_not_routed(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.enable_totp()
    for path in ("/two-factor/view-backup-codes", "/two-factor/generate-totp"):
        assert (await world.alice.post(path, {"userId": world.alice_id, "secret": "x"})).status == 404
    with pytest.raises(APIError) as info:
        await world.auth.api.view_backup_codes(body={"userId": "nobody"})
    assert (info.value.status, info.value.code) == (400, "BACKUP_CODES_NOT_ENABLED")
    code = (await world.auth.api.generate_totp(body={"secret": "tessera-made-secret-0123456789-_"}))["code"]
    assert len(code) == 6 and code.isdigit()


async def test_step_up_verification_with_a_session(make_world: MakeWorld) -> None:
    world = await make_world()
    key, codes = await world.enable_totp()
    token = world.alice.cookies[SESSION]
    r = await world.alice.post("/two-factor/verify-totp", {"code": world.code(key)})
    assert r.status == 200 and world.alice.cookies[SESSION] == token
    r = await world.alice.post("/two-factor/verify-backup-code", {"code": codes[0], "disableSession": True})
    assert r.status == 200 and set(r.json_body()) == {"token", "user"}
    await world.alice.post("/two-factor/send-otp")
    assert (await world.alice.post("/two-factor/verify-otp", {"code": world.sent[-1]})).status == 200


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/two-factor/verify-totp", {}, 400, "VALIDATION_ERROR"),
        ("/two-factor/verify-totp", {"code": 123456}, 400, "VALIDATION_ERROR"),
        ("/two-factor/verify-totp", {"code": "123456", "trustDevice": "yes"}, 400, "VALIDATION_ERROR"),
        ("/two-factor/verify-totp", {"code": "123456"}, 401, "INVALID_TWO_FACTOR_COOKIE"),
        ("/two-factor/verify-otp", {"code": "123456"}, 401, "INVALID_TWO_FACTOR_COOKIE"),
        ("/two-factor/verify-backup-code", {"code": "x"}, 401, "INVALID_TWO_FACTOR_COOKIE"),
        ("/two-factor/verify-backup-code", {"code": ["x"]}, 400, "VALIDATION_ERROR"),
        ("/two-factor/send-otp", [1], 400, "VALIDATION_ERROR"),
        ("/two-factor/send-otp", {"trustDevice": 1}, 400, "VALIDATION_ERROR"),
        ("/two-factor/send-otp", None, 401, "INVALID_TWO_FACTOR_COOKIE"),
        ("/two-factor/enable", {"password": PASSWORD}, 401, "UNAUTHORIZED"),
        ("/two-factor/disable", {"password": PASSWORD}, 401, "UNAUTHORIZED"),
        ("/two-factor/get-totp-uri", {"password": PASSWORD}, 401, "UNAUTHORIZED"),
        ("/two-factor/generate-backup-codes", {"password": PASSWORD}, 401, "UNAUTHORIZED"),
    ],
)
async def test_bad_input_without_a_session(
    make_world: MakeWorld, path: str, body: object, status: int, code: str
) -> None:
    world = await make_world()
    r = await world.client().post(path, body)
    assert (r.status, r.json_body()["code"]) == (status, code), r.body


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "VALIDATION_ERROR"),
        ({"password": 1}, "VALIDATION_ERROR"),
        ({"password": PASSWORD, "method": "sms"}, "VALIDATION_ERROR"),
        ({"password": PASSWORD, "issuer": 5}, "VALIDATION_ERROR"),
        ({"password": ""}, "INVALID_PASSWORD"),
        ({"password": "x" * 200}, "PASSWORD_TOO_LONG"),
    ],
)
async def test_bad_enable_input(make_world: MakeWorld, body: object, code: str) -> None:
    world = await make_world()
    r = await world.alice.post("/two-factor/enable", body)
    assert (r.status, r.json_body()["code"]) == (400, code), r.body


async def test_garbage_two_factor_cookie(make_world: MakeWorld) -> None:
    world = await make_world()
    client = world.client()
    for value in ("", "2fa-unknown", "2fa-unknown.forged", "a" * 5000):
        client.cookies["better-auth.two_factor"] = value
        r = await client.post("/two-factor/verify-totp", {"code": "123456"})
        assert (r.status, r.json_body()["code"]) == (401, "INVALID_TWO_FACTOR_COOKIE")


async def test_rate_limit_is_three_per_ten_seconds() -> None:
    auth = make_auth(plugins=[two_factor()], rate_limit={"enabled": True})
    client = Client(auth)
    statuses = [(await client.post("/two-factor/verify-totp", {"code": "123456"})).status for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert (await client.post("/sign-in/email", {"email": "a@example.com", "password": "x" * 10})).status != 429


def test_every_password_sign_in_endpoint_is_challenged() -> None:
    """A new first-factor sign-in endpoint (``/sign-in/username``…) must be added to the challenged set."""
    auth = make_auth(plugins=[two_factor()])
    password_sign_ins = {
        name for name, ep in auth.endpoints.items() if "sign-in" in ep.tags and "oauth" not in ep.tags
    }
    assert password_sign_ins and password_sign_ins <= FIRST_FACTOR_ENDPOINTS
