"""A sign-in started on a preview deployment goes through the production server and ends on the preview, signed
in against the preview's database; what the production server hands over is good once, in the browser that
started the flow, for ``max_age`` seconds, and only ever goes to a trusted proxy URL."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from tessera.crypto.symmetric import symmetric_decrypt
from tessera.plugins.oauth_proxy import OAuthProxyPlugin
from tessera.plugins.oauth_proxy.payload import PACKAGE, STATE
from tests._helpers import Client
from tests.oauth.conftest import Provider

from .conftest import PREVIEW, PROD, Browser, Deployments, MakeDeployments, location


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def to_preview(d: Deployments, provider: Provider, sub: str, browser: Browser | None = None,
                     **body: Any) -> tuple[Browser, str]:
    """Start on the preview, consent, pass through production: the browser and the preview URL it is sent to."""
    browser = browser or Browser(d)
    r = await browser.start(**body)
    assert r.status == 200, r.body
    back = provider.consent(r.json_body()["url"], sub)
    assert back.startswith(f"{PROD}/api/auth/callback/idp?"), back
    r = await browser.open(back)
    return browser, location(r)


async def rows(auth: Any, model: str) -> list[dict[str, Any]]:
    return await auth.adapter.find_many(model, [])


async def test_sign_in_on_a_preview_through_production(deployments: MakeDeployments, provider: Provider) -> None:
    provider.set_user("proxy-sub", email="proxy@example.com", email_verified=True, name="Proxy")
    d = await deployments()
    browser = Browser(d)
    r = await browser.start(callbackURL="/dashboard", newUserCallbackURL="/welcome")
    url = r.json_body()["url"]
    assert r.header("location") == url
    params = query(url)
    # the provider sends the user back to production, the only redirect URI it knows
    assert params["redirect_uri"] == f"{PROD}/api/auth/callback/idp"
    package = symmetric_decrypt(d.preview.plugin(OAuthProxyPlugin).keys[PACKAGE], params["state"])
    assert '"isOAuthProxy":true' in package

    back = provider.consent(url, "proxy-sub")
    r = await browser.open(back)
    target = location(r)
    assert target.startswith(f"{PREVIEW}/api/auth/callback/idp/oauth-proxy?")
    assert query(target)["callbackURL"] == "/dashboard" and query(target)["profile"]
    # production answered nothing but the redirect: no user, no session, no cookie of its own
    assert await rows(d.production, "user") == [] and not browser.at[PROD].cookies

    r = await browser.open(target)
    assert location(r) == "/welcome"  # a new user
    session = (await browser.at[PREVIEW].get("/get-session")).json_body()
    assert session["user"]["email"] == "proxy@example.com"
    [account] = await rows(d.preview, "account")
    assert (account["providerId"], account["accountId"]) == ("idp", "proxy-sub") and account["accessToken"]

    # the same hand-over again: its flow is spent
    r = await browser.open(target)
    assert query(location(r))["error"] == "state_mismatch"

    # a second sign-in of the same user lands on callbackURL
    _, target = await to_preview(d, provider, "proxy-sub", browser, callbackURL="/dashboard",
                                 newUserCallbackURL="/welcome")
    assert location(await browser.open(target)) == "/dashboard"
    assert len(await rows(d.preview, "user")) == 1


async def test_a_hand_over_works_only_in_the_browser_that_started_it(
    deployments: MakeDeployments, provider: Provider
) -> None:
    provider.set_user("victim-sub", email="csrf@example.com", email_verified=True)
    d = await deployments()
    _attacker, target = await to_preview(d, provider, "victim-sub", callbackURL="/dashboard")
    victim = Browser(d)  # lured to the attacker's hand-over URL: no state cookie of that flow
    r = await victim.open(target)
    assert query(location(r))["error"] == "state_mismatch"
    assert "better-auth.session_token" not in victim.at[PREVIEW].cookies
    assert await rows(d.preview, "user") == []


async def test_an_old_or_forged_hand_over_is_refused(deployments: MakeDeployments, provider: Provider) -> None:
    provider.set_user("late-sub", email="late@example.com", email_verified=True)
    d = await deployments()
    browser, target = await to_preview(d, provider, "late-sub", callbackURL="/dashboard")
    d.clock.advance(61)
    r = await browser.open(target)
    assert query(location(r))["error"] == "payload_expired"

    params = query(target)
    base = f"{PREVIEW}/api/auth/callback/idp/oauth-proxy"
    cases = {
        "missing_profile": {"callbackURL": "/dashboard"},
        "invalid_profile": {"callbackURL": "/dashboard", "profile": params["profile"][:-4] + "AAAA"},
        "provider_mismatch": {"callbackURL": "/dashboard", "profile": params["profile"], "_path": "other"},
    }
    for error, q in cases.items():
        path = base.replace("/idp/", f"/{q.pop('_path')}/") if "_path" in q else base
        r = await browser.open(f"{path}?{urlencode(q)}")
        assert query(location(r))["error"] == error, error
    assert await rows(d.preview, "user") == []


async def test_the_final_callback_url_must_be_trusted(deployments: MakeDeployments, provider: Provider) -> None:
    d = await deployments()
    browser = Browser(d)
    r = await browser.start(callbackURL="https://evil.example/steal")
    assert r.status == 403 and r.json_body()["code"] == "INVALID_CALLBACK_URL"
    r = await browser.open(f"{PREVIEW}/api/auth/callback/idp/oauth-proxy?callbackURL={quote('https://evil.example')}")
    assert r.status == 403 and r.json_body()["code"] == "INVALID_CALLBACK_URL"


async def test_production_sends_identities_only_to_its_trusted_origins(
    deployments: MakeDeployments, provider: Provider
) -> None:
    provider.set_user("leak-sub", email="leak@example.com", email_verified=True)
    # a preview production does not trust: the tokens must not be sent there
    d = await deployments(preview={"current_url": "http://preview.elsewhere.test"},
                          preview_origins=(PROD, "http://preview.elsewhere.test"))
    browser = Browser(d)
    r = await browser.start(callbackURL="/dashboard")
    back = provider.consent(r.json_body()["url"], "leak-sub")
    r = await browser.open(back)
    target = location(r)
    assert target.startswith(f"{PROD}/api/auth/error?") and query(target)["error"] == "invalid_callback_url"
    assert "profile" not in target


async def test_the_request_host_does_not_choose_the_receiver(
    deployments: MakeDeployments, provider: Provider
) -> None:
    d = await deployments()
    client = Client(d.preview, origin=PREVIEW)
    r = await client.post("/sign-in/social", {"provider": "idp", "callbackURL": "/dashboard"},
                          headers=[("host", "evil.example")])
    assert r.status == 200, r.body
    keys = d.preview.plugin(OAuthProxyPlugin).keys
    package = json.loads(symmetric_decrypt(keys[PACKAGE], query(r.json_body()["url"])["state"]))
    flow = json.loads(symmetric_decrypt(keys[STATE], package["stateCookie"]))
    assert flow["callbackURL"].startswith(f"{PREVIEW}/api/auth/callback/idp/oauth-proxy?")


async def test_skipping_the_proxy(deployments: MakeDeployments, provider: Provider) -> None:
    d = await deployments()
    r = await Client(d.preview, origin=PREVIEW).post(
        "/sign-in/social", {"provider": "idp"}, headers=[("x-skip-oauth-proxy", "1"), ("host", "preview.example")]
    )
    assert query(r.json_body()["url"])["redirect_uri"] == f"{PREVIEW}/api/auth/callback/idp"
    # on production itself there is nothing to proxy
    r = await Client(d.production, origin=PROD).post(
        "/sign-in/social", {"provider": "idp"}, headers=[("host", "prod.example")]
    )
    params = query(r.json_body()["url"])
    assert params["redirect_uri"] == f"{PROD}/api/auth/callback/idp" and len(params["state"]) == 32


async def test_an_unverified_address_does_not_link_through_the_proxy(
    deployments: MakeDeployments, provider: Provider
) -> None:
    provider.set_user("unverified-sub", email="owner@example.com", email_verified=False)
    d = await deployments()
    owner = Client(d.preview, origin=PREVIEW)
    assert (await owner.sign_up(email="owner@example.com")).status == 200
    browser, target = await to_preview(d, provider, "unverified-sub", callbackURL="/dashboard")
    r = await browser.open(target)
    assert query(location(r))["error"] == "account_not_linked"
    assert [a["providerId"] for a in await rows(d.preview, "account")] == ["credential"]


async def test_link_social_through_the_proxy(deployments: MakeDeployments, provider: Provider) -> None:
    provider.set_user("link-sub", email="linker@example.com", email_verified=True)
    d = await deployments()
    browser = Browser(d)
    r = await browser.at[PREVIEW].sign_up(email="linker@example.com", headers=[("host", "preview.example")])
    assert r.status == 200
    browser, target = await to_preview(d, provider, "link-sub", browser, path="/link-social", callbackURL="/settings")
    r = await browser.open(target)
    assert location(r) == "/settings"
    assert sorted(a["providerId"] for a in await rows(d.preview, "account")) == ["credential", "idp"]


@pytest.mark.parametrize("bad", [{"max_age": 0}, {"production_url": "prod.example"}, {"secret": "short"}])
def test_options_are_checked(bad: dict[str, Any]) -> None:
    from tessera.errors import ConfigError
    from tessera.plugins.oauth_proxy import oauth_proxy

    with pytest.raises(ConfigError):
        oauth_proxy(**bad)
