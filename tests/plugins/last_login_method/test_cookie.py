"""The ``better-auth.last_used_login_method`` cookie: set by every sign-in route tessera has, with Better Auth's
name and attributes, and never by a refused sign-in, a second-factor challenge or a mere session read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tessera.http import Response, parse_set_cookie
from tessera.plugins.anonymous import anonymous
from tessera.plugins.email_otp import email_otp
from tessera.plugins.last_login_method import last_login_method
from tessera.plugins.magic_link import magic_link
from tessera.plugins.passkey import passkey
from tessera.plugins.two_factor import two_factor
from tessera.plugins.username import username
from tests._helpers import BASE, Client, make_auth
from tests.oauth.conftest import make_oauth_auth, provider, social_sign_in
from tests.plugins.passkey.authenticator import SoftAuthenticator

__all__ = ["provider"]  # a fixture, used by name

COOKIE = "better-auth.last_used_login_method"


def method_cookie(r: Response, name: str = COOKIE) -> tuple[str, dict[str, str]] | None:
    header = r.set_cookies.get(name)
    if header is None:
        return None
    _, value, attrs = parse_set_cookie(header)
    return value, attrs


def method(r: Response) -> str | None:
    found = method_cookie(r)
    return found[0] if found else None


async def test_email_sign_up_and_sign_in_set_the_cookie_with_better_auths_attributes() -> None:
    auth = make_auth(plugins=[last_login_method()])
    client = Client(auth)
    r = await client.sign_up()
    assert method(r) == "email"
    header = r.set_cookies[COOKIE]
    assert header == f"{COOKIE}=email; Max-Age=2592000; Path=/; SameSite=Lax"  # readable by scripts
    assert method(await client.sign_in()) == "email"
    assert method(await client.get("/get-session")) is None
    assert method(await Client(auth).sign_in(password="not-the-password")) is None
    assert method(await client.post("/sign-out")) is None


async def test_secure_cookies_carry_the_session_cookies_attributes() -> None:
    auth = make_auth(plugins=[last_login_method(cookie_name="last_method", max_age=3600)],
                     base_url="https://app.example", trusted_origins=["https://app.example"],
                     advanced={"cross_sub_domain_cookies": {"enabled": True, "domain": "app.example"}})
    client = Client(auth, "https://app.example")
    r = await client.sign_up()
    header = r.set_cookies["last_method"]
    assert header == "last_method=email; Max-Age=3600; Domain=app.example; Path=/; Secure; SameSite=Lax"


async def test_username_anonymous_magic_link_and_email_otp() -> None:
    mails: list[dict[str, Any]] = []
    codes: list[dict[str, Any]] = []
    auth = make_auth(plugins=[
        last_login_method(), username(), anonymous(),
        magic_link(send_magic_link=lambda **m: mails.append(m)),
        email_otp(send_verification_otp=lambda data, ctx: codes.append(data)),
    ])
    client = Client(auth)
    assert method(await client.sign_up(username="alice_1")) == "email"
    r = await Client(auth).post("/sign-in/username", {"username": "alice_1", "password": "correct-horse-battery"})
    assert r.status == 200 and method(r) == "username"
    r = await Client(auth).post("/sign-in/anonymous")
    assert r.status == 200 and method(r) == "anonymous"

    assert (await Client(auth).post("/sign-in/magic-link", {"email": "alice@example.com"})).status == 200
    await auth.context.background.drain()
    r = await Client(auth).get("/magic-link/verify", query=f"token={mails[-1]['token']}")
    assert r.status == 200 and method(r) == "magic-link"

    r = await Client(auth).post("/email-otp/send-verification-otp", {"email": "alice@example.com", "type": "sign-in"})
    assert r.status == 200
    await auth.context.background.drain()
    r = await Client(auth).post("/sign-in/email-otp", {"email": "alice@example.com", "otp": codes[-1]["otp"]})
    assert r.status == 200 and method(r) == "email-otp"
    bad = await Client(auth).post("/sign-in/email-otp", {"email": "alice@example.com", "otp": "000000"})
    assert bad.status >= 400 and method(bad) is None


async def test_passkey_sign_in() -> None:
    auth = make_auth(plugins=[last_login_method(), passkey()])
    client = Client(auth)
    await client.sign_up()
    device = SoftAuthenticator(origin=BASE, rp_id="127.0.0.1")
    r = await client.get("/passkey/generate-register-options")
    r = await client.post("/passkey/verify-registration", {"response": device.register(r.json_body())})
    assert r.status == 200, r.body
    fresh = Client(auth)
    r = await fresh.get("/passkey/generate-authenticate-options")
    r = await fresh.post("/passkey/verify-authentication", {"response": device.authenticate(r.json_body())})
    assert r.status == 200 and method(r) == "passkey"


async def test_social_sign_in_records_the_provider(provider: Any) -> None:
    provider.set_user("lm-sub", email="social@example.com", email_verified=True, name="Social")
    auth = make_oauth_auth(provider, plugins=[last_login_method()])
    start = await Client(auth).post("/sign-in/social", {"provider": "idp"})
    assert start.status == 200 and method(start) is None  # no session yet
    r = await social_sign_in(Client(auth), provider, "lm-sub")
    assert r.status == 302 and method(r) == "idp"

    tokens = provider.token_for("tessera-app", "lm-sub", nonce="n-lm")
    r = await Client(auth).post("/sign-in/social", {"provider": "idp", "idToken": {
        "token": tokens["id_token"], "nonce": "n-lm", "accessToken": tokens["access_token"]}})
    assert r.status == 200 and r.json_body()["redirect"] is False and method(r) == "idp"


@pytest.mark.parametrize("order", ["before", "after"])
async def test_the_challenge_sets_no_cookie_whatever_the_plugin_order(order: str) -> None:
    plugins = [two_factor(otp={"send_otp": lambda data, ctx: None}), last_login_method()]
    auth = make_auth(plugins=plugins if order == "after" else plugins[::-1])
    client = Client(auth)
    user_id = (await client.sign_up()).json_body()["user"]["id"]
    await client.post("/two-factor/enable", {"password": "correct-horse-battery"})
    await auth.context.store.update_user(user_id, {"twoFactorEnabled": True})
    r = await Client(auth).sign_in()
    assert r.json_body()["twoFactorRedirect"] is True and method(r) is None


async def test_custom_resolve_method_and_before_store_cookie() -> None:
    seen: list[tuple[str, str]] = []

    def resolve(ctx: Any) -> str | None:
        return "custom-email" if ctx.endpoint.path == "/sign-in/email" else None

    async def allow(ctx: Any, chosen: str) -> bool:
        seen.append((ctx.endpoint.name, chosen))
        return chosen != "email"

    auth = make_auth(plugins=[last_login_method(custom_resolve_method=resolve, before_store_cookie=allow)])
    client = Client(auth)
    assert method(await client.sign_up()) is None  # the default "email", refused by before_store_cookie
    assert method(await client.sign_in()) == "custom-email"
    assert seen == [("sign_up_email", "email"), ("sign_in_email", "custom-email")]


async def test_a_failing_before_store_cookie_skips_the_cookie_only(caplog: pytest.LogCaptureFixture) -> None:
    def boom(ctx: Any, chosen: str) -> bool:
        raise RuntimeError("consent service down")

    auth = make_auth(plugins=[last_login_method(before_store_cookie=boom)])
    r = await Client(auth).sign_up()
    assert r.status == 200 and method(r) is None
    assert "before_store_cookie" in caplog.text


async def test_the_cookie_value_is_what_the_client_reads() -> None:
    auth = make_auth(plugins=[last_login_method(custom_resolve_method=lambda ctx: "a b;c")])
    r = await Client(auth).sign_up()
    raw = r.set_cookies[COOKIE].split(";", 1)[0].split("=", 1)[1]
    assert raw == "a%20b%3Bc" and method(r) == "a b;c"
    assert json.dumps(method(r))
