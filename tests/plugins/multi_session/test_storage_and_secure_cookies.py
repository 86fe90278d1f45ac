"""The plugin with sessions kept in secondary storage, and with ``__Secure-`` cookies."""

from __future__ import annotations

from urllib.parse import unquote

from tessera.plugins.multi_session import multi_session
from tessera.storage import MemoryStorage
from tests._helpers import Client, make_auth

SECURE_SESSION = "__Secure-better-auth.session_token"


async def test_sessions_in_secondary_storage() -> None:
    auth = make_auth(secondary_storage=MemoryStorage(), plugins=[multi_session()])
    browser = Client(auth)
    await browser.sign_up()
    alice = unquote(browser.cookies["better-auth.session_token"]).rsplit(".", 1)[0]
    await browser.sign_up("bob@example.com", name="Bob")
    listed = (await browser.get("/multi-session/list-device-sessions")).json_body()
    assert [e["user"]["email"] for e in listed] == ["alice@example.com", "bob@example.com"]
    assert (await browser.post("/multi-session/set-active", {"sessionToken": alice})).status == 200
    assert (await browser.get("/get-session")).json_body()["user"]["email"] == "alice@example.com"
    assert (await browser.post("/multi-session/revoke", {"sessionToken": alice})).status == 200
    assert await auth.context.store.find_session(alice) is None
    assert (await browser.get("/get-session")).json_body()["user"]["email"] == "bob@example.com"
    assert (await browser.post("/sign-out")).status == 200
    assert (await browser.get("/multi-session/list-device-sessions")).json_body() == []


async def test_secure_cookie_names_and_attributes() -> None:
    auth = make_auth(base_url="https://auth.example.com", plugins=[multi_session()])
    browser = Client(auth, origin="https://auth.example.com")
    r = await browser.sign_up()
    token = unquote(browser.cookies[SECURE_SESSION]).rsplit(".", 1)[0]
    name = f"{SECURE_SESSION}_multi-{token.lower()}"
    assert r.set_cookies[name].split("; ", 1)[1] == "Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Lax"
    r = await browser.post("/sign-out")
    assert r.set_cookies[name].split("; ", 1)[1] == "Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"
    assert await auth.context.store.find_session(token) is None
