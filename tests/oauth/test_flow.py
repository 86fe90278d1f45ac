"""The browser-less redirect flow against a real OpenID Connect provider: start, consent, callback, session."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from tessera.oauth.provider import code_challenge
from tests._helpers import BASE, Client
from tests.oauth.conftest import (
    Provider,
    follow_to_tessera,
    location,
    make_oauth_auth,
    query_of,
    social_sign_in,
    start,
)


async def test_new_user_signs_in_with_session_user_and_account(provider: Provider) -> None:
    provider.set_user("alice-sub", email="Alice@Example.com", email_verified=True, name="Alice A.")
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    r = await browser.post(
        "/sign-in/social", {"provider": "idp", "callbackURL": "/dashboard", "newUserCallbackURL": "/welcome"}
    )
    assert r.status == 200
    body = r.json_body()
    assert body == {"url": body["url"], "redirect": True}
    assert r.header("location") == body["url"]
    assert body["url"].startswith(f"{provider.issuer}/oauth2/authorize?")

    done = await follow_to_tessera(browser, provider.consent(body["url"], "alice-sub"))
    assert done.status == 302 and location(done) == "/welcome"  # a new user goes to newUserCallbackURL
    assert done.body == b""
    assert "better-auth.session_token" in done.set_cookies
    assert done.set_cookies["better-auth.state"].startswith("better-auth.state=; Max-Age=0")

    session = (await browser.get("/get-session")).json_body()
    user = session["user"]
    assert user["email"] == "alice@example.com" and user["emailVerified"] is True and user["name"] == "Alice A."
    accounts = await auth.adapter.find_many("account")
    assert len(accounts) == 1
    account = accounts[0]
    assert (account["providerId"], account["accountId"], account["userId"]) == ("idp", "alice-sub", user["id"])
    assert account["accessToken"] and account["refreshToken"] and account["idToken"]
    assert account["accessTokenExpiresAt"] is not None
    assert set(account["scope"].split(",")) == {"openid", "email", "profile"}
    assert await auth.adapter.count("verification") == 0  # the state was consumed


async def test_returning_user_goes_to_callback_url_and_tokens_are_updated(provider: Provider) -> None:
    provider.set_user("bob-sub", email="bob@example.com", email_verified=True, name="Bob")
    auth = make_oauth_auth(provider)
    first = await social_sign_in(Client(auth), provider, "bob-sub", callbackURL="/home", newUserCallbackURL="/new")
    assert location(first) == "/new"
    before = (await auth.adapter.find_many("account"))[0]
    again = await social_sign_in(Client(auth), provider, "bob-sub", callbackURL="/home", newUserCallbackURL="/new")
    assert again.status == 302 and location(again) == "/home"
    after = await auth.adapter.find_many("account")
    assert len(after) == 1 and await auth.adapter.count("user") == 1
    assert after[0]["accessToken"] != before["accessToken"]
    assert await auth.adapter.count("session") == 2


async def test_authorization_request_carries_pkce_state_and_nonce(provider: Provider) -> None:
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    url = await start(browser, scopes=["phone"], loginHint="a@example.com", additionalParams={"prompt": "login"})
    q = query_of(url)
    assert q["response_type"] == "code" and q["client_id"] == "tessera-app"
    assert q["redirect_uri"] == f"{BASE}/api/auth/callback/idp"
    assert q["scope"] == "openid email profile phone"
    assert q["login_hint"] == "a@example.com" and q["prompt"] == "login"
    assert q["code_challenge_method"] == "S256" and len(q["nonce"]) == 32 and len(q["state"]) == 32
    row = (await auth.adapter.find_many("verification"))[0]
    assert row["identifier"] == f"auth-state:{q['state']}"
    value = json.loads(row["value"])
    # Better Auth's keys, plus tessera's providerId (its looseObject schema lets it through)
    assert list(value) == ["callbackURL", "codeVerifier", "expiresAt", "idTokenNonce", "oauthState", "providerId"]
    assert value["providerId"] == "idp"
    assert value["callbackURL"] == BASE  # the base URL's origin when no callbackURL is given
    assert len(value["codeVerifier"]) == 128 and code_challenge(value["codeVerifier"]) == q["code_challenge"]
    assert value["idTokenNonce"] == q["nonce"] and value["oauthState"] == q["state"]
    assert (row["expiresAt"] - row["createdAt"]).total_seconds() == 600
    # the browser binding: a signed state cookie, five minutes
    cookie = browser.cookies["better-auth.state"]
    assert cookie.startswith(q["state"] + ".")


async def test_disable_redirect_answers_the_url_without_location(provider: Provider) -> None:
    r = await Client(make_oauth_auth(provider)).post("/sign-in/social", {"provider": "idp", "disableRedirect": True})
    assert r.status == 200 and r.json_body()["redirect"] is False and r.header("location") is None


async def test_additional_data_rides_the_state_but_cannot_override_it(provider: Provider) -> None:
    auth = make_oauth_auth(provider)
    await start(Client(auth), additionalData={"plan": "pro", "callbackURL": "https://evil.example", "link": "x"})
    value = json.loads((await auth.adapter.find_many("verification"))[0]["value"])
    assert value["plan"] == "pro" and value["callbackURL"] == BASE and "link" not in value


async def test_form_post_callback_is_turned_into_the_same_get(provider: Provider) -> None:
    provider.set_user("carol-sub", email="carol@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    redirect = provider.consent(await start(browser, callbackURL="/in"), "carol-sub")
    params = query_of(redirect)
    # response_mode=form_post: the browser auto-submits the provider's answer as a cross-site form
    posted = await browser.post(
        "/callback/idp", raw=urlencode(params).encode(), content_type="application/x-www-form-urlencoded"
    )
    assert posted.status == 302
    target = location(posted)
    assert target.startswith(f"{BASE}/api/auth/callback/idp?") and query_of(target) == params
    assert "better-auth.session_token" not in posted.set_cookies  # nothing happens on the POST itself
    done = await follow_to_tessera(browser, target)
    assert done.status == 302 and location(done) == "/in"


async def test_unknown_provider_and_bad_bodies(provider: Provider) -> None:
    browser = Client(make_oauth_auth(provider))
    r = await browser.post("/sign-in/social", {"provider": "nope"})
    assert r.status == 404 and r.json_body() == {"message": "Provider not found", "code": "PROVIDER_NOT_FOUND"}
    r = await browser.post("/sign-in/social", {"provider": "idp", "additionalParams": {"state": "mine"}})
    assert r.status == 400 and r.json_body()["code"] == "VALIDATION_ERROR"
    assert "reserved OAuth parameters" in r.json_body()["message"]
    r = await browser.post("/sign-in/social", {"provider": "idp", "scopes": "openid"})
    assert r.status == 400 and r.json_body()["code"] == "VALIDATION_ERROR"


async def test_callback_urls_are_checked_against_trusted_origins(provider: Provider) -> None:
    browser = Client(make_oauth_auth(provider))
    for field, code in [
        ("callbackURL", "INVALID_CALLBACK_URL"),
        ("errorCallbackURL", "INVALID_ERROR_CALLBACK_URL"),
        ("newUserCallbackURL", "INVALID_NEW_USER_CALLBACK_URL"),
    ]:
        for bad in ("https://evil.example/x", "//evil.example", "/\\evil.example"):
            r = await browser.post("/sign-in/social", {"provider": "idp", field: bad})
            assert r.status == 403 and r.json_body()["code"] == code, (field, bad)
    ok = await browser.post("/sign-in/social", {"provider": "idp", "callbackURL": "http://app.example/after"})
    assert ok.status == 200


async def test_provider_errors_reach_the_error_callback(provider: Provider) -> None:
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    url = await start(browser, errorCallbackURL="/oops?from=idp")
    denied = provider.consent(url, deny=True)
    assert query_of(denied)["error"] == "access_denied"
    # RFC 6749 §4.1.2.1 has the provider echo ``state`` in an error response; this provider does not, so
    # tessera cannot tell whose flow it was and answers with its own error page
    lost = await follow_to_tessera(browser, denied)
    assert location(lost) == f"{BASE}/api/auth/error?error=state_not_found"
    # with the state echoed, as a compliant provider sends it, the flow's errorCallbackURL gets the error
    url = await start(browser, errorCallbackURL="/oops?from=idp")
    denied = provider.consent(url, deny=True) + "&state=" + query_of(url)["state"]
    r = await follow_to_tessera(browser, denied)
    assert r.status == 302
    target = urlsplit(location(r))
    assert target.path == "/oops"
    q = query_of(location(r))
    assert q["from"] == "idp" and q["error"] == "access_denied" and "denied" in q["error_description"]
    assert await auth.adapter.count("session") == 0


async def test_the_whole_flow_through_asgi_with_a_cookie_jar(provider: Provider) -> None:
    """The same round trip as a real browser makes it: HTTP in and out of the ASGI app, cookies in a jar."""
    import httpx

    provider.set_user("asgi-sub", email="asgi@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    transport = httpx.ASGITransport(app=auth)
    async with httpx.AsyncClient(transport=transport, base_url=BASE, headers={"origin": BASE}) as browser:
        r = await browser.post("/api/auth/sign-in/social", json={"provider": "idp", "callbackURL": "/app"})
        assert r.status_code == 200 and "better-auth.state" in browser.cookies
        back = provider.consent(r.json()["url"], "asgi-sub")
        done = await browser.get(back)
        assert done.status_code == 302 and done.headers["location"] == "/app"
        assert "better-auth.session_token" in browser.cookies and "better-auth.state" not in browser.cookies
        session = (await browser.get("/api/auth/get-session")).json()
        assert session["user"]["email"] == "asgi@example.com"


async def test_custom_profile_mapping_and_override_on_sign_in(provider: Provider) -> None:
    from tessera import Field

    provider.set_user("m-sub", email="m@example.com", email_verified=True, name="Real Name", nickname="mo",
                      locale="fr-FR")

    async def mapping(profile: dict[str, object]) -> dict[str, object]:
        return {"name": str(profile["nickname"]).upper(), "locale": profile.get("locale"), "id": "ignored"}

    config = {"discovery_url": provider.discovery_url, "client_id": "tessera-app", "client_secret": "s3cret",
              "map_profile_to_user": mapping, "override_user_info_on_sign_in": True}
    auth = make_oauth_auth(
        provider, social_providers={"idp": config},
        user={"additional_fields": [Field("locale", required=False)]},
    )
    browser = Client(auth)
    await social_sign_in(browser, provider, "m-sub")
    user = (await browser.get("/get-session")).json_body()["user"]
    assert user["name"] == "MO" and user["locale"] == "fr-FR"
    assert (await auth.adapter.find_many("account"))[0]["accountId"] == "m-sub"  # the subject, not "ignored"
    # the provider's profile changes; with override_user_info_on_sign_in the next sign-in copies it
    provider.set_user("m-sub", email="m@example.com", email_verified=True, nickname="maud", locale="de-DE")
    browser = Client(auth)
    await social_sign_in(browser, provider, "m-sub")
    user = (await browser.get("/get-session")).json_body()["user"]
    assert user["name"] == "MAUD" and user["locale"] == "de-DE" and await auth.adapter.count("user") == 1


async def test_plain_oauth2_provider_uses_userinfo(provider: Provider) -> None:
    """Explicit endpoints and no key set: an OAuth 2.0 provider whose profile comes from userinfo."""
    provider.set_user("p-sub", email="p@example.com", email_verified=True, name="Plain")
    config = {
        "client_id": "tessera-app", "client_secret": "s3cret", "token_endpoint_auth": "client_secret_basic",
        "authorization_endpoint": f"{provider.issuer}/oauth2/authorize",
        "token_endpoint": f"{provider.issuer}/oauth2/token", "userinfo_endpoint": f"{provider.issuer}/userinfo",
    }
    auth = make_oauth_auth(provider, social_providers={"plain": config})
    browser = Client(auth)
    url = await start(browser, "plain")
    assert "nonce" not in query_of(url)
    r = await follow_to_tessera(browser, provider.consent(url, "p-sub"))
    assert r.status == 302 and location(r) == BASE
    [account] = await auth.adapter.find_many("account")
    assert (account["providerId"], account["accountId"]) == ("plain", "p-sub")


async def test_no_email_from_the_provider(provider: Provider) -> None:
    provider.set_user("ne-sub", email="ne@example.com", email_verified=True)
    config = {"discovery_url": provider.discovery_url, "client_id": "tessera-app", "client_secret": "s3cret",
              "disable_default_scope": True, "scope": ["openid", "profile"]}
    auth = make_oauth_auth(provider, social_providers={"idp": config})
    r = await social_sign_in(Client(auth), provider, "ne-sub", errorCallbackURL="/failed")
    assert location(r) == "/failed?error=email_not_found"
    assert await auth.adapter.count("user") == 0
