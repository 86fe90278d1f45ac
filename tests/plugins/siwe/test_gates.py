"""Signing in with a wallet passes the gates of every first-factor sign-in (bans, the second factor) and is
recorded as the last login method."""

from __future__ import annotations

from tessera.plugins.admin import admin
from tessera.plugins.last_login_method import last_login_method
from tessera.plugins.two_factor import two_factor

from .conftest import MakeWorld


async def test_banned_wallet_user_gets_no_session(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(plugins=(admin(),))
    user_id = (await world.sign_in()).json_body()["user"]["id"]
    await world.auth.context.store.update_user(user_id, {"banned": True})
    before = await world.auth.context.store.list_sessions(user_id)
    browser = world.client()
    r = await world.sign_in(client=browser)
    assert (r.status, r.json_body()["code"]) == (403, "BANNED_USER")
    assert not any(name.endswith("session_token") for name in browser.cookies)
    assert await world.auth.context.store.list_sessions(user_id) == before


async def test_two_factor_wallet_user_is_challenged(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(plugins=(two_factor(),))
    user_id = (await world.sign_in()).json_body()["user"]["id"]
    await world.auth.context.store.update_user(user_id, {"twoFactorEnabled": True})
    browser = world.client()
    r = await world.sign_in(client=browser)
    assert r.status == 200 and r.json_body().get("twoFactorRedirect") is True
    assert "token" not in r.json_body()
    assert (await browser.get("/get-session")).json_body() is None


async def test_last_login_method_records_siwe(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(plugins=(last_login_method(),))
    browser = world.client()
    assert (await world.sign_in(client=browser)).status == 200
    assert browser.cookies.get("better-auth.last_used_login_method") == "siwe"
