"""Every endpoint of the magic-link plugin on every backend: the link, the sign-in it gives, refusals."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tessera.http import Response
from tessera.plugins.magic_link import hash_token
from tests._helpers import BASE, Client

from .conftest import MakeWorld, World

ALICE = "alice@example.com"


async def verify(world: World, token: str, client: Client | None = None, **query: str) -> Response:
    return await (client or world.client()).get("/magic-link/verify", query=urlencode({"token": token, **query}))


def location(r: Response) -> tuple[str, dict[str, list[str]]]:
    loc = r.header("location")
    assert r.status == 302 and loc, (r.status, r.body)
    parts = urlsplit(loc)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query)


async def verification_rows(world: World) -> list[dict[str, Any]]:
    return await world.auth.context.adapter.find_many("verification", [])


async def test_link_signs_up_a_new_user(make_world: MakeWorld) -> None:
    world = await make_world()
    token = await world.request_link(name="Alice", callbackURL="/dashboard")
    mail = world.last_link()
    assert len(token) == 32 and token.isalpha()
    assert mail["email"] == ALICE and mail["metadata"] is None
    assert mail["url"].startswith(f"{BASE}/api/auth/magic-link/verify?")
    assert world.link_query() == {"token": token, "callbackURL": "/dashboard"}
    rows = await verification_rows(world)
    assert [r["identifier"] for r in rows] == [f"magic-link:{token}"]
    assert rows[0]["value"] == '{"type":"magic-link","email":"alice@example.com","name":"Alice"}'

    browser = world.client()
    r = await verify(world, token, browser)
    assert r.status == 200 and r.header("cache-control") == "no-store"
    body = r.json_body()
    assert set(body) == {"token", "user", "session"}
    assert body["user"]["email"] == ALICE and body["user"]["name"] == "Alice"
    assert body["user"]["emailVerified"] is True
    assert body["session"]["userId"] == body["user"]["id"] and body["session"]["token"] == body["token"]
    session = (await browser.get("/get-session")).json_body()
    assert session["user"]["id"] == body["user"]["id"]
    assert await verification_rows(world) == []
    # no credential account was made: the user has no password
    assert await world.auth.context.store.find_accounts(body["user"]["id"]) == []


async def test_existing_user_redirects_to_callback(make_world: MakeWorld) -> None:
    world = await make_world()
    r = await world.client().sign_up(ALICE)
    user_id = r.json_body()["user"]["id"]
    await world.auth.context.store.update_user(user_id, {"emailVerified": True})
    token = await world.request_link(email="Alice@Example.com")
    browser = world.client()
    r = await verify(world, token, browser, callbackURL="/dashboard", newUserCallbackURL="/welcome")
    assert location(r) == (f"{BASE}/dashboard", {})
    assert any(name.endswith("session_token") for name in browser.cookies)
    assert (await browser.get("/get-session")).json_body()["user"]["id"] == user_id
    # the password still works: a verified account keeps its accounts
    assert (await world.client().sign_in(ALICE)).status == 200


async def test_new_user_goes_to_new_user_callback(make_world: MakeWorld) -> None:
    world = await make_world()
    token = await world.request_link()
    r = await verify(world, token, callbackURL="/dashboard", newUserCallbackURL="/welcome")
    assert location(r) == (f"{BASE}/welcome", {})


async def test_token_is_single_use(make_world: MakeWorld) -> None:
    world = await make_world()
    token = await world.request_link()
    assert (await verify(world, token)).status == 200
    r = await verify(world, token, callbackURL="/dashboard")
    assert location(r) == (f"{BASE}/dashboard", {"error": ["INVALID_TOKEN"]})
    r = await verify(world, token, callbackURL="/dashboard", errorCallbackURL="/oops?x=1")
    assert location(r) == (f"{BASE}/oops", {"x": ["1"], "error": ["INVALID_TOKEN"]})
    # without any callback URL, errors still redirect (to the app's root), as in Better Auth
    assert location(await verify(world, token)) == (f"{BASE}/", {"error": ["INVALID_TOKEN"]})


async def test_concurrent_clicks_make_one_session(make_world: MakeWorld) -> None:
    world = await make_world()
    token = await world.request_link()
    answers = await asyncio.gather(*(verify(world, token) for _ in range(8)))
    assert sorted(r.status for r in answers) == [200] + [302] * 7
    users = await world.auth.context.adapter.find_many("user", [])
    assert len(users) == 1
    assert len(await world.auth.context.store.list_sessions(users[0]["id"])) == 1


async def test_expired_link(make_world: MakeWorld) -> None:
    world = await make_world(expires_in=60)
    token = await world.request_link()
    world.clock.advance(61)
    assert location(await verify(world, token)) == (f"{BASE}/", {"error": ["INVALID_TOKEN"]})
    assert await world.auth.context.adapter.find_many("user", []) == []


async def test_hashed_token_storage(make_world: MakeWorld) -> None:
    world = await make_world(store_token="hashed")
    token = await world.request_link()
    rows = await verification_rows(world)
    assert [r["identifier"] for r in rows] == [f"magic-link:{hash_token(token)}"]
    assert token not in str(rows)
    # the stored identifier is not itself a token
    assert location(await verify(world, hash_token(token)))[1] == {"error": ["INVALID_TOKEN"]}
    assert (await verify(world, token)).status == 200


async def test_disable_sign_up(make_world: MakeWorld) -> None:
    world = await make_world(disable_sign_up=True)
    token = await world.request_link(callbackURL="/dashboard")
    r = await verify(world, token, callbackURL="/dashboard")
    assert location(r) == (f"{BASE}/dashboard", {"error": ["new_user_signup_disabled"]})
    assert await world.auth.context.adapter.find_many("user", []) == []


async def test_bad_input_is_refused_without_rows(make_world: MakeWorld) -> None:
    world = await make_world()
    client = world.client()
    for body in ({}, {"email": "not-an-email"}, {"email": 42}, {"email": ALICE, "name": 7},
                 {"email": ALICE, "metadata": "x"}, {"email": ALICE, "callbackURL": ["/a"]},
                 {"email": "a\u0000@example.com"}):
        r = await client.post("/sign-in/magic-link", body)
        assert r.status == 400, (body, r.body)
        assert r.json_body()["code"] in ("VALIDATION_ERROR", "INVALID_CALLBACK_URL"), r.body
    r = await client.get("/magic-link/verify")
    assert r.status == 400 and r.json_body()["code"] == "VALIDATION_ERROR"
    assert world.outbox == [] and await verification_rows(world) == []


async def test_untrusted_callbacks_are_refused(make_world: MakeWorld) -> None:
    world = await make_world()
    client = world.client()
    for key in ("callbackURL", "newUserCallbackURL", "errorCallbackURL"):
        for bad in ("https://evil.example/x", "//evil.example", "/\\evil.example", "/%2F%2Fevil.example",
                    "javascript:alert(1)", "/x\nLocation: https://evil.example"):
            r = await client.post("/sign-in/magic-link", {"email": ALICE, key: bad})
            assert r.status == 403, (key, bad, r.body)
    assert world.outbox == [] and await verification_rows(world) == []
    token = await world.request_link()
    for key in ("callbackURL", "newUserCallbackURL", "errorCallbackURL"):
        r = await verify(world, token, **{key: "//evil.example"})
        assert r.status == 403, (key, r.body)
    # the refused requests did not spend the link
    assert (await verify(world, token, callbackURL=f"{BASE}/home")).status == 302
