"""Built-in providers: declarative modules on the generic client, and their configuration."""

from __future__ import annotations

from typing import Any

import pytest

from tessera import ConfigError
from tessera.crypto.purpose import derive_purpose_key
from tessera.oauth import HttpxClient, build_provider, build_runtime
from tessera.oauth.provider import OAuthProvider
from tessera.oauth.providers.microsoft import CONSUMER_TENANT_ID, Microsoft
from tests._helpers import Client
from tests.oauth.conftest import Provider, follow_to_tessera, location, make_oauth_auth, query_of, start

REDIRECT = "http://127.0.0.1:3000/api/auth/callback/x"


async def _authorize_url(provider_id: str, **options: Any) -> dict[str, str]:
    provider = build_provider(provider_id, {"client_id": "cid", "client_secret": "sec", **options}, HttpxClient())
    assert isinstance(provider, OAuthProvider)
    await provider.prepare()
    nonce = "n" * 32 if provider.requires_id_token_nonce else None
    url = await provider.create_authorization_url(
        state="s" * 32, code_verifier="v" * 128, redirect_uri=REDIRECT, nonce=nonce
    )
    return {"_base": url.split("?")[0], **query_of(url)}


async def test_authorization_urls_of_built_in_providers() -> None:
    google = await _authorize_url("google", access_type="offline", prompt="consent", hd="example.com")
    assert google["_base"] == "https://accounts.google.com/o/oauth2/v2/auth"
    assert google["scope"] == "email profile openid" and google["include_granted_scopes"] == "true"
    assert google["access_type"] == "offline" and google["prompt"] == "consent" and google["hd"] == "example.com"
    assert google["nonce"] == "n" * 32 and google["code_challenge_method"] == "S256"

    github = await _authorize_url("github", scope=["repo"])
    assert github["_base"] == "https://github.com/login/oauth/authorize"
    assert github["scope"] == "read:user user:email repo" and "nonce" not in github

    apple = await _authorize_url("apple")
    assert apple["response_mode"] == "form_post" and apple["scope"] == "email name" and "nonce" in apple

    microsoft = await _authorize_url("microsoft", tenant_id="contoso.onmicrosoft.com")
    assert microsoft["_base"] == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
    assert microsoft["scope"] == "openid profile email User.Read offline_access"

    discord = await _authorize_url("discord", disable_default_scope=True, scope=["identify"])
    assert discord["_base"] == "https://discord.com/api/oauth2/authorize" and discord["scope"] == "identify"

    gitlab = await _authorize_url("gitlab", issuer="https://git.example.org/")
    assert gitlab["_base"] == "https://git.example.org/oauth/authorize" and gitlab["scope"] == "read_user"

    assert (await _authorize_url("linkedin"))["scope"] == "profile email openid"
    twitch = await _authorize_url("twitch")
    assert '"email_verified":null' in twitch["claims"] and "nonce" in twitch
    assert (await _authorize_url("slack"))["_base"] == "https://slack.com/openid/connect/authorize"
    assert (await _authorize_url("spotify"))["scope"] == "user-read-email"
    reddit = await _authorize_url("reddit")
    assert reddit["duration"] == "permanent"
    reddit_provider = build_provider("reddit", {"client_id": "cid", "client_secret": "sec"}, HttpxClient())
    assert reddit_provider is not None and reddit_provider.token_endpoint_auth == "client_secret_basic"


def test_microsoft_multi_tenant_issuers_follow_the_tenant() -> None:
    common = build_provider("microsoft", {"client_id": "cid"}, HttpxClient())
    assert isinstance(common, Microsoft)
    ok = {"tid": "t1", "iss": "https://login.microsoftonline.com/t1/v2.0"}
    assert common._issuer_ok(ok)
    assert not common._issuer_ok({"tid": "t1", "iss": "https://login.microsoftonline.com/t2/v2.0"})
    orgs = build_provider("microsoft", {"client_id": "cid", "tenant_id": "organizations"}, HttpxClient())
    assert isinstance(orgs, Microsoft)
    consumer = {"tid": CONSUMER_TENANT_ID, "iss": f"https://login.microsoftonline.com/{CONSUMER_TENANT_ID}/v2.0"}
    assert not orgs._issuer_ok(consumer)


async def test_a_built_in_module_against_the_real_provider(provider: Provider) -> None:
    """The Google module, its endpoints pointed at the OpenID provider: the declarative pieces (scopes,
    params, ID-token checks, claim mapping) run end to end."""
    provider.set_user("g-sub", email="g@example.com", email_verified=True, name="G", picture="https://img/g")
    endpoints = {
        "client_id": "google-client", "client_secret": "x", "issuer": provider.issuer,
        "authorization_endpoint": f"{provider.issuer}/oauth2/authorize",
        "token_endpoint": f"{provider.issuer}/oauth2/token",
        "userinfo_endpoint": f"{provider.issuer}/userinfo", "jwks_uri": f"{provider.issuer}/jwks",
    }
    auth = make_oauth_auth(provider, social_providers={"google": endpoints})
    browser = Client(auth)
    url = await start(browser, "google", callbackURL="/in")
    assert query_of(url)["include_granted_scopes"] == "true"
    r = await follow_to_tessera(browser, provider.consent(url, "g-sub"))
    assert location(r) == "/in"
    user = (await browser.get("/get-session")).json_body()["user"]
    assert (user["email"], user["name"], user["image"], user["emailVerified"]) == (
        "g@example.com", "G", "https://img/g", True,
    )
    # a hosted-domain restriction the token does not satisfy
    restricted = make_oauth_auth(provider, social_providers={"google": {**endpoints, "hd": "corp.example"}})
    browser = Client(restricted)
    url = await start(browser, "google", errorCallbackURL="/failed")
    r = await follow_to_tessera(browser, provider.consent(url, "g-sub"))
    assert location(r) == "/failed?error=unable_to_get_user_info"


def test_configuration_errors() -> None:
    http = HttpxClient()
    with pytest.raises(ConfigError, match="client_secrett"):
        build_provider("google", {"client_id": "a", "client_secrett": "typo"}, http)
    with pytest.raises(ConfigError, match="client_id is required"):
        build_provider("github", {"client_secret": "x"}, http)
    with pytest.raises(ConfigError, match="discovery_url"):
        build_provider("corp", {"client_id": "a"}, http)
    with pytest.raises(ConfigError, match="unsupported ID token algorithm"):
        build_provider("google", {"client_id": "a", "id_token_algorithms": ["HS256"]}, http)
    with pytest.raises(ConfigError, match="trusted_providerz"):
        build_runtime({}, {"trusted_providerz": ["google"]}, http=http)
    runtime = build_runtime({"google": {"client_id": "a", "enabled": False}, "github": {"client_id": "b"}}, None)
    assert list(runtime.providers) == ["github"]


def test_purpose_keys_match_better_auth() -> None:
    # derivePurposeKey("better-auth-secret-12345678901234567890", "oauth-state-cookie") in better-auth 1.7.24
    assert derive_purpose_key("better-auth-secret-12345678901234567890", "oauth-state-cookie") == (
        "a68c221bb4704a16b53ffdbf205fb86fc910cd5fdc4f59b572d157764a93a765"
    )
