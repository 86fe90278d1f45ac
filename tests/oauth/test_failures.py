"""What the callback refuses: another browser's state, replays, injected codes, wrong nonces, a provider
that is down, expired or tampered state, and tokens of other kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests._helpers import BASE, Client
from tests.oauth.conftest import (
    Provider,
    follow_to_tessera,
    location,
    make_oauth_auth,
    oidc_config,
    query_of,
    start,
)


class Clock:
    """Real time that a test can move forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


ERROR_PAGE = f"{BASE}/api/auth/error"


def error_of(response: object) -> str:
    return query_of(location(response))["error"]  # type: ignore[arg-type]


async def test_state_from_another_browser_is_refused(provider: Provider) -> None:
    """Login CSRF: a victim's browser sent to the attacker's callback URL has no matching state cookie."""
    provider.set_user("mallory-sub", email="mallory@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    attacker, victim = Client(auth), Client(auth)
    redirect = provider.consent(await start(attacker, errorCallbackURL="/failed"), "mallory-sub")
    r = await follow_to_tessera(victim, redirect)
    assert r.status == 302 and location(r) == "/failed?error=state_mismatch"
    assert "better-auth.session_token" not in r.set_cookies
    assert await auth.adapter.count("session") == 0 and await auth.adapter.count("user") == 0
    # the state was spent by that attempt: it cannot be tried again, even by its own browser
    again = await follow_to_tessera(attacker, redirect)
    assert location(again) == f"{ERROR_PAGE}?error=state_mismatch"


async def test_tampered_or_missing_state_cookie_is_refused(provider: Provider) -> None:
    provider.set_user("t-sub", email="t@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    redirect = provider.consent(await start(browser), "t-sub")
    value = browser.cookies["better-auth.state"]
    browser.cookies["better-auth.state"] = value[:-6] + "AAAA%3D"  # same state, forged signature
    r = await follow_to_tessera(browser, redirect)
    assert error_of(r) == "state_mismatch"
    browser2 = Client(auth)
    redirect = provider.consent(await start(browser2), "t-sub")
    browser2.cookies.clear()
    assert error_of(await follow_to_tessera(browser2, redirect)) == "state_mismatch"


async def test_callback_replay_is_refused(provider: Provider) -> None:
    provider.set_user("r-sub", email="r@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    redirect = provider.consent(await start(browser, callbackURL="/ok"), "r-sub")
    assert location(await follow_to_tessera(browser, redirect)) == "/ok"
    saved_state_cookie = browser.cookies.get("better-auth.state")
    assert saved_state_cookie is None  # expired by the callback
    replay = await follow_to_tessera(browser, redirect)
    assert location(replay) == f"{ERROR_PAGE}?error=state_mismatch"
    assert await auth.adapter.count("session") == 1


async def test_a_spent_code_is_refused_by_the_provider(provider: Provider) -> None:
    provider.set_user("c-sub", email="c@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    first = provider.consent(await start(browser, callbackURL="/ok"), "c-sub")
    assert location(await follow_to_tessera(browser, first)) == "/ok"
    # the same code again, under a fresh state of this browser
    url = await start(browser, errorCallbackURL="/failed")
    replayed = f"{BASE}/api/auth/callback/idp?code={query_of(first)['code']}&state={query_of(url)['state']}"
    r = await follow_to_tessera(browser, replayed)
    assert location(r) == "/failed?error=invalid_code"
    assert await auth.adapter.count("session") == 1


async def test_an_injected_code_fails_the_nonce_check(provider: Provider) -> None:
    """Code injection: a code issued for one authorization request, redeemed under another's state. The ID
    token carries the first request's nonce, so it does not verify for the second."""
    provider.set_user("n-sub", email="n@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    stolen = provider.consent(await start(browser), "n-sub")  # code bound to nonce #1, never redeemed
    url = await start(browser, errorCallbackURL="/failed")  # a second flow: state #2, nonce #2
    injected = f"{BASE}/api/auth/callback/idp?code={query_of(stolen)['code']}&state={query_of(url)['state']}"
    r = await follow_to_tessera(browser, injected)
    assert location(r) == "/failed?error=unable_to_get_user_info"
    assert await auth.adapter.count("user") == 0 and await auth.adapter.count("session") == 0


async def test_callback_without_state_or_with_garbage(provider: Provider) -> None:
    browser = Client(make_oauth_auth(provider))
    r = await browser.get("/callback/idp", query="code=abc")
    assert r.status == 302 and location(r) == f"{ERROR_PAGE}?error=state_not_found"
    r = await browser.get("/callback/idp", query="code=abc&state=a&state=b")
    assert location(r) == f"{ERROR_PAGE}?error=invalid_callback_request"
    r = await browser.get("/callback/idp", query="code=abc&state=unknown-state")
    assert location(r) == f"{ERROR_PAGE}?error=state_mismatch"


async def test_on_api_error_url_replaces_the_error_page_but_not_the_flows_own(provider: Provider) -> None:
    auth = make_oauth_auth(provider, on_api_error={"error_url": "/auth-error?from=idp"})
    browser = Client(auth)
    r = await browser.get("/callback/idp", query="code=abc")
    assert r.status == 302 and location(r) == "/auth-error?from=idp&error=state_not_found"
    r = await browser.get("/callback/idp", query="code=abc&state=unknown-state")
    assert location(r) == "/auth-error?from=idp&error=state_mismatch"
    url = await start(browser)  # no errorCallbackURL: the configured page
    r = await browser.get("/callback/idp", query=f"state={query_of(url)['state']}")
    assert location(r) == "/auth-error?from=idp&error=no_code"
    url = await start(browser, errorCallbackURL="/failed")  # the flow's own errorCallbackURL still wins
    r = await browser.get("/callback/idp", query=f"state={query_of(url)['state']}")
    assert location(r) == "/failed?error=no_code"


async def test_missing_code_and_unknown_provider_in_callback(provider: Provider) -> None:
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    url = await start(browser, errorCallbackURL="/failed")
    r = await browser.get("/callback/idp", query=f"state={query_of(url)['state']}")
    assert location(r) == "/failed?error=no_code"
    url = await start(browser, errorCallbackURL="/failed")
    r = await browser.get("/callback/other", query=f"state={query_of(url)['state']}&code=x")
    assert location(r) == "/failed?error=oauth_provider_not_found"


async def test_expired_state_is_refused(provider: Provider) -> None:
    provider.set_user("e-sub", email="e@example.com", email_verified=True)
    clock = Clock()
    auth = make_oauth_auth(provider, clock=clock)
    browser = Client(auth)
    redirect = provider.consent(await start(browser), "e-sub")
    clock.offset = timedelta(minutes=11)
    assert error_of(await follow_to_tessera(browser, redirect)) == "state_mismatch"


async def test_provider_down(provider: Provider, dead_port: int) -> None:
    dead = f"http://127.0.0.1:{dead_port}"
    # discovery unreachable: nothing to redirect to
    auth = make_oauth_auth(
        provider, social_providers={"idp": {**oidc_config(provider), "discovery_url": f"{dead}/.well-known/x"}}
    )
    r = await Client(auth).post("/sign-in/social", {"provider": "idp"})
    assert r.status == 502 and r.json_body()["code"] == "PROVIDER_UNAVAILABLE"
    assert await auth.adapter.count("verification") == 0
    # the token endpoint goes down between the redirect and the callback
    provider.set_user("d-sub", email="d@example.com", email_verified=True)
    auth = make_oauth_auth(
        provider, social_providers={"idp": oidc_config(provider, token_endpoint=f"{dead}/token")}
    )
    browser = Client(auth)
    redirect = provider.consent(await start(browser, errorCallbackURL="/failed"), "d-sub")
    assert location(await follow_to_tessera(browser, redirect)) == "/failed?error=invalid_code"
    # the key set cannot be fetched: the ID token cannot be trusted
    auth = make_oauth_auth(provider, social_providers={"idp": oidc_config(provider, jwks_uri=f"{dead}/jwks")})
    browser = Client(auth)
    redirect = provider.consent(await start(browser, errorCallbackURL="/failed"), "d-sub")
    assert location(await follow_to_tessera(browser, redirect)) == "/failed?error=unable_to_get_user_info"
    assert await auth.adapter.count("user") == 0


async def test_oauth_state_and_other_tokens_never_stand_in_for_each_other(provider: Provider) -> None:
    """CVE-2026-110862: state lives under ``auth-state:``; a state is not a reset token, nor the reverse."""
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    state = query_of(await start(browser))["state"]
    r = await browser.post("/reset-password", {"token": state, "newPassword": "a-new-password-1"})
    assert r.status == 400 and r.json_body()["code"] == "INVALID_TOKEN"
    assert await auth.context.store.find_verification(f"auth-state:{state}") is not None  # untouched
    # a reset token presented as a state, with a validly signed state cookie for it
    await auth.context.store.create_verification("reset-password:resettoken123", "user-1", 3600)
    other = Client(auth)
    other.cookies["better-auth.state"] = auth.context.signer.sign("resettoken123").replace("=", "%3D")
    r = await other.get("/callback/idp", query="code=x&state=resettoken123")
    assert location(r) == f"{ERROR_PAGE}?error=state_mismatch"
    assert await auth.context.store.find_verification("reset-password:resettoken123") is not None
