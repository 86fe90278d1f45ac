"""Sign-in, sign-up gates, linking and provider tokens through a generic OAuth provider, on every backend.

The provider is the real OpenID Connect server of ``tests/oauth``; the plugin's providers are used through the
core's ``/sign-in/social``, ``/callback/:id`` and ``/link-social``, as in Better Auth 1.7.
"""

from __future__ import annotations

from typing import Any

from tests._helpers import BASE, Client
from tests.oauth.conftest import Provider, follow_to_tessera, location, query_of, social_sign_in, start
from tests.plugins.generic_oauth.conftest import MakeAuth, generic_config, plain_config, record


async def test_discovery_provider_signs_a_new_user_in(provider: Provider, make_generic: MakeAuth) -> None:
    provider.set_user("g-alice", email="Alice@Example.com", email_verified=True, name="Alice")
    auth = await make_generic([generic_config(provider)])
    browser = Client(auth)
    url = await start(browser, "corp", callbackURL="/home", newUserCallbackURL="/welcome", scopes=["phone"])
    q = query_of(url)
    # the client's scopes first, then the configured ones; openid leads for a provider with ID-token algorithms
    assert q["scope"] == "openid phone email profile"
    assert q["redirect_uri"] == f"{BASE}/api/auth/callback/corp"
    assert q["code_challenge_method"] == "S256" and len(q["nonce"]) == 32
    done = await follow_to_tessera(browser, provider.consent(url, "g-alice"))
    assert done.status == 302 and location(done) == "/welcome"
    user = (await browser.get("/get-session")).json_body()["user"]
    assert (user["email"], user["emailVerified"], user["name"]) == ("alice@example.com", True, "Alice")
    [account] = await auth.adapter.find_many("account")
    assert (account["providerId"], account["accountId"], account["userId"]) == ("corp", "g-alice", user["id"])
    assert account["idToken"] and account["accessToken"] and account["refreshToken"]
    assert await auth.adapter.count("verification") == 0

    again = await social_sign_in(Client(auth), provider, "g-alice", provider_id="corp", callbackURL="/home")
    assert location(again) == "/home" and await auth.adapter.count("user") == 1


async def test_endpoint_configured_provider_is_plain_oauth(provider: Provider, make_generic: MakeAuth) -> None:
    provider.set_user("p-bob", email="bob@example.com", email_verified=True, name="Bob")
    auth = await make_generic([plain_config(provider)])
    browser = Client(auth)
    url = await start(browser, "plain")
    q = query_of(url)
    assert "nonce" not in q and q["scope"] == "openid email profile"
    done = await follow_to_tessera(browser, provider.consent(url, "p-bob"))
    assert done.status == 302, location(done)
    [account] = await auth.adapter.find_many("account")
    # the ID token of the token response names the subject (Better Auth reads it as the profile)
    assert (account["providerId"], account["accountId"]) == ("plain", "p-bob")


async def test_plain_oauth_subject_is_the_profile_id(provider: Provider, make_generic: MakeAuth) -> None:
    provider.set_user("p-carol", email="carol@example.com", email_verified=True, name="Carol")
    # no openid scope: no ID token, the userinfo answer is the profile; it has ``sub`` but no ``id``
    auth = await make_generic([
        plain_config(provider, scopes=["email", "profile"]),
        plain_config(provider, "plain2", scopes=["email", "profile"],
                     account_subject=lambda *, tokens, profile: profile["sub"]),
    ])
    r = await social_sign_in(Client(auth), provider, "p-carol", provider_id="plain")
    assert query_of(location(r))["error"] == "unable_to_get_user_info"
    assert await auth.adapter.count("user") == 0
    r = await social_sign_in(Client(auth), provider, "p-carol", provider_id="plain2")
    assert r.status == 302 and "error" not in location(r)
    [account] = await auth.adapter.find_many("account")
    assert account["accountId"] == "p-carol"


async def test_get_user_info_and_profile_mapping(provider: Provider, make_generic: MakeAuth) -> None:
    from tessera import Field

    provider.set_user("p-dan", email="dan@example.com", email_verified=True, name="Dan")
    seen: list[Any] = []

    async def get_user_info(tokens: Any) -> dict[str, Any]:
        seen.append(tokens)
        return {"id": 4242, "email": "Dan.Custom@Example.com", "emailVerified": "true", "name": "dan",
                "picture": "https://img.example/d.png", "plan": "gold"}

    def mapping(profile: dict[str, Any]) -> dict[str, Any]:
        return {"name": profile["name"].title(), "image": profile["picture"], "plan": profile["plan"],
                "id": "never-the-subject"}

    auth = await make_generic(
        [plain_config(provider, get_user_info=get_user_info, map_profile_to_user=mapping)],
        user={"additional_fields": [Field("plan", required=False)]},
    )
    browser = Client(auth)
    r = await social_sign_in(browser, provider, "p-dan", provider_id="plain")
    assert r.status == 302 and "error" not in location(r), location(r)
    assert seen and seen[0].access_token
    user = (await browser.get("/get-session")).json_body()["user"]
    assert user["email"] == "dan.custom@example.com" and user["emailVerified"] is True
    assert (user["name"], user["image"], user["plan"]) == ("Dan", "https://img.example/d.png", "gold")
    [account] = await auth.adapter.find_many("account")
    assert account["accountId"] == "4242"


async def test_sign_up_gates(provider: Provider, make_generic: MakeAuth) -> None:
    provider.set_user("p-erin", email="erin@example.com", email_verified=True)
    auth = await make_generic([
        generic_config(provider, "closed", disable_sign_up=True),
        generic_config(provider, "ask", disable_implicit_sign_up=True),
    ])
    r = await social_sign_in(Client(auth), provider, "p-erin", provider_id="closed")
    assert query_of(location(r))["error"] == "signup_disabled"
    r = await social_sign_in(Client(auth), provider, "p-erin", provider_id="ask")
    assert query_of(location(r))["error"] == "signup_disabled"
    assert await auth.adapter.count("user") == 0
    r = await social_sign_in(Client(auth), provider, "p-erin", provider_id="ask", requestSignUp=True)
    assert r.status == 302 and "error" not in location(r)
    assert await auth.adapter.count("user") == 1


async def test_require_email_verification_and_override_user_info(provider: Provider, make_generic: MakeAuth) -> None:
    provider.set_user("p-fay", email="fay@example.com", email_verified=False, name="Fay")
    auth = await make_generic([generic_config(provider, require_email_verification=True, override_user_info=True)])
    r = await social_sign_in(Client(auth), provider, "p-fay", provider_id="corp")
    assert query_of(location(r))["error"] == "email_not_verified"
    assert await auth.adapter.count("session") == 0 and await auth.adapter.count("user") == 1
    provider.set_user("p-fay", email="fay@example.com", email_verified=True, name="Fay Renamed")
    browser = Client(auth)
    r = await social_sign_in(browser, provider, "p-fay", provider_id="corp")
    assert r.status == 302 and "error" not in location(r)
    user = (await browser.get("/get-session")).json_body()["user"]
    assert user["name"] == "Fay Renamed" and user["emailVerified"] is True


async def test_link_social_attaches_a_generic_identity(provider: Provider, make_generic: MakeAuth) -> None:
    provider.set_user("p-gus", email="gus@example.com", email_verified=True)
    auth = await make_generic([generic_config(provider)])
    browser = Client(auth)
    r = await browser.post("/sign-up/email", {"email": "gus@example.com", "password": "correct-horse-1", "name": "G"})
    assert r.status == 200
    r = await browser.post("/link-social", {"provider": "corp", "callbackURL": "/linked"})
    assert r.status == 200, r.body
    done = await follow_to_tessera(browser, provider.consent(r.json_body()["url"], "p-gus"))
    assert done.status == 302 and location(done) == "/linked"
    accounts = {(a["providerId"], a["accountId"]) for a in await auth.adapter.find_many("account")}
    assert ("corp", "p-gus") in accounts and len(accounts) == 2
    listed = (await browser.get("/list-accounts")).json_body()
    assert {a["providerId"] for a in listed} == {"credential", "corp"}


async def test_provider_tokens_refresh_and_account_info(provider: Provider, make_generic: MakeAuth) -> None:
    provider.set_user("p-hal", email="hal@example.com", email_verified=True, name="Hal")
    # (the provider accepts refresh requests with HTTP Basic client authentication only)
    auth = await make_generic(
        [generic_config(provider, authentication="basic", refresh_token_params={"audience": "api://x"})]
    )
    browser = Client(auth)
    await social_sign_in(browser, provider, "p-hal", provider_id="corp")
    [account] = await auth.adapter.find_many("account")
    recorder = record(auth, "corp")
    r = await browser.post("/refresh-token", {"accountId": account["id"]})
    assert r.status == 200, r.body
    assert r.json_body()["accessToken"] != account["accessToken"] and r.json_body()["providerId"] == "corp"
    [(_, _, headers, form)] = recorder.token_requests()
    assert form is not None and headers["authorization"].startswith("Basic ")
    assert form["grant_type"] == "refresh_token" and form["audience"] == "api://x" and "client_secret" not in form
    r = await browser.post("/get-access-token", {"accountId": account["id"]})
    assert r.status == 200 and r.json_body()["accessToken"]
    r = await browser.get("/account-info", query=f"accountId={account['id']}")
    assert r.status == 200, r.body
    info = r.json_body()
    # Better Auth's generic user: the profile's fields, no id (the account says whose it is)
    assert info["user"] == {"email": "hal@example.com", "emailVerified": True, "name": "Hal"}
    assert info["data"]["sub"] == "p-hal" and info["data"]["id"] == "p-hal"
    assert info["account"] == {"id": account["id"], "providerId": "corp", "accountId": "p-hal"}


async def test_idp_initiated_callback_restarts_the_flow(provider: Provider, make_generic: MakeAuth) -> None:
    provider.set_user("p-ida", email="ida@example.com", email_verified=True)
    auth = await make_generic([generic_config(provider, allow_idp_initiated=True), generic_config(provider, "strict")])
    browser = Client(auth)
    # the provider sends the browser with a code it minted on its own: never redeemed, the flow starts over
    r = await browser.get("/callback/corp", query="code=minted-by-the-idp&iss=x")
    assert r.status == 302
    restart = location(r)
    q = query_of(restart)
    assert restart.startswith(f"{provider.issuer}/oauth2/authorize?") and q["nonce"] and q["code_challenge"]
    assert "better-auth.state" in r.set_cookies and await auth.adapter.count("verification") == 1
    done = await follow_to_tessera(browser, provider.consent(restart, "p-ida"))
    assert done.status == 302 and location(done) == BASE  # no callbackURL: the app's origin
    assert (await browser.get("/get-session")).json_body()["user"]["email"] == "ida@example.com"
    # without the option, or with an empty state, a stateless code is refused
    for path, query in (("/callback/strict", "code=x"), ("/callback/corp", "code=x&state=")):
        r = await Client(auth).get(path, query=query)
        assert location(r) == f"{BASE}/api/auth/error?error=state_not_found"


async def test_sign_out_sends_the_browser_to_the_provider_logout(provider: Provider, make_generic: MakeAuth) -> None:
    provider.set_user("p-lou", email="lou@example.com", email_verified=True)
    logout = "https://idp.example/logout?ui=compact"
    auth = await make_generic([
        generic_config(provider, end_session_endpoint=logout, post_logout_redirect_uri="/bye"),
        generic_config(provider, "quiet", end_session_endpoint=logout, disable_provider_logout=True),
    ])
    browser = Client(auth)
    await social_sign_in(browser, provider, "p-lou", provider_id="corp")
    [account] = await auth.adapter.find_many("account")
    r = await browser.post("/sign-out", {"callbackURL": "/signed-out", "state": "s-1"})
    assert r.status == 200, r.body
    body = r.json_body()
    assert body["success"] is True and body["redirect"] is True and r.header("location") == body["url"]
    q = query_of(body["url"])
    assert body["url"].startswith("https://idp.example/logout?")
    assert q == {"ui": "compact", "id_token_hint": account["idToken"], "post_logout_redirect_uri": f"{BASE}/signed-out",
                 "client_id": "tessera-app", "state": "s-1"}
    assert await auth.adapter.count("session") == 0 and "better-auth.session_token" in r.set_cookies

    # the configured return address, relative to the app; no redirect when the client asks for the URL only
    await social_sign_in(browser, provider, "p-lou", provider_id="corp")
    r = await browser.post("/sign-out", {"disableRedirect": True})
    assert r.json_body()["redirect"] is False and r.header("location") is None
    assert query_of(r.json_body()["url"])["post_logout_redirect_uri"] == f"{BASE}/bye"

    # a provider with logout disabled, or a browser without a session: a plain sign-out
    provider.set_user("p-max", email="max@example.com", email_verified=True)
    quiet = Client(auth)
    await social_sign_in(quiet, provider, "p-max", provider_id="quiet")
    r = await quiet.post("/sign-out", {"callbackURL": "/signed-out"})
    assert r.json_body() == {"success": True} and r.header("location") is None
    assert (await Client(auth).post("/sign-out", {})).json_body() == {"success": True}


async def test_provider_logout_endpoint_from_discovery(provider: Provider, make_generic: MakeAuth) -> None:
    provider.set_user("p-ned", email="ned@example.com", email_verified=True)
    auth = await make_generic([generic_config(provider)])
    browser = Client(auth)
    await social_sign_in(browser, provider, "p-ned", provider_id="corp")
    r = await browser.post("/sign-out", {"disableRedirect": True})
    url = r.json_body()["url"]
    # only the ID token as a hint: no return address, so no client_id either
    assert url.startswith(f"{provider.issuer}/oauth2/end_session?") and set(query_of(url)) == {"id_token_hint"}
    r = await browser.post("/sign-out", {"callbackURL": "https://evil.example/"})
    assert r.status == 403 and r.json_body()["code"] == "INVALID_CALLBACK_URL"
