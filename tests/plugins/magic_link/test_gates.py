"""Sign-in through a magic link passes the gates of every other sign-in (bans, a second factor), proves the
inbox (an unverified account loses the access registered before the proof), and says nothing about which
addresses are registered."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from tessera.errors import ConfigError
from tessera.plugins.admin import admin
from tessera.plugins.magic_link import CustomHasher, MagicLinkPlugin, magic_link
from tessera.plugins.two_factor import hotp, two_factor

from .conftest import MakeWorld
from .test_endpoints import ALICE, location, verification_rows, verify

PASSWORD = "correct-horse-battery"


async def test_unverified_account_loses_prior_access(make_memory_world: MakeWorld) -> None:
    """Account pre-hijacking: someone registered the victim's address with a password; the owner's link
    must not leave that password (or its sessions) working."""
    world = await make_memory_world()
    squatter = world.client()
    r = await squatter.sign_up(ALICE)
    user_id = r.json_body()["user"]["id"]
    assert r.json_body()["user"]["emailVerified"] is False
    token = await world.request_link()
    r = await verify(world, token)
    assert r.status == 200 and r.json_body()["user"]["id"] == user_id
    assert r.json_body()["user"]["emailVerified"] is True
    assert (await squatter.get("/get-session")).json_body() is None
    assert (await world.client().sign_in(ALICE)).status == 401
    assert await world.auth.context.store.find_accounts(user_id) == []


async def test_banned_user_gets_no_session(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(plugins=(admin(),))
    r = await world.client().sign_up(ALICE)
    user_id = r.json_body()["user"]["id"]
    await world.auth.context.store.update_user(user_id, {"banned": True, "emailVerified": True})
    before = await world.auth.context.store.list_sessions(user_id)
    token = await world.request_link()
    browser = world.client()
    r = await verify(world, token, browser, callbackURL="/dashboard")
    assert r.status == 403 and r.json_body()["code"] == "BANNED_USER"
    assert not any(name.endswith("session_token") for name in browser.cookies)
    assert await world.auth.context.store.list_sessions(user_id) == before


async def test_two_factor_user_is_challenged(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(plugins=(two_factor(),))
    alice = world.client()
    r = await alice.sign_up(ALICE)
    user_id = r.json_body()["user"]["id"]
    await world.auth.context.store.update_user(user_id, {"emailVerified": True})
    enabled = (await alice.post("/two-factor/enable", {"password": PASSWORD})).json_body()
    match = re.search(r"secret=([A-Z2-7]+)", enabled["totpURI"])
    assert match
    raw = match.group(1)
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    code = hotp(key, int(world.clock.now.timestamp()) // 30)
    assert (await alice.post("/two-factor/verify-totp", {"code": code})).status == 200
    before = len(await world.auth.context.store.list_sessions(user_id))

    token = await world.request_link()
    browser = world.client()
    r = await verify(world, token, browser, callbackURL="/dashboard")
    assert r.status == 200 and r.json_body()["twoFactorRedirect"] is True, r.body
    assert not any(name.endswith("session_token") for name in browser.cookies)
    assert any(name.endswith("two_factor") for name in browser.cookies)
    assert len(await world.auth.context.store.list_sessions(user_id)) == before
    world.clock.advance(30)
    code = hotp(key, int(world.clock.now.timestamp()) // 30)
    r = await browser.post("/two-factor/verify-totp", {"code": code})
    assert r.status == 200 and r.json_body()["user"]["id"] == user_id


async def test_answer_does_not_tell_registered_addresses_apart(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(disable_sign_up=True)
    await world.client().sign_up("bob@example.com")
    known = await world.client().post("/sign-in/magic-link", {"email": "bob@example.com"})
    unknown = await world.client().post("/sign-in/magic-link", {"email": "nobody@example.com"})
    assert (known.status, known.body, known.headers) == (unknown.status, unknown.body, unknown.headers)


async def test_other_purposes_rows_are_not_magic_links(make_memory_world: MakeWorld) -> None:
    """CVE-2026-110862: a row written for another purpose must not redeem as a magic link."""
    world = await make_memory_world()
    store = world.auth.context.store
    await store.create_verification("oauth-state", '{"email":"alice@example.com"}', 300)
    await store.create_verification("magic-link:forged", '{"email":"alice@example.com"}', 300)
    await store.create_verification("magic-link:extra", '{"type":"magic-link","email":"alice@example.com",'
                                    '"callbackURL":"x"}', 300)
    for token in ("oauth-state", "forged", "extra", ""):
        assert location(await verify(world, token))[1] == {"error": ["INVALID_TOKEN"]}
    assert await world.auth.context.adapter.find_many("user", []) == []


async def test_sender_receives_metadata_and_custom_tokens(make_memory_world: MakeWorld) -> None:
    async def custom_hash(token: str) -> str:
        return f"h({token})"

    seen: list[str] = []

    async def generate(email: str) -> str:
        seen.append(email)
        return "custom-token-0123456789"

    world = await make_memory_world(generate_token=generate, store_token=CustomHasher(custom_hash))
    token = await world.request_link(metadata={"inviteId": 7})
    assert token == "custom-token-0123456789" and seen == [ALICE]
    assert world.last_link()["metadata"] == {"inviteId": 7}
    assert [r["identifier"] for r in await verification_rows(world)] == ["magic-link:h(custom-token-0123456789)"]
    assert (await verify(world, token)).status == 200


async def test_direct_api_calls(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world()
    assert await world.auth.api.sign_in_magic_link(body={"email": ALICE}) == {"status": True}
    answer: Any = await world.auth.api.magic_link_verify(query={"token": world.last_token()})
    assert answer["user"]["email"] == ALICE


def test_options_are_checked() -> None:
    with pytest.raises(ConfigError):
        magic_link()
    with pytest.raises(ConfigError):
        magic_link(send_magic_link=print, store_token="md5")
    with pytest.raises(ConfigError):
        magic_link(send_magic_link=print, expires_in=0)
    with pytest.raises(ConfigError):
        magic_link(send_magic_link=print, unknown=1)
    plugin = magic_link(send_magic_link=print, rate_limit={"window": 30, "max": 2})
    assert isinstance(plugin, MagicLinkPlugin)
    assert [(r.path_prefix, r.window, r.max) for r in plugin.rate_limit] == [
        ("/sign-in/magic-link", 30, 2), ("/magic-link/verify", 30, 2)]


async def test_link_requests_are_rate_limited_per_client() -> None:
    # the plugin's rule: 5 per 60 s by default, counted per client address and path
    from tests._helpers import Client, make_auth

    auth = make_auth(production=True, plugins=[magic_link(send_magic_link=lambda **mail: None, rate_limit={"max": 2})])
    xff = "x-forwarded-for"

    async def ask(address: str) -> Any:
        return await Client(auth).post("/sign-in/magic-link", {"email": ALICE}, headers=[(xff, address)])

    statuses = [(await ask("198.51.100.7")).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    r = await ask("198.51.100.7")
    assert r.header("x-retry-after") == "60"
    assert (await ask("198.51.100.8")).status == 200
