"""The browser-less redirect flow against a real OpenID Connect provider."""

from __future__ import annotations

from tests._helpers import Client
from tests.oauth.conftest import Provider, location, make_oauth_auth, social_sign_in


async def test_sign_in_creates_user_account_and_session(provider: Provider) -> None:
    provider.set_user("alice-sub", email="alice@example.com", email_verified=True, name="Alice")
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    start = await browser.post("/sign-in/social", {"provider": "idp", "callbackURL": "/dashboard"})
    assert start.status == 200
    body = start.json_body()
    assert body["redirect"] is True and start.header("location") == body["url"]
    print(body["url"])
    done = await social_sign_in(browser, provider, "alice-sub", callbackURL="/dashboard")
    print(done.status, done.headers, done.set_cookies, done.body)
    assert done.status == 302 and location(done) == "/dashboard"
    session = (await browser.get("/get-session")).json_body()
    assert session["user"]["email"] == "alice@example.com"
