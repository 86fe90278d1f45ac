"""The registration and authentication ceremonies, driven end to end by a software authenticator, and what they
refuse: wrong origin or rpId, replayed or expired challenges, counter regression (a cloned authenticator),
unknown or forged credentials, missing user verification. Runs on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from tessera.errors import APIError
from tessera.plugins.passkey.ceremony import decode_public_key
from tests._helpers import BASE, Client

from .conftest import CHALLENGE_COOKIE, RP_ID, MakeWorld

SESSION = "better-auth.session_token"


async def test_register_then_sign_in(make_world: MakeWorld) -> None:
    world = await make_world(rp_name="Acme")
    device = world.authenticator()
    r = await world.alice.get("/passkey/generate-register-options", query="name=alice-laptop")
    assert r.status == 200
    options = r.json_body()
    assert options["rp"] == {"name": "Acme", "id": RP_ID}
    assert options["user"]["name"] == "alice-laptop" and options["user"]["displayName"] == "alice@example.com"
    assert options["user"]["id"] != world.alice_id and len(options["user"]["id"]) == 43  # 32 random chars
    assert options["attestation"] == "none" and options["excludeCredentials"] == []
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-8, -7, -257]
    assert options["authenticatorSelection"] == {"residentKey": "preferred", "userVerification": "preferred",
                                                 "requireResidentKey": False}
    assert len(options["challenge"]) == 43  # 32 random bytes
    assert CHALLENGE_COOKIE in world.alice.cookies
    r = await world.alice.post("/passkey/verify-registration", {"response": device.register(options),
                                                                "name": "  Laptop  "})
    assert r.status == 200, r.body
    row = r.json_body()
    assert row["name"] == "Laptop" and row["userId"] == world.alice_id and row["credentialID"] == device.id
    assert row["counter"] == 0 and row["deviceType"] == "multiDevice" and row["backedUp"] is True
    assert row["transports"] == "internal,hybrid" and row["aaguid"] == "00000000-0000-0000-0000-000000000000"
    assert decode_public_key(row["publicKey"]) == device.cose_key()
    assert "session" not in row
    assert CHALLENGE_COOKIE not in world.alice.cookies  # expired after use

    # a second registration excludes the credential already held
    r = await world.alice.get("/passkey/generate-register-options")
    assert r.json_body()["excludeCredentials"] == [
        {"id": device.id, "type": "public-key", "transports": ["internal", "hybrid"]}
    ]

    # sign in from a browser with no session
    browser = world.client()
    r = await browser.get("/passkey/generate-authenticate-options")
    options = r.json_body()
    assert options["rpId"] == RP_ID and options["userVerification"] == "preferred"
    assert "allowCredentials" not in options and options["timeout"] == 60000
    r = await browser.post("/passkey/verify-authentication", {"response": device.authenticate(options)})
    assert r.status == 200, r.body
    body = r.json_body()
    assert body["user"]["id"] == world.alice_id and body["session"]["userId"] == world.alice_id
    assert SESSION in browser.cookies
    r = await browser.get("/get-session")
    assert r.json_body()["user"]["email"] == "alice@example.com"
    stored = await world.passkeys()
    assert stored[0]["counter"] == 1

    # signed in: the options name the user's credentials
    r = await world.alice.get("/passkey/generate-authenticate-options")
    assert [c["id"] for c in r.json_body()["allowCredentials"]] == [device.id]


async def test_register_with_create_session(make_world: MakeWorld) -> None:
    world = await make_world()
    old = world.alice.cookies[SESSION]
    row = await world.register(world.alice, world.authenticator(), createSession=True)
    assert row["session"]["userId"] == world.alice_id and row["user"]["id"] == world.alice_id
    assert row["credentialID"] and world.alice.cookies[SESSION] != old


async def test_counterless_authenticator_signs_in_repeatedly(make_world: MakeWorld) -> None:
    """Apple and most synced passkeys always report 0: that is no regression."""
    world = await make_world()
    device = world.authenticator()
    await world.register(world.alice, device)
    for _ in range(2):
        r = await world.sign_in(world.client(), device, bump=0)
        assert r.status == 200, r.body


async def test_wrong_origin_is_refused(make_world: MakeWorld) -> None:
    world = await make_world()
    device = world.authenticator()
    r = await world.alice.get("/passkey/generate-register-options")
    response = device.register(r.json_body(), origin="https://evil.example")
    r = await world.alice.post("/passkey/verify-registration", {"response": response})
    assert (r.status, r.json_body()["code"]) == (400, "FAILED_TO_VERIFY_REGISTRATION")
    assert await world.passkeys() == []
    await world.register(world.alice, device)
    r = await world.sign_in(world.client(), device, origin="https://evil.example")
    assert (r.status, r.json_body()["code"]) == (400, "AUTHENTICATION_FAILED")


async def test_configured_origin_wins_over_the_request(make_world: MakeWorld) -> None:
    world = await make_world(origin="https://app.example")
    r = await world.alice.get("/passkey/generate-register-options")
    device = world.authenticator(origin="https://app.example")
    r = await world.alice.post("/passkey/verify-registration", {"response": device.register(r.json_body())})
    assert r.status == 200, r.body
    r = await world.sign_in(world.client(), device, origin=BASE)
    assert (r.status, r.json_body()["code"]) == (400, "AUTHENTICATION_FAILED")
    r = await world.sign_in(world.client(), device)
    assert r.status == 200, r.body


async def test_untrusted_or_missing_request_origin_is_refused(make_world: MakeWorld) -> None:
    world = await make_world()
    phished = world.authenticator(origin="https://evil.example")
    await world.register(world.alice, world.authenticator())
    # over HTTP the app's origin check answers first (the challenge cookie makes it a cookie request)
    r = await world.sign_in(Client(world.auth, origin="https://evil.example"), phished)
    assert (r.status, r.json_body()["code"]) == (403, "INVALID_ORIGIN")
    # a server call relaying a look-alike site's Origin is refused by the plugin's own check
    browser = world.client()
    r = await browser.get("/passkey/generate-authenticate-options")
    headers = [("cookie", browser.cookie_header()), ("origin", "https://evil.example")]
    response = phished.authenticate(r.json_body())
    with pytest.raises(APIError) as info:
        await world.auth.api.verify_passkey_authentication(body={"response": response}, headers=headers)
    assert (info.value.status, info.value.code) == (400, "AUTHENTICATION_FAILED")
    r = await browser.get("/passkey/generate-authenticate-options")
    with pytest.raises(APIError) as info:
        await world.auth.api.verify_passkey_authentication(
            body={"response": response}, headers=[("cookie", browser.cookie_header())])
    assert (info.value.status, info.value.code) == (400, "ORIGIN_MISSING")


async def test_wrong_rp_id_is_refused(make_world: MakeWorld) -> None:
    world = await make_world()
    device = world.authenticator()
    r = await world.alice.get("/passkey/generate-register-options")
    r = await world.alice.post("/passkey/verify-registration",
                               {"response": device.register(r.json_body(), rp_id="evil.example")})
    assert (r.status, r.json_body()["code"]) == (400, "FAILED_TO_VERIFY_REGISTRATION")
    await world.register(world.alice, device)
    r = await world.sign_in(world.client(), device, rp_id="evil.example")
    assert (r.status, r.json_body()["code"]) == (400, "AUTHENTICATION_FAILED")


async def test_challenge_is_single_use(make_world: MakeWorld) -> None:
    world = await make_world()
    device = world.authenticator()
    await world.register(world.alice, device)
    browser = world.client()
    r = await browser.get("/passkey/generate-authenticate-options")
    cookie = browser.cookies[CHALLENGE_COOKIE]
    response = device.authenticate(r.json_body())
    r = await browser.post("/passkey/verify-authentication", {"response": response})
    assert r.status == 200
    # the same cookie and assertion again: the challenge is gone
    replay = world.client()
    replay.cookies[CHALLENGE_COOKIE] = cookie
    r = await replay.post("/passkey/verify-authentication", {"response": response})
    assert (r.status, r.json_body()["code"]) == (400, "CHALLENGE_NOT_FOUND")
    # the old assertion under a fresh challenge does not verify
    r = await replay.get("/passkey/generate-authenticate-options")
    r = await replay.post("/passkey/verify-authentication", {"response": response})
    assert (r.status, r.json_body()["code"]) == (400, "AUTHENTICATION_FAILED")


async def test_racing_verifications_of_one_challenge_issue_one_session(make_world: MakeWorld) -> None:
    """The challenge row is consumed atomically: of parallel requests carrying it, exactly one gets through."""
    world = await make_world()
    device = world.authenticator()
    await world.register(world.alice, device)
    browser = world.client()
    r = await browser.get("/passkey/generate-authenticate-options")
    response = device.authenticate(r.json_body())
    before = len(await world.auth.context.store.list_sessions(world.alice_id))
    racers = []
    for _ in range(5):
        racer = world.client()
        racer.cookies = dict(browser.cookies)
        racers.append(racer.post("/passkey/verify-authentication", {"response": response}))
    statuses = sorted(r.status for r in await asyncio.gather(*racers))
    assert statuses == [200, 400, 400, 400, 400]
    assert len(await world.auth.context.store.list_sessions(world.alice_id)) == before + 1


async def test_a_failed_attempt_burns_the_challenge(make_world: MakeWorld) -> None:
    world = await make_world()
    device = world.authenticator()
    await world.register(world.alice, device)
    browser = world.client()
    r = await browser.get("/passkey/generate-authenticate-options")
    options = r.json_body()
    cookie = browser.cookies[CHALLENGE_COOKIE]
    r = await browser.post("/passkey/verify-authentication",
                           {"response": device.authenticate(options, origin="https://evil.example")})
    assert r.status == 400
    browser.cookies[CHALLENGE_COOKIE] = cookie
    r = await browser.post("/passkey/verify-authentication", {"response": device.authenticate(options)})
    assert (r.status, r.json_body()["code"]) == (400, "CHALLENGE_NOT_FOUND")


async def test_challenge_expires(make_world: MakeWorld) -> None:
    world = await make_world()
    device = world.authenticator()
    await world.register(world.alice, device)
    browser = world.client()
    r = await browser.get("/passkey/generate-authenticate-options")
    world.clock.advance(301)
    r = await browser.post("/passkey/verify-authentication", {"response": device.authenticate(r.json_body())})
    assert (r.status, r.json_body()["code"]) == (400, "CHALLENGE_NOT_FOUND")


async def test_challenge_of_the_other_ceremony_is_refused(make_world: MakeWorld) -> None:
    world = await make_world()
    device = world.authenticator()
    await world.register(world.alice, device)
    r = await world.alice.get("/passkey/generate-register-options")
    r = await world.alice.post("/passkey/verify-authentication",
                               {"response": device.authenticate(r.json_body())})
    assert (r.status, r.json_body()["code"]) == (400, "CHALLENGE_NOT_FOUND")


async def test_forged_or_missing_challenge_cookie(make_world: MakeWorld) -> None:
    world = await make_world()
    device = world.authenticator()
    browser = world.client()
    r = await browser.post("/passkey/verify-authentication", {"response": device.authenticate({"challenge": "x"})})
    assert (r.status, r.json_body()["code"]) == (400, "CHALLENGE_NOT_FOUND")
    r = await browser.get("/passkey/generate-authenticate-options")
    token = browser.cookies[CHALLENGE_COOKIE].split(".", 1)[0]
    browser.cookies[CHALLENGE_COOKIE] = f"{token}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"
    r = await browser.post("/passkey/verify-authentication", {"response": device.authenticate(r.json_body())})
    assert (r.status, r.json_body()["code"]) == (400, "CHALLENGE_NOT_FOUND")


async def test_counter_regression_is_refused(make_world: MakeWorld) -> None:
    """A cloned authenticator: its counter is behind the one stored."""
    world = await make_world()
    device = world.authenticator(counter=10)
    await world.register(world.alice, device)
    r = await world.sign_in(world.client(), device)
    assert r.status == 200
    assert (await world.passkeys())[0]["counter"] == 11
    device.counter = 5  # the clone
    browser = world.client()
    r = await world.sign_in(browser, device)
    assert (r.status, r.json_body()["code"]) == (400, "AUTHENTICATION_FAILED")
    assert SESSION not in browser.cookies
    r = await world.sign_in(world.client(), device, bump=5)  # 11, equal to the stored counter: still refused
    assert r.status == 400
    assert (await world.passkeys())[0]["counter"] == 11


async def test_unknown_or_forged_credential(make_world: MakeWorld) -> None:
    world = await make_world()
    device = world.authenticator()
    await world.register(world.alice, device)
    r = await world.sign_in(world.client(), world.authenticator())  # never registered
    assert (r.status, r.json_body()["code"]) == (401, "PASSKEY_NOT_FOUND")
    # Bob's key presented under Alice's credential id: the signature does not verify
    forged = world.authenticator(credential_id=device.credential_id, counter=100)
    r = await world.sign_in(world.bob, forged)
    assert (r.status, r.json_body()["code"]) == (400, "AUTHENTICATION_FAILED")


async def test_credential_id_is_unique_across_users(make_world: MakeWorld) -> None:
    world = await make_world()
    device = world.authenticator()
    await world.register(world.alice, device)
    clone = world.authenticator(credential_id=device.credential_id)
    r = await world.bob.get("/passkey/generate-register-options")
    r = await world.bob.post("/passkey/verify-registration", {"response": clone.register(r.json_body())})
    assert (r.status, r.json_body()["code"]) == (400, "PREVIOUSLY_REGISTERED")
    assert [p["userId"] for p in await world.passkeys()] == [world.alice_id]


async def test_registration_challenge_is_bound_to_its_user(make_world: MakeWorld) -> None:
    """Alice's challenge cookie replayed in Bob's browser cannot attach a credential to either account."""
    world = await make_world()
    r = await world.alice.get("/passkey/generate-register-options")
    world.bob.cookies[CHALLENGE_COOKIE] = world.alice.cookies[CHALLENGE_COOKIE]
    r = await world.bob.post("/passkey/verify-registration",
                             {"response": world.authenticator().register(r.json_body())})
    assert (r.status, r.json_body()["code"]) == (401, "YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY")
    assert await world.passkeys() == []


async def test_required_user_verification(make_world: MakeWorld) -> None:
    world = await make_world(authenticator_selection={"user_verification": "required",
                                                      "authenticatorAttachment": "platform"})
    r = await world.alice.get("/passkey/generate-register-options")
    assert r.json_body()["authenticatorSelection"]["userVerification"] == "required"
    presence_only = world.authenticator(user_verified=False)
    r = await world.alice.post("/passkey/verify-registration", {"response": presence_only.register(r.json_body())})
    assert (r.status, r.json_body()["code"]) == (400, "FAILED_TO_VERIFY_REGISTRATION")
    device = world.authenticator()
    await world.register(world.alice, device)
    r = await world.client().get("/passkey/generate-authenticate-options")
    assert r.json_body()["userVerification"] == "required"
    device.user_verified = False
    r = await world.sign_in(world.client(), device)
    assert (r.status, r.json_body()["code"]) == (400, "AUTHENTICATION_FAILED")
    device.user_verified = True
    assert (await world.sign_in(world.client(), device)).status == 200


async def test_preferred_user_verification_accepts_presence_only(make_world: MakeWorld) -> None:
    world = await make_world()
    device = world.authenticator(user_verified=False)
    await world.register(world.alice, device)
    assert (await world.sign_in(world.client(), device)).status == 200
