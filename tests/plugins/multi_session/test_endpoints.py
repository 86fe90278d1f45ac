"""Every endpoint of the multi-session plugin on every backend: the multi-session cookie, listing, switching,
revoking, sign-out, the cap, and refusals of cookies the browser was not issued."""

from __future__ import annotations

from urllib.parse import unquote

from tessera import Tessera
from tessera.http import parse_set_cookie
from tests._helpers import Client

from .conftest import MakeApp

SESSION = "better-auth.session_token"
MULTI = f"{SESSION}_multi-"


def multi_names(client: Client) -> list[str]:
    return [name for name in client.cookies if name.startswith(MULTI)]


def token_of(client: Client) -> str:
    return unquote(client.cookies[SESSION]).rsplit(".", 1)[0]


async def two_users(auth: Tessera) -> tuple[Client, str, str]:
    """One browser signed up as Alice, then as Bob (active): the browser, Alice's and Bob's tokens."""
    browser = Client(auth)
    assert (await browser.sign_up()).status == 200
    alice = token_of(browser)
    assert (await browser.sign_up("bob@example.com", name="Bob")).status == 200
    return browser, alice, token_of(browser)


async def whoami(client: Client) -> str | None:
    body = (await client.get("/get-session")).json_body()
    return body["user"]["email"] if body else None


async def test_sign_in_sets_a_signed_multi_session_cookie(make_app: MakeApp) -> None:
    auth = await make_app()
    browser = Client(auth)
    r = await browser.sign_up()
    token = token_of(browser)
    name = f"{MULTI}{token.lower()}"
    header = r.set_cookies[name]
    _, value, attrs = parse_set_cookie(header)
    assert value == auth.context.cookies.signer.sign(token)
    assert header.split("; ", 1)[1] == "Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"
    assert attrs["max-age"] == "604800"


async def test_list_device_sessions_lists_each_user_once(make_app: MakeApp) -> None:
    auth = await make_app()
    browser, alice, bob = await two_users(auth)
    r = await browser.get("/multi-session/list-device-sessions")
    assert r.status == 200 and r.header("cache-control") == "no-store"
    listed = r.json_body()
    assert [(e["user"]["email"], e["session"]["token"]) for e in listed] == [
        ("alice@example.com", alice), ("bob@example.com", bob)]
    assert set(listed[0]) == {"session", "user"}
    assert (await Client(auth).get("/multi-session/list-device-sessions")).json_body() == []


async def test_set_active_switches_the_session_cookie(make_app: MakeApp) -> None:
    auth = await make_app()
    browser, alice, _ = await two_users(auth)
    assert await whoami(browser) == "bob@example.com"
    r = await browser.post("/multi-session/set-active", {"sessionToken": alice})
    assert r.status == 200
    assert r.json_body()["session"]["token"] == alice and r.json_body()["user"]["email"] == "alice@example.com"
    assert token_of(browser) == alice
    assert await whoami(browser) == "alice@example.com"
    assert len(multi_names(browser)) == 2  # switching makes no new multi-session cookie


async def test_set_active_refuses_a_token_the_browser_does_not_hold(make_app: MakeApp) -> None:
    auth = await make_app()
    _, alice, _ = await two_users(auth)
    stranger = Client(auth)
    await stranger.sign_up("eve@example.com", name="Eve")
    r = await stranger.post("/multi-session/set-active", {"sessionToken": alice})
    assert r.status == 401 and r.json_body()["code"] == "INVALID_SESSION_TOKEN"
    assert r.json_body()["message"] == "Invalid session token"
    assert await whoami(stranger) == "eve@example.com"


async def test_forged_multi_session_cookies_are_refused(make_app: MakeApp) -> None:
    auth = await make_app()
    _, alice, _ = await two_users(auth)
    eve = Client(auth)
    await eve.sign_up("eve@example.com", name="Eve")
    for forged in (alice, f"{alice}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="):
        eve.cookies[f"{MULTI}{alice.lower()}"] = forged
        r = await eve.post("/multi-session/set-active", {"sessionToken": alice})
        assert r.status == 401 and r.json_body()["code"] == "INVALID_SESSION_TOKEN"
        listed = (await eve.get("/multi-session/list-device-sessions")).json_body()
        assert [e["user"]["email"] for e in listed] == ["eve@example.com"]
        r = await eve.post("/multi-session/revoke", {"sessionToken": alice})
        assert r.status == 401 and r.json_body()["code"] == "INVALID_SESSION_TOKEN"
    assert await auth.context.store.find_session(alice) is not None


async def test_set_active_to_a_gone_session_expires_its_cookie(make_app: MakeApp) -> None:
    auth = await make_app()
    browser, alice, _ = await two_users(auth)
    await auth.context.store.delete_session(alice)
    r = await browser.post("/multi-session/set-active", {"sessionToken": alice})
    assert r.status == 401 and r.json_body()["code"] == "INVALID_SESSION_TOKEN"
    assert "Max-Age=0" in r.set_cookies[f"{MULTI}{alice.lower()}"]
    assert await whoami(browser) == "bob@example.com"
    listed = (await browser.get("/multi-session/list-device-sessions")).json_body()
    assert [e["user"]["email"] for e in listed] == ["bob@example.com"]


async def test_revoke_another_session_keeps_the_active_one(make_app: MakeApp) -> None:
    auth = await make_app()
    browser, alice, bob = await two_users(auth)
    r = await browser.post("/multi-session/revoke", {"sessionToken": alice})
    assert r.status == 200 and r.json_body() == {"status": True}
    assert "Max-Age=0" in r.set_cookies[f"{MULTI}{alice.lower()}"]
    assert SESSION not in r.set_cookies
    assert await auth.context.store.find_session(alice) is None
    assert token_of(browser) == bob and await whoami(browser) == "bob@example.com"


async def test_revoke_the_active_session_switches_then_signs_out(make_app: MakeApp) -> None:
    auth = await make_app()
    browser, alice, bob = await two_users(auth)
    r = await browser.post("/multi-session/revoke", {"sessionToken": bob})
    assert r.status == 200 and r.json_body() == {"status": True}
    assert await auth.context.store.find_session(bob) is None
    assert token_of(browser) == alice and await whoami(browser) == "alice@example.com"
    r = await browser.post("/multi-session/revoke", {"sessionToken": alice})
    assert r.status == 200
    assert "Max-Age=0" in r.set_cookies[SESSION]
    assert await whoami(browser) is None and multi_names(browser) == []


async def test_revoke_needs_a_session(make_app: MakeApp) -> None:
    auth = await make_app()
    r = await Client(auth).post("/multi-session/revoke", {"sessionToken": "x"})
    assert r.status == 401


async def test_sign_out_revokes_every_session_of_the_browser(make_app: MakeApp) -> None:
    auth = await make_app()
    browser, alice, bob = await two_users(auth)
    other_device = Client(auth)
    await other_device.sign_in()
    r = await browser.post("/sign-out")
    assert r.status == 200
    for token in (alice, bob):
        assert await auth.context.store.find_session(token) is None
        assert "Max-Age=0" in r.set_cookies[f"{MULTI}{token.lower()}"]
    assert multi_names(browser) == []
    assert await whoami(other_device) == "alice@example.com"  # another browser's session is not this one's


async def test_signing_in_again_as_the_same_user_replaces_the_old_session(make_app: MakeApp) -> None:
    auth = await make_app()
    browser, alice, bob = await two_users(auth)
    await browser.sign_in()
    again = token_of(browser)
    assert again != alice and await auth.context.store.find_session(alice) is None
    assert sorted(multi_names(browser)) == sorted(f"{MULTI}{t.lower()}" for t in (again, bob))


async def test_maximum_sessions_caps_the_multi_session_cookies(make_app: MakeApp) -> None:
    auth = await make_app(maximum_sessions=2)
    browser, _, _ = await two_users(auth)
    r = await browser.sign_up("carol@example.com", name="Carol")
    assert r.status == 200 and SESSION in r.set_cookies
    assert not any(name.startswith(MULTI) for name in r.set_cookies)
    assert len(multi_names(browser)) == 2
    assert await whoami(browser) == "carol@example.com"  # the session is made; only not recorded


async def test_set_active_rewrites_the_cookie_cache(make_app: MakeApp) -> None:
    auth = await make_app(session={"cookie_cache": {"enabled": True, "max_age": 300}})
    browser, alice, _ = await two_users(auth)
    assert await whoami(browser) == "bob@example.com"
    r = await browser.post("/multi-session/set-active", {"sessionToken": alice})
    assert r.status == 200 and "better-auth.session_data" in r.set_cookies
    assert await whoami(browser) == "alice@example.com"


async def test_revoke_reaches_the_cookie_cache(make_app: MakeApp) -> None:
    auth = await make_app(session={"cookie_cache": {"enabled": True, "max_age": 300}})
    browser, alice, _ = await two_users(auth)
    await browser.post("/multi-session/set-active", {"sessionToken": alice})
    stolen = dict(browser.cookies)  # a copy of Alice's cookies, cache cookie included
    await browser.post("/multi-session/revoke", {"sessionToken": alice})
    replay = Client(auth)
    replay.cookies = {k: v for k, v in stolen.items() if not k.startswith(MULTI)}
    assert await whoami(replay) is None


async def test_a_signed_token_moved_under_another_sessions_name_is_refused(make_app: MakeApp) -> None:
    """The signature binds the value, not the name (Better Auth's PR #9991 b): a browser holding Alice's signed
    cookie cannot present it as Bob's session."""
    auth = await make_app()
    _, _, bob = await two_users(auth)
    eve = Client(auth)
    await eve.sign_up("eve@example.com", name="Eve")
    eve_token = token_of(eve)
    eve_signed = eve.cookies[f"{MULTI}{eve_token.lower()}"]
    eve.cookies[f"{MULTI}{bob.lower()}"] = eve_signed
    for path in ("/multi-session/set-active", "/multi-session/revoke"):
        r = await eve.post(path, {"sessionToken": bob})
        assert r.status == 401 and r.json_body()["code"] == "INVALID_SESSION_TOKEN", path
    listed = (await eve.get("/multi-session/list-device-sessions")).json_body()
    assert [e["session"]["token"] for e in listed] == [eve_token]
    assert await auth.context.store.find_session(bob) is not None and token_of(eve) == eve_token


async def test_sign_out_ignores_unsigned_multi_session_cookies(make_app: MakeApp) -> None:
    """CVE-2025-71402: sign-out revoked the sessions named by unsigned ``_multi-`` cookies."""
    auth = await make_app()
    victim = Client(auth)
    await victim.sign_up()
    target = token_of(victim)
    eve = Client(auth)
    await eve.sign_up("eve@example.com", name="Eve")
    eve.cookies[f"{MULTI}{target.lower()}"] = target
    eve.cookies["x_multi-y"] = target
    assert (await eve.post("/sign-out")).status == 200
    assert await auth.context.store.find_session(target) is not None
    assert await whoami(victim) == "alice@example.com"
