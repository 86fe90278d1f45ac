"""Listing, renaming and deleting passkeys — only ever the caller's own (CVE-2025-71400 was a delete by id
with no owner check) — sessions created through the central issuing path (a banned user gets none), and bad
input answered with 4xx and stable codes. Runs on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tessera.plugins.admin import admin
from tessera.plugins.two_factor import hotp, two_factor
from tests.plugins._support import PASSWORD
from tests.plugins.two_factor.conftest import key_of

from .conftest import CHALLENGE_COOKIE, MakeWorld, World


async def _alice_with_passkey(world: World) -> dict[str, Any]:
    return await world.register(world.alice, world.authenticator(), name="Laptop")


async def test_list_rename_delete_own_passkeys(make_world: MakeWorld) -> None:
    world = await make_world()
    first = await _alice_with_passkey(world)
    second = await world.register(world.alice, world.authenticator())
    await world.register(world.bob, world.authenticator())
    r = await world.alice.get("/passkey/list-user-passkeys")
    assert r.status == 200
    listed = r.json_body()
    assert sorted(p["id"] for p in listed) == sorted([first["id"], second["id"]])
    assert all(p["userId"] == world.alice_id for p in listed)
    r = await world.alice.post("/passkey/update-passkey", {"id": first["id"], "name": "  Work laptop "})
    assert r.status == 200
    assert r.json_body()["passkey"]["name"] == "Work laptop"
    assert r.json_body()["passkey"]["credentialID"] == first["credentialID"]
    r = await world.alice.post("/passkey/delete-passkey", {"id": second["id"]})
    assert (r.status, r.json_body()) == (200, {"status": True})
    r = await world.alice.get("/passkey/list-user-passkeys")
    assert [p["id"] for p in r.json_body()] == [first["id"]]


async def test_someone_elses_passkey_cannot_be_renamed_or_deleted(make_world: MakeWorld) -> None:
    world = await make_world()
    mine = await _alice_with_passkey(world)
    r = await world.bob.post("/passkey/delete-passkey", {"id": mine["id"]})
    assert (r.status, r.json_body()["code"]) == (401, "YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY")
    r = await world.bob.post("/passkey/update-passkey", {"id": mine["id"], "name": "pwned"})
    assert (r.status, r.json_body()["code"]) == (401, "YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY")
    rows = await world.passkeys()
    assert [(p["id"], p["name"]) for p in rows] == [(mine["id"], "Laptop")]
    r = await world.bob.get("/passkey/list-user-passkeys")
    assert r.json_body() == []
    for path, body in (("/passkey/delete-passkey", {"id": "nope"}),
                       ("/passkey/update-passkey", {"id": "nope", "name": "x"})):
        r = await world.bob.post(path, body)
        assert (r.status, r.json_body()["code"]) == (404, "PASSKEY_NOT_FOUND")


async def test_management_needs_a_session(make_world: MakeWorld) -> None:
    world = await make_world()
    mine = await _alice_with_passkey(world)
    anonymous = world.client()
    assert (await anonymous.get("/passkey/list-user-passkeys")).status == 401
    assert (await anonymous.get("/passkey/generate-register-options")).status == 401
    r = await anonymous.post("/passkey/delete-passkey", {"id": mine["id"]})
    assert r.status == 401
    r = await anonymous.post("/passkey/verify-registration", {"response": {}})
    assert r.status == 401
    assert len(await world.passkeys()) == 1


async def test_registration_needs_a_fresh_session(make_world: MakeWorld) -> None:
    world = await make_world()
    world.clock.advance(2 * 86400)  # past session.fresh_age (1 day)
    r = await world.alice.get("/passkey/generate-register-options")
    assert (r.status, r.json_body()["code"]) == (403, "SESSION_NOT_FRESH")


async def test_bad_input_is_a_4xx_with_a_stable_code(make_world: MakeWorld) -> None:
    world = await make_world()
    alice = world.alice
    r = await alice.get("/passkey/generate-register-options", query="authenticatorAttachment=usb")
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")
    for body in ({}, {"response": "nope"}, {"response": {}, "name": 3}, {"response": {}, "createSession": "y"}):
        r = await alice.post("/passkey/verify-registration", body)
        assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR"), body
    assert (await alice.post("/passkey/verify-authentication", {"response": []})).status == 400
    # no ceremony begun
    r = await alice.post("/passkey/verify-registration", {"response": {"id": "x"}})
    assert (r.status, r.json_body()["code"]) == (400, "CHALLENGE_NOT_FOUND")
    # garbage answers to a live challenge: refused, never a 500
    garbage: list[Any] = [
        {}, {"id": "x", "rawId": "x", "type": "public-key", "response": {}},
        {"id": "x", "rawId": "x", "type": "public-key",
         "response": {"clientDataJSON": "!!", "attestationObject": "AAAA"}},
        {"id": 1, "rawId": None, "response": {"clientDataJSON": 5}},
    ]
    for response in garbage:
        await alice.get("/passkey/generate-register-options")
        r = await alice.post("/passkey/verify-registration", {"response": response})
        assert (r.status, r.json_body()["code"]) == (400, "FAILED_TO_VERIFY_REGISTRATION"), response
    device = world.authenticator()
    await world.register(alice, device)
    for response in [{}, {"id": device.id}, {"id": device.id, "rawId": device.id, "type": "public-key",
                                              "response": {"clientDataJSON": "e30", "signature": "AA"}}]:
        browser = world.client()
        await browser.get("/passkey/generate-authenticate-options")
        r = await browser.post("/passkey/verify-authentication", {"response": response})
        assert r.status in (400, 401) and r.json_body()["code"] in ("PASSKEY_NOT_FOUND", "AUTHENTICATION_FAILED")
    r = await alice.post("/passkey/update-passkey", {"id": "x", "name": "   "})
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")
    r = await alice.post("/passkey/delete-passkey", {"id": 5})
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")


async def test_challenge_cookie_is_signed_short_lived_and_http_only(make_world: MakeWorld) -> None:
    world = await make_world(advanced={"webAuthnChallengeCookie": "pk-challenge"})
    r = await world.alice.get("/passkey/generate-register-options")
    header = r.set_cookies["better-auth.pk-challenge"]
    assert "Max-Age=300" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert "%3D" in header.split(";", 1)[0]  # value.signature, URL-encoded
    assert CHALLENGE_COOKIE not in world.alice.cookies


async def test_banned_user_gets_no_session_from_a_passkey(make_world: MakeWorld) -> None:
    """verify-authentication issues its session through ``create_session``: the admin plugin's ban hook runs."""
    world = await make_world(plugins=(admin(),))
    device = world.authenticator()
    await world.register(world.alice, device)
    await world.auth.context.store.update_user(world.alice_id, {"banned": True})
    browser = world.client()
    r = await world.sign_in(browser, device)
    assert (r.status, r.json_body()["code"]) == (403, "BANNED_USER")
    assert "better-auth.session_token" not in browser.cookies


async def test_two_factor_users_are_challenged_after_a_presence_only_passkey(make_world: MakeWorld) -> None:
    """A passkey that did not verify the user is one factor, like a password: the second-factor gate applies."""
    world = await make_world(plugins=(two_factor(),))
    device = world.authenticator(user_verified=False)
    await world.register(world.alice, device)
    r = await world.alice.post("/two-factor/enable", {"password": PASSWORD})
    key = key_of(r.json_body()["totpURI"])
    r = await world.alice.post("/two-factor/verify-totp", {"code": _code(world, key)})
    assert r.status == 200, r.body
    world.clock.advance(30)
    sessions = len(await world.auth.context.store.list_sessions(world.alice_id))
    browser = world.client()
    r = await world.sign_in(browser, device)
    assert (r.status, r.json_body()) == (200, {"twoFactorRedirect": True, "twoFactorMethods": ["totp"]})
    assert "better-auth.session_token" not in browser.cookies and "better-auth.two_factor" in browser.cookies
    assert len(await world.auth.context.store.list_sessions(world.alice_id)) == sessions  # none was created
    r = await browser.post("/two-factor/verify-totp", {"code": _code(world, key)})
    assert r.status == 200 and r.json_body()["user"]["id"] == world.alice_id
    assert "better-auth.session_token" in browser.cookies

    # a user-verified passkey is two factors already: straight in
    verified = world.authenticator()
    await world.register(world.alice, verified)
    browser = world.client()
    r = await world.sign_in(browser, verified)
    assert r.status == 200 and r.json_body()["user"]["id"] == world.alice_id
    assert "better-auth.session_token" in browser.cookies


def _code(world: World, key: bytes) -> str:
    return hotp(key, int(world.clock.now.timestamp()) // 30)
