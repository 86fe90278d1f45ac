"""The rendered get-session body remembered per verified cache cookie: a hit answers with bytes rendered once,
and nothing that must reach the store (revocation, an expired cache, another cookie, ``disableCookieCache``) or
change the answer (a hook) is ever answered from it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tessera import _json
from tessera.context import RequestContext
from tessera.db.adapter import eq
from tessera.hooks import hook
from tests._helpers import Client
from tests.session.test_cookie_cache import DATA, TOKEN, Clock, cached


async def _hit_twice(client: Client) -> bytes:
    """Two cache hits (the second one from the memo); both bodies are the same bytes."""
    first = await client.get("/get-session")
    second = await client.get("/get-session")
    assert first.body == second.body
    return second.body


async def test_a_memoised_body_is_the_body_rendered_from_the_data() -> None:
    auth = cached()
    client = Client(auth)
    await client.sign_up()
    before = len(auth.adapter.operations)
    body = await _hit_twice(client)
    assert auth.adapter.operations[before:] == []
    assert body == _json.dumps(_json.loads(body))  # what rendering the data gives, byte for byte
    store = await client.get("/get-session", query="disableCookieCache=true")
    assert _json.loads(store.body) == _json.loads(body)


async def test_a_revoked_session_is_never_answered_from_the_memo() -> None:
    auth = cached()
    phone, laptop = Client(auth), Client(auth)
    await phone.sign_up()
    await laptop.sign_in()
    await _hit_twice(laptop)
    thief = Client(auth)
    thief.cookies = dict(laptop.cookies)
    await laptop.post("/sign-out")
    r = await thief.get("/get-session")
    assert r.body == b"null"
    assert "Max-Age=0" in r.set_cookies[DATA]


async def test_an_expired_cache_is_never_answered_from_the_memo() -> None:
    clock = Clock()
    auth = cached(options={"clock": clock})
    client = Client(auth)
    await client.sign_up()
    await _hit_twice(client)
    old = dict(client.cookies)
    clock.now += timedelta(seconds=301)  # past the cache's own expiry
    stale = Client(auth)
    stale.cookies = old
    before = len(auth.adapter.operations)
    r = await stale.get("/get-session")
    assert auth.adapter.operations[before:] == ["find_one session"]
    assert DATA in r.set_cookies and "Max-Age=300" in r.set_cookies[DATA]


async def test_another_cookie_gets_its_own_answer() -> None:
    auth = cached()
    alice, bob = Client(auth), Client(auth)
    await alice.sign_up()
    await bob.sign_up(email="bob@example.com", name="Bob")
    alice_body, bob_body = await _hit_twice(alice), await _hit_twice(bob)
    assert _json.loads(alice_body)["user"]["email"] == "alice@example.com"
    assert _json.loads(bob_body)["user"]["email"] == "bob@example.com"
    # Alice's session cookie with Bob's (memoised, well signed) cache: refused, the store answers for Alice
    mixed = Client(auth)
    mixed.cookies = {TOKEN: alice.cookies[TOKEN], DATA: bob.cookies[DATA]}
    before = len(auth.adapter.operations)
    r = await mixed.get("/get-session")
    assert auth.adapter.operations[before:] == ["find_one session"]
    assert r.json_body()["user"]["email"] == "alice@example.com"


async def test_disable_cookie_cache_is_never_answered_from_the_memo() -> None:
    auth = cached()
    client = Client(auth)
    await client.sign_up()
    body = await _hit_twice(client)
    user_id = _json.loads(body)["user"]["id"]
    # changed behind tessera's back (no revocation notice): only the store knows
    await auth.adapter.update("user", eq("id", user_id), {"name": "Renamed"})
    r = await client.get("/get-session", query="disableCookieCache=true")
    assert r.json_body()["user"]["name"] == "Renamed"


async def test_an_after_hook_that_changes_the_data_is_rendered_not_memoised() -> None:
    async def annotate(ctx: RequestContext) -> Any:
        if isinstance(ctx.returned, dict):
            ctx.returned["user"]["name"] = "From the hook"  # in place, returning nothing
        return None

    auth = cached(options={"hooks": {"after": [hook(annotate, endpoints=["get_session"])]}})
    client = Client(auth)
    await client.sign_up()
    for _ in range(3):
        r = await client.get("/get-session")
        assert r.json_body()["user"]["name"] == "From the hook"


async def test_hooks_that_keep_the_result_keep_the_memo_and_others_do_not() -> None:
    from tessera.plugins.bearer import bearer
    from tessera.plugins.jwt import jwt

    async def header_only(ctx: RequestContext) -> Any:
        ctx.response.set_header("x-seen", "1")
        return None

    kept = cached(options={
        "plugins": [bearer(), jwt()],
        "hooks": {"after": [hook(header_only, endpoints=["get_session"], keeps_result=True)]},
    })
    assert "get_session" in kept._renders_as_returned
    client = Client(kept)
    await client.sign_up()
    r = await client.get("/get-session")
    assert r.header("x-seen") == "1" and r.header("set-auth-jwt")
    assert r.body == (await client.get("/get-session")).body
    custom = cached(options={"plugins": [jwt(jwt={"define_payload": lambda session: session.user})]})
    assert "get_session" not in custom._renders_as_returned
