"""The device flow end to end on every backend: codes, polling, claiming, approving and denying, expiry, and the
races — a device code yields a session exactly once, however many polls arrive together."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tessera import APIError
from tessera.db.adapter import Where
from tests._helpers import BASE, Client

from .conftest import GRANT_TYPE, MakeWorld


def error(r: Any) -> tuple[int, str, str]:
    body = r.json_body()
    assert set(body) == {"error", "error_description"}, body
    return r.status, body["error"], body["error_description"]


async def test_device_signs_in_once_approved(make_world: MakeWorld) -> None:
    world = await make_world()
    codes = await world.codes(scope="openid profile")
    assert list(codes) == ["device_code", "user_code", "verification_uri", "verification_uri_complete",
                           "expires_in", "interval"]
    assert len(codes["device_code"]) == 40 and codes["device_code"].isalnum()
    user_code = codes["user_code"]
    assert len(user_code) == 8 and set(user_code) <= set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    assert codes["verification_uri"] == f"{BASE}/device"
    assert codes["verification_uri_complete"] == f"{BASE}/device?user_code={user_code}"
    assert codes["expires_in"] == 1800 and codes["interval"] == 5
    [row] = await world.rows()
    assert row["status"] == "pending" and row["clientId"] == "my-cli" and row["scope"] == "openid profile"
    assert row["pollingInterval"] == 5000 and row["userId"] is None and row["lastPolledAt"] is None

    assert error(await world.poll(codes["device_code"])) == (400, "authorization_pending", "Authorization pending")

    alice = await world.person()
    # typed as people type it: lower case, with a dash
    shown = f"{user_code[:4].lower()}-{user_code[4:].lower()}"
    r = await world.verify(alice, shown)
    assert r.status == 200
    assert r.json_body() == {"user_code": shown, "status": "pending", "client_id": "my-cli", "scope": "openid profile"}
    r = await alice.post("/device/approve", {"userCode": shown})
    assert r.status == 200 and r.json_body() == {"success": True}
    r = await world.verify(alice, user_code)
    assert r.json_body()["status"] == "approved"

    world.clock.advance(5)
    r = await world.poll(codes["device_code"])
    assert r.status == 200 and r.header("cache-control") == "no-store" and r.header("pragma") == "no-cache"
    assert not r.set_cookies  # the token travels in the body only
    token = r.json_body()
    assert list(token) == ["access_token", "token_type", "expires_in", "scope"]
    assert token["token_type"] == "Bearer" and token["scope"] == "openid profile"
    assert token["expires_in"] == 7 * 24 * 3600
    session = await world.auth.context.adapter.find_one("session", [Where("token", token["access_token"])])
    assert session is not None and session["userId"] == (await alice.get("/get-session")).json_body()["user"]["id"]
    assert await world.rows() == []

    # the device code is spent
    world.clock.advance(5)
    assert error(await world.poll(codes["device_code"])) == (400, "invalid_grant", "Invalid device code")


async def test_concurrent_polls_yield_one_session(make_world: MakeWorld) -> None:
    world = await make_world()
    codes = await world.codes()
    await world.approved(await world.person(), codes["user_code"])
    world.clock.advance(10)
    answers = await asyncio.gather(*(world.poll(codes["device_code"]) for _ in range(6)))
    ok = [r for r in answers if r.status == 200]
    assert len(ok) == 1, [r.body for r in answers]
    assert {error(r)[1] for r in answers if r.status != 200} <= {"slow_down", "invalid_grant"}
    assert len(await world.auth.context.adapter.find_many("session", [])) == 2  # the browser's and the device's


async def test_concurrent_polls_without_interval_yield_one_session(make_world: MakeWorld) -> None:
    """With no polling interval on the row nothing serialises the polls but the consumption itself."""
    world = await make_world()
    codes = await world.codes()
    await world.approved(await world.person(), codes["user_code"])
    adapter = world.auth.context.adapter
    await adapter.update("deviceCode", [Where("userCode", codes["user_code"])], {"pollingInterval": None})
    answers = await asyncio.gather(*(world.poll(codes["device_code"]) for _ in range(6)))
    assert [r.status for r in answers].count(200) == 1, [r.body for r in answers]
    assert {error(r)[1] for r in answers if r.status != 200} == {"invalid_grant"}


async def test_slow_down_per_interval(make_world: MakeWorld) -> None:
    world = await make_world(interval="10s")
    codes = await world.codes()
    assert codes["interval"] == 10
    assert error(await world.poll(codes["device_code"]))[1] == "authorization_pending"
    world.clock.advance(9.9)
    assert error(await world.poll(codes["device_code"])) == (400, "slow_down", "Polling too frequently")
    world.clock.advance(0.1)  # measured from the last poll that was answered, not from the refused one
    assert error(await world.poll(codes["device_code"]))[1] == "authorization_pending"
    world.clock.advance(1)
    assert error(await world.poll(codes["device_code"]))[1] == "slow_down"
    # a burst of concurrent polls one interval later: one is answered
    world.clock.advance(10)
    answers = await asyncio.gather(*(world.poll(codes["device_code"]) for _ in range(4)))
    assert sorted(error(r)[1] for r in answers) == ["authorization_pending", *["slow_down"] * 3]


async def test_denied_device_is_told_once(make_world: MakeWorld) -> None:
    world = await make_world()
    codes = await world.codes()
    alice = await world.person()
    await world.verify(alice, codes["user_code"])
    r = await alice.post("/device/deny", {"userCode": codes["user_code"]})
    assert r.status == 200 and r.json_body() == {"success": True}
    r = await alice.post("/device/approve", {"userCode": codes["user_code"]})
    assert error(r) == (400, "invalid_request", "Device code already processed")
    assert error(await world.poll(codes["device_code"])) == (400, "access_denied", "Access denied")
    assert await world.rows() == []
    world.clock.advance(5)
    assert error(await world.poll(codes["device_code"]))[1] == "invalid_grant"


async def test_expired_codes(make_world: MakeWorld) -> None:
    world = await make_world(expires_in="1m")
    codes = await world.codes()
    assert codes["expires_in"] == 60
    alice = await world.person()
    await world.verify(alice, codes["user_code"])
    world.clock.advance(61)
    assert error(await world.verify(alice, codes["user_code"])) == (400, "expired_token", "User code has expired")
    r = await alice.post("/device/approve", {"userCode": codes["user_code"]})
    assert error(r) == (400, "expired_token", "User code has expired")
    assert error(await world.poll(codes["device_code"])) == (400, "expired_token", "Device code has expired")
    assert await world.rows() == []


async def test_approval_needs_the_claimant(make_world: MakeWorld) -> None:
    world = await make_world()
    codes = await world.codes()
    user_code = codes["user_code"]
    alice, bob = await world.person(), await world.person("bob@example.com")
    r = await world.device().post("/device/approve", {"userCode": user_code})
    assert error(r) == (401, "unauthorized", "Authentication required")
    r = await alice.post("/device/approve", {"userCode": user_code})
    assert error(r)[:2] == (400, "invalid_request") and "not been claimed" in error(r)[2]
    # a visitor who is not signed in sees the status only and claims nothing
    r = await world.verify(world.client(), user_code)
    assert r.json_body() == {"user_code": user_code, "status": "pending"}
    await world.verify(alice, user_code)
    # bob, second, neither claims it nor learns who asks for what
    r = await world.verify(bob, user_code)
    assert r.json_body() == {"user_code": user_code, "status": "pending"}
    for path, verb in (("/device/approve", "approve"), ("/device/deny", "deny")):
        r = await bob.post(path, {"userCode": user_code})
        assert error(r) == (403, "access_denied", f"You are not authorized to {verb} this device authorization")
    [row] = await world.rows()
    assert row["status"] == "pending"
    assert error(await alice.post("/device/approve", {"userCode": "NOPE2345"})) == (
        400, "invalid_request", "Invalid user code")


async def test_approval_needs_a_fresh_session(make_world: MakeWorld) -> None:
    world = await make_world(expires_in="3d", auth_options={"session": {"fresh_age": 3600}})
    codes = await world.codes()
    alice = await world.person()
    await world.verify(alice, codes["user_code"])
    world.clock.advance(3601)
    r = await alice.post("/device/approve", {"userCode": codes["user_code"]})
    assert r.status == 403 and r.json_body()["code"] == "SESSION_NOT_FRESH"
    # denying needs no fresh session: it grants nothing
    r = await alice.post("/device/deny", {"userCode": codes["user_code"]})
    assert r.status == 200


async def test_approve_and_deny_racing_one_wins(make_world: MakeWorld) -> None:
    world = await make_world()
    codes = await world.codes()
    alice = await world.person()
    await world.verify(alice, codes["user_code"])
    body = {"userCode": codes["user_code"]}
    answers = await asyncio.gather(alice.post("/device/approve", body), alice.post("/device/deny", body),
                                   alice.post("/device/approve", body))
    assert [r.status for r in answers].count(200) == 1, [r.body for r in answers]
    [row] = await world.rows()
    winner = answers[[r.status for r in answers].index(200)]
    assert row["status"] == ("denied" if winner is answers[1] else "approved")


async def test_concurrent_claims_one_claimant(make_world: MakeWorld) -> None:
    world = await make_world()
    codes = await world.codes()
    people = [await world.person(f"p{i}@example.com") for i in range(3)]
    answers = await asyncio.gather(*(world.verify(p, codes["user_code"]) for p in people))
    assert sum("client_id" in r.json_body() for r in answers) == 1
    [row] = await world.rows()
    claimant = people[["client_id" in r.json_body() for r in answers].index(True)]
    assert row["userId"] == (await claimant.get("/get-session")).json_body()["user"]["id"]


async def test_client_binding(make_world: MakeWorld) -> None:
    world = await make_world(validate_client=lambda client_id: client_id in ("my-cli", "other"))
    r = await world.device().post("/device/code", {"client_id": "stranger"})
    assert error(r) == (400, "invalid_client", "Invalid client ID")
    assert await world.rows() == []
    codes = await world.codes()
    r = await world.poll(codes["device_code"], client_id="stranger")
    assert error(r) == (400, "invalid_client", "Invalid client ID")
    r = await world.poll(codes["device_code"], client_id="other")
    assert error(r) == (400, "invalid_grant", "Client ID mismatch")
    assert error(await world.poll("no-such-code")) == (400, "invalid_grant", "Invalid device code")


async def test_origin_check_on_cookie_posts(make_world: MakeWorld) -> None:
    world = await make_world()
    codes = await world.codes()
    alice = await world.person()
    await world.verify(alice, codes["user_code"])
    evil = Client(world.auth, "http://evil.example")
    evil.cookies = dict(alice.cookies)
    r = await evil.post("/device/approve", {"userCode": codes["user_code"]})
    assert r.status == 403
    [row] = await world.rows()
    assert row["status"] == "pending"


async def test_direct_calls(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world()
    api = world.auth.api
    codes = await api.device_code(body={"client_id": "my-cli"})
    assert set(codes) >= {"device_code", "user_code"}
    body: dict[str, Any] = {"grant_type": GRANT_TYPE, "device_code": codes["device_code"], "client_id": "my-cli"}
    with pytest.raises(APIError) as caught:  # the RFC 8628 error is the APIError's code
        await api.device_token(body=body)
    assert caught.value.code == "authorization_pending" and caught.value.status == 400
    assert (await api.device_verify(query={"user_code": codes["user_code"]}))["status"] == "pending"


async def test_user_deleted_after_approving(make_world: MakeWorld) -> None:
    world = await make_world()
    codes = await world.codes()
    alice = await world.person()
    await world.approved(alice, codes["user_code"])
    user_id = (await alice.get("/get-session")).json_body()["user"]["id"]
    await world.auth.context.store.delete_user(user_id)
    world.clock.advance(5)
    assert error(await world.poll(codes["device_code"])) == (400, "invalid_grant", "User not found")
    assert await world.rows() == []


async def test_a_refused_session_stops_the_device(make_memory_world: MakeWorld) -> None:
    def veto(session: Any, ctx: Any) -> bool:
        return False

    world = await make_memory_world(auth_options={"database_hooks": {"session": {"create": {"before": veto}}}})
    codes = await world.codes()
    # every session is refused, the browser's too: the row is approved for a user made directly
    now = world.clock()
    user = await world.auth.context.store.create_user({
        "name": "Alice", "email": "alice@example.com", "emailVerified": True, "image": None,
        "createdAt": now, "updatedAt": now,
    })
    await world.auth.context.adapter.update("deviceCode", [Where("userCode", codes["user_code"])],
                                            {"userId": user["id"], "status": "approved"})
    assert error(await world.poll(codes["device_code"])) == (400, "access_denied", "Failed to create session")
    assert await world.rows() == []


async def test_a_revoked_session_in_a_cookie_cache_approves_nothing(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(auth_options={"session": {"cookie_cache": {"enabled": True, "max_age": 300}}})
    codes = await world.codes()
    alice = await world.person()
    await world.verify(alice, codes["user_code"])
    user_id = (await alice.get("/get-session")).json_body()["user"]["id"]
    await world.auth.context.store.delete_sessions(user_id)
    r = await alice.post("/device/approve", {"userCode": codes["user_code"]})
    assert error(r) == (401, "unauthorized", "Authentication required")
    [row] = await world.rows()
    assert row["status"] == "pending"


async def test_device_code_is_matched_exactly(make_world: MakeWorld) -> None:
    """MySQL's default collation finds a device code whatever its case; only the exact code is honoured."""
    world = await make_world()
    codes = await world.codes()
    await world.approved(await world.person(), codes["user_code"])
    world.clock.advance(5)
    r = await world.poll(codes["device_code"].swapcase())
    assert error(r) == (400, "invalid_grant", "Invalid device code")
    assert (await world.poll(codes["device_code"])).status == 200
