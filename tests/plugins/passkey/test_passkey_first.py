"""Passkey-first sign-up (``registration.require_session=False``): ``resolve_user`` names the new user when the
ceremony begins, ``after_verification`` creates it once the attestation has verified, and the passkey signs in
from then on. What it must never do: create a user for a response that does not verify, or attach a passkey to
an account that already existed (Better Auth does, for whatever id the callbacks answer). Runs on every backend."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import pytest

from tessera.context import RequestContext
from tessera.errors import APIError

from .authenticator import SoftAuthenticator
from .conftest import CHALLENGE_COOKIE, MakeWorld, World

SESSION = "better-auth.session_token"
NEW_EMAIL = "new@example.com"


class SignUpFlow:
    """An application's passkey-first callbacks, recording what they were given."""

    def __init__(self, *, sync: bool = False, link_to: str | None = None, label: str | None = None) -> None:
        self.sync = sync
        self.link_to = link_to  # an id after_verification answers instead of creating the user
        self.label = label
        self.resolved: list[str | None] = []
        self.verified: list[dict[str, Any]] = []

    def options(self, **extra: Any) -> dict[str, Any]:
        resolve: Callable[..., Any] = self.resolve_sync if self.sync else self.resolve
        after: Callable[..., Any] = self.after_sync if self.sync else self.after
        return {"registration": {"requireSession": False, "resolve_user": resolve, "after_verification": after,
                                 **extra}}

    def resolve_sync(self, *, ctx: RequestContext, context: str | None) -> dict[str, Any]:
        self.resolved.append(context)
        # an id no user has yet: the user itself is only created once the attestation verifies
        return {"id": ctx.auth.generate_id("user"), "name": context or "nobody", "display_name": "New Person"}

    async def resolve(self, *, ctx: RequestContext, context: str | None) -> dict[str, Any]:
        return self.resolve_sync(ctx=ctx, context=context)

    def after_sync(self, **kw: Any) -> Awaitable[dict[str, Any]] | dict[str, Any]:
        # a plain function: it cannot await create_user itself, so it answers the awaitable
        self.verified.append(kw)
        return self._create(kw["ctx"], kw["user"])

    async def after(self, **kw: Any) -> dict[str, Any]:
        self.verified.append(kw)
        return await self._create(kw["ctx"], kw["user"])

    async def _create(self, ctx: RequestContext, user: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = {"name": self.label} if self.label else {}
        if self.link_to is not None:
            return {**answer, "userId": self.link_to}
        if ctx.session is not None:
            return answer  # a signed-in user adding a passkey: after_verification runs for them too
        row = await ctx.auth.store.create_user({"id": user["id"], "email": user["name"],
                                                "name": user["displayName"], "emailVerified": False})
        return {**answer, "user_id": row["id"]}


async def _begin(world: World, browser: Any, context: str = NEW_EMAIL) -> dict[str, Any]:
    r = await browser.get("/passkey/generate-register-options", query=f"context={quote(context)}")
    assert r.status == 200, r.body
    options: dict[str, Any] = r.json_body()
    return options


@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_passkey_first_sign_up_then_sign_in(make_world: MakeWorld, sync: bool) -> None:
    flow = SignUpFlow(sync=sync)
    world = await make_world(**flow.options())
    browser = world.client()
    options = await _begin(world, browser)
    assert options["user"]["name"] == NEW_EMAIL and options["user"]["displayName"] == "New Person"
    assert options["excludeCredentials"] == [] and flow.resolved == [NEW_EMAIL]
    store = world.auth.context.store
    assert await store.find_user_by_email(NEW_EMAIL) is None  # nothing exists before the attestation verifies
    device = world.authenticator()
    r = await browser.post("/passkey/verify-registration",
                           {"response": device.register(options), "name": "Phone", "createSession": True})
    assert r.status == 200, r.body
    body = r.json_body()
    user = await store.find_user_by_email(NEW_EMAIL)
    assert user is not None and user["name"] == "New Person"
    assert body["userId"] == user["id"] and body["name"] == "Phone" and body["credentialID"] == device.id
    assert body["user"]["id"] == user["id"] and body["session"]["userId"] == user["id"]
    assert SESSION in browser.cookies and CHALLENGE_COOKIE not in browser.cookies
    r = await browser.get("/get-session")
    assert r.json_body()["user"]["email"] == NEW_EMAIL
    (call,) = flow.verified
    assert call["context"] == NEW_EMAIL and call["client_data"]["id"] == device.id
    assert call["user"] == {"id": user["id"], "name": NEW_EMAIL, "displayName": "New Person"}
    info = call["verification"]["registrationInfo"]
    assert call["verification"]["verified"] is True and info["credential"]["id"] == device.id
    assert info["fmt"] == "none" and info["origin"] == world.authenticator().origin and info["rpID"] == "127.0.0.1"

    # the new passkey signs in from anywhere
    r = await world.sign_in(world.client(), device)
    assert r.status == 200, r.body
    assert r.json_body()["user"]["id"] == user["id"]


async def test_without_create_session_only_the_passkey_is_answered(make_world: MakeWorld) -> None:
    flow = SignUpFlow(label="  Synced passkey  ")
    world = await make_world(**flow.options())
    browser = world.client()
    options = await _begin(world, browser)
    r = await browser.post("/passkey/verify-registration", {"response": world.authenticator().register(options),
                                                             "name": "   "})
    assert r.status == 200, r.body
    assert "session" not in r.json_body() and SESSION not in browser.cookies
    assert r.json_body()["name"] == "Synced passkey"  # the callback's label: the client's was blank


async def test_a_response_that_does_not_verify_creates_no_user(make_world: MakeWorld) -> None:
    flow = SignUpFlow()
    world = await make_world(**flow.options())
    browser = world.client()
    options = await _begin(world, browser)
    response = world.authenticator().register(options, origin="https://evil.example")
    r = await browser.post("/passkey/verify-registration", {"response": response, "createSession": True})
    assert (r.status, r.json_body()["code"]) == (400, "FAILED_TO_VERIFY_REGISTRATION")
    assert flow.verified == [] and await world.auth.context.store.find_user_by_email(NEW_EMAIL) is None
    assert await world.passkeys() == [] and SESSION not in browser.cookies


async def test_a_credential_already_held_creates_no_user(make_world: MakeWorld) -> None:
    flow = SignUpFlow()
    world = await make_world(**flow.options())
    device = world.authenticator()
    await world.register(world.alice, device)
    assert len(flow.verified) == 1  # Alice's own registration
    browser = world.client()
    options = await _begin(world, browser)
    r = await browser.post("/passkey/verify-registration", {"response": device.register(options)})
    assert (r.status, r.json_body()["code"]) == (400, "PREVIOUSLY_REGISTERED")
    assert len(flow.verified) == 1 and await world.auth.context.store.find_user_by_email(NEW_EMAIL) is None


async def test_an_existing_account_cannot_be_taken_over(make_world: MakeWorld) -> None:
    """The application resolves ``context`` to an existing user (or links to one): without that user's own
    session, no passkey is attached to it — Better Auth would attach it, and sign the registrant in."""

    async def resolve_existing(*, ctx: RequestContext, context: str | None) -> dict[str, Any]:
        user = await ctx.auth.store.find_user_by_email(context or "")
        assert user is not None
        return {"id": user["id"], "name": user["email"]}

    for options in (
        {"registration": {"require_session": False, "resolve_user": resolve_existing}},
        {"registration": {"require_session": False, "resolve_user": resolve_existing,
                          "after_verification": lambda **kw: None}},
        None,  # after_verification links a new registration to Alice
    ):
        flow = SignUpFlow()
        world = await make_world(**(options or flow.options()))
        if options is None:
            flow.link_to = world.alice_id
        browser = world.client()
        begun = await _begin(world, browser, context="alice@example.com")
        r = await browser.post("/passkey/verify-registration",
                               {"response": world.authenticator().register(begun), "createSession": True})
        assert (r.status, r.json_body()["code"]) == (401, "YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY"), options
        assert await world.passkeys() == [] and SESSION not in browser.cookies


async def test_a_resolved_user_nobody_created_is_refused(make_world: MakeWorld) -> None:
    """``resolve_user`` alone names a user that does not exist: there is no one to attach the passkey to."""
    world = await make_world(registration={"require_session": False,
                                           "resolve_user": lambda **kw: {"id": "ghost", "name": "ghost"}})
    browser = world.client()
    begun = await _begin(world, browser)
    r = await browser.post("/passkey/verify-registration", {"response": world.authenticator().register(begun)})
    assert (r.status, r.json_body()["code"]) == (400, "RESOLVED_USER_INVALID")
    assert await world.passkeys() == []


async def test_without_resolve_user_an_anonymous_registration_is_refused(make_world: MakeWorld) -> None:
    world = await make_world(registration={"require_session": False})
    r = await world.client().get("/passkey/generate-register-options")
    assert (r.status, r.json_body()["code"]) == (400, "RESOLVE_USER_REQUIRED")
    await world.register(world.alice, world.authenticator())  # a signed-in user still registers


@pytest.mark.parametrize("answer", [None, "user-1", {}, {"id": "", "name": "x"}, {"id": 1, "name": "x"},
                                    {"id": "u", "name": None}, {"id": "u"}])
async def test_a_malformed_resolved_user_is_a_400(make_world: MakeWorld, answer: Any) -> None:
    world = await make_world(registration={"require_session": False, "resolve_user": lambda **kw: answer})
    r = await world.client().get("/passkey/generate-register-options")
    assert (r.status, r.json_body()["code"]) == (400, "RESOLVED_USER_INVALID")
    assert CHALLENGE_COOKIE not in r.set_cookies


async def _sign_up_with_after_verification(make_world: MakeWorld, after: Callable[..., Any]) -> tuple[World, Any]:
    options = SignUpFlow().options()
    options["registration"]["after_verification"] = after
    world = await make_world(**options)
    browser = world.client()
    begun = await _begin(world, browser)
    r = await browser.post("/passkey/verify-registration", {"response": world.authenticator().register(begun)})
    return world, r


@pytest.mark.parametrize("answer", ["user-1", {"userId": 5}, ["x"]])
async def test_a_malformed_after_verification_answer_is_a_400(make_world: MakeWorld, answer: Any) -> None:
    world, r = await _sign_up_with_after_verification(make_world, lambda **kw: answer)
    assert (r.status, r.json_body()["code"]) == (400, "RESOLVED_USER_INVALID")
    assert await world.passkeys() == []


async def test_after_verification_may_refuse_with_an_api_error(make_world: MakeWorld) -> None:
    def refuse(**kw: Any) -> None:
        raise APIError(403, "SIGN_UP_CLOSED", "Sign-up is closed")

    world, r = await _sign_up_with_after_verification(make_world, refuse)
    assert (r.status, r.json_body()["code"]) == (403, "SIGN_UP_CLOSED")
    assert await world.passkeys() == []


async def test_the_challenge_is_single_use_and_bound_to_its_ceremony(make_world: MakeWorld) -> None:
    flow = SignUpFlow()
    world = await make_world(**flow.options())
    browser = world.client()
    begun = await _begin(world, browser)
    cookie = browser.cookies[CHALLENGE_COOKIE]
    response = world.authenticator().register(begun)
    # Alice's signed-in browser replaying the anonymous ceremony: not hers
    world.alice.cookies[CHALLENGE_COOKIE] = cookie
    r = await world.alice.post("/passkey/verify-registration", {"response": response})
    assert (r.status, r.json_body()["code"]) == (401, "YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY")
    # ... and that attempt used the challenge up
    r = await browser.post("/passkey/verify-registration", {"response": response})
    assert (r.status, r.json_body()["code"]) == (400, "CHALLENGE_NOT_FOUND")
    assert flow.verified == [] and await world.passkeys() == []
    # a fresh ceremony: the context comes from the challenge, never from the verify request
    begun = await _begin(world, browser)
    r = await browser.post("/passkey/verify-registration",
                           {"response": world.authenticator().register(begun), "context": "alice@example.com"},
                           query="context=alice%40example.com")
    assert r.status == 200, r.body
    assert flow.verified[0]["context"] == NEW_EMAIL
    # replaying the completed ceremony
    browser.cookies[CHALLENGE_COOKIE] = cookie
    r = await browser.post("/passkey/verify-registration", {"response": response})
    assert (r.status, r.json_body()["code"]) == (400, "CHALLENGE_NOT_FOUND")
    assert len(await world.passkeys()) == 1


async def test_a_signed_in_user_registers_for_themselves(make_world: MakeWorld) -> None:
    flow = SignUpFlow()
    world = await make_world(**flow.options())
    row = await world.register(world.alice, world.authenticator())
    assert row["userId"] == world.alice_id and flow.resolved == []
    assert flow.verified[0]["user"]["id"] == world.alice_id
    # after_verification cannot move a signed-in registration to someone else
    flow.link_to = world.bob_id
    r = await world.alice.get("/passkey/generate-register-options")
    r = await world.alice.post("/passkey/verify-registration",
                               {"response": world.authenticator().register(r.json_body())})
    assert (r.status, r.json_body()["code"]) == (401, "YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY")
    assert [p["userId"] for p in await world.passkeys()] == [world.alice_id]


async def test_a_stale_session_is_still_refused(make_world: MakeWorld) -> None:
    """Turning passkey-first sign-up on does not let an old session add a credential to its account."""
    world = await make_world(**SignUpFlow().options())
    world.clock.advance(2 * 86400)
    r = await world.alice.get("/passkey/generate-register-options")
    assert (r.status, r.json_body()["code"]) == (403, "SESSION_NOT_FRESH")


async def test_two_new_users_sign_up_independently(make_world: MakeWorld) -> None:
    flow = SignUpFlow()
    world = await make_world(**flow.options())
    devices: list[SoftAuthenticator] = []
    for email in ("one@example.com", "two@example.com"):
        browser = world.client()
        begun = await _begin(world, browser, context=email)
        device = world.authenticator()
        r = await browser.post("/passkey/verify-registration", {"response": device.register(begun)})
        assert r.status == 200, r.body
        devices.append(device)
    for device, email in zip(devices, ("one@example.com", "two@example.com"), strict=True):
        r = await world.sign_in(world.client(), device)
        assert r.json_body()["user"]["email"] == email


async def test_bad_input_to_an_anonymous_registration_is_a_4xx(make_world: MakeWorld) -> None:
    flow = SignUpFlow()
    world = await make_world(**flow.options())
    browser = world.client()
    r = await browser.post("/passkey/verify-registration", {"response": {"id": "x"}})
    assert (r.status, r.json_body()["code"]) == (400, "CHALLENGE_NOT_FOUND")
    for body in ({}, {"response": "nope"}, {"response": {}, "createSession": "yes"}):
        r = await browser.post("/passkey/verify-registration", body)
        assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR"), body
    for response in ({}, {"id": "x", "rawId": "x", "type": "public-key", "response": {"clientDataJSON": "!!"}}):
        await _begin(world, browser)
        r = await browser.post("/passkey/verify-registration", {"response": response})
        assert (r.status, r.json_body()["code"]) == (400, "FAILED_TO_VERIFY_REGISTRATION"), response
    assert flow.verified == [] and await world.auth.context.store.find_user_by_email(NEW_EMAIL) is None
