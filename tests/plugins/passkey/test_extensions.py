"""The ``extensions`` options (what the browser is asked to pass to the authenticator) and
``authentication.after_verification`` (the application's look at a verified assertion, able to refuse the
sign-in). Runs on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.context import RequestContext
from tessera.errors import APIError

from .conftest import RP_ID, MakeWorld

SESSION = "better-auth.session_token"
PRF = {"prf": {"eval": {"first": "c2FsdA"}}}


async def test_registration_extensions_are_sent_with_cred_props(make_world: MakeWorld) -> None:
    world = await make_world(registration={"extensions": {**PRF, "credProps": False}})
    r = await world.alice.get("/passkey/generate-register-options")
    # SimpleWebAuthn spreads the server's extensions, then sets credProps: it is always asked for
    assert r.json_body()["extensions"] == {**PRF, "credProps": True}
    r = await world.alice.get("/passkey/generate-authenticate-options")
    assert "extensions" not in r.json_body()


async def test_extensions_may_be_computed_per_request(make_world: MakeWorld) -> None:
    seen: list[str | None] = []

    async def per_user(*, ctx: RequestContext) -> dict[str, Any] | None:
        seen.append(ctx.request.headers.get("x-purpose"))
        return {"largeBlob": {"read": True}} if ctx.request.headers.get("x-purpose") else None

    world = await make_world(registration={"extensions": lambda *, ctx: PRF},
                             authentication={"extensions": per_user})
    r = await world.alice.get("/passkey/generate-register-options")
    assert r.json_body()["extensions"] == {**PRF, "credProps": True}
    browser = world.client()
    r = await browser.get("/passkey/generate-authenticate-options", headers=[("x-purpose", "backup")])
    assert r.json_body()["extensions"] == {"largeBlob": {"read": True}}
    r = await browser.get("/passkey/generate-authenticate-options")
    assert "extensions" not in r.json_body()
    assert seen == ["backup", None]


async def test_no_extensions_by_default(make_world: MakeWorld) -> None:
    world = await make_world()
    r = await world.alice.get("/passkey/generate-register-options")
    assert r.json_body()["extensions"] == {"credProps": True}


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_authentication_after_verification_sees_the_verified_assertion(make_world: MakeWorld,
                                                                              sync: bool) -> None:
    calls: list[dict[str, Any]] = []

    def record(**kw: Any) -> None:
        calls.append(kw)

    async def record_async(**kw: Any) -> None:
        record(**kw)

    world = await make_world(authentication={"afterVerification": record if sync else record_async})
    device = world.authenticator(counter=4)
    await world.register(world.alice, device)
    browser = world.client()
    r = await world.sign_in(browser, device)
    assert r.status == 200, r.body
    (call,) = calls
    assert isinstance(call["ctx"], RequestContext) and call["client_data"]["id"] == device.id
    assert call["verification"] == {"verified": True, "authenticationInfo": {
        "newCounter": 5, "credentialID": device.id, "userVerified": True, "credentialDeviceType": "multiDevice",
        "credentialBackedUp": True, "origin": device.origin, "rpID": RP_ID,
    }}


async def test_authentication_after_verification_may_refuse_the_sign_in(make_world: MakeWorld) -> None:
    def refuse(**kw: Any) -> None:
        if not kw["verification"]["authenticationInfo"]["userVerified"]:
            raise APIError(403, "USER_VERIFICATION_REQUIRED", "Use your PIN or biometrics")

    world = await make_world(authentication={"after_verification": refuse})
    device = world.authenticator(user_verified=False)
    await world.register(world.alice, device)
    browser = world.client()
    r = await world.sign_in(browser, device)
    assert (r.status, r.json_body()["code"]) == (403, "USER_VERIFICATION_REQUIRED")
    assert SESSION not in browser.cookies
    assert (await world.passkeys())[0]["counter"] == 0  # refused before the counter moved
    device.user_verified = True
    assert (await world.sign_in(browser, device)).status == 200


async def test_registration_after_verification_labels_a_signed_in_registration(make_world: MakeWorld) -> None:
    """Better Auth's example: name the passkey after its authenticator model (the AAGUID) unless the client
    named it."""

    def label(**kw: Any) -> dict[str, Any]:
        info = kw["verification"]["registrationInfo"]
        assert kw["context"] == "settings" and kw["user"]["id"] == kw["ctx"].session.user_id
        return {"name": f"Authenticator {info['aaguid'][:8]}"}

    world = await make_world(registration={"after_verification": label})
    r = await world.alice.get("/passkey/generate-register-options", query="context=settings")
    row = await world.alice.post("/passkey/verify-registration",
                                 {"response": world.authenticator().register(r.json_body())})
    assert row.json_body()["name"] == "Authenticator 00000000"
    r = await world.alice.get("/passkey/generate-register-options", query="context=settings")
    row = await world.alice.post("/passkey/verify-registration",
                                 {"response": world.authenticator().register(r.json_body()), "name": "Mine"})
    assert row.json_body()["name"] == "Mine"


async def test_a_crashing_after_verification_answers_as_better_auth_does(make_world: MakeWorld) -> None:
    """Not an ``APIError``: logged, and answered with Better Auth's codes (sign-in 400, registration 500)."""

    def crash(**kw: Any) -> None:
        raise RuntimeError("bug in the application")

    world = await make_world(authentication={"after_verification": crash}, registration={"after_verification": crash})
    r = await world.alice.get("/passkey/generate-register-options")
    r = await world.alice.post("/passkey/verify-registration", {"response": world.authenticator().register(r.json_body())})
    assert (r.status, r.json_body()["code"]) == (500, "FAILED_TO_VERIFY_REGISTRATION")
    assert await world.passkeys() == []
    world = await make_world(authentication={"after_verification": crash})
    device = world.authenticator()
    await world.register(world.alice, device)
    browser = world.client()
    r = await world.sign_in(browser, device)
    assert (r.status, r.json_body()["code"]) == (400, "AUTHENTICATION_FAILED")
    assert SESSION not in browser.cookies
