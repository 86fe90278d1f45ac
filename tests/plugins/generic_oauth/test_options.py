"""Each option of a generic OAuth provider, what it sends and what it refuses (memory backend)."""

from __future__ import annotations

from typing import Any

import pytest

from tessera import ConfigError
from tessera.plugins.generic_oauth import (
    GenericOAuthConfig,
    GenericOAuthErrorCodes,
    GenericOAuthPlugin,
    auth0,
    generic_oauth,
    keycloak,
    okta,
)
from tests._helpers import BASE, Client
from tests.oauth.conftest import Provider, follow_to_tessera, location, query_of, social_sign_in, start
from tests.plugins.generic_oauth.conftest import app, generic_config, plain_config, record


async def test_authorization_url_options(provider: Provider) -> None:
    auth = app([plain_config(
        provider, prompt="select_account consent", access_type="offline", response_mode="form_post",
        authorization_url_params={"audience": "api://corp", "state": "forged", "redirect_uri": "https://evil.example"},
        redirect_uri="https://app.example/cb",
    )])
    q = query_of(await start(Client(auth), "plain", additionalParams={"hd": "example.com"}))
    assert q["prompt"] == "select_account consent" and q["access_type"] == "offline"
    assert q["response_mode"] == "form_post" and q["audience"] == "api://corp" and q["hd"] == "example.com"
    # the flow's own parameters are never overridden by configuration
    assert q["state"] != "forged" and q["redirect_uri"] == "https://app.example/cb"


async def test_response_type_and_pkce_off(provider: Provider) -> None:
    auth = app([plain_config(provider, response_type="code id_token", pkce=False)])
    q = query_of(await start(Client(auth), "plain"))
    assert q["response_type"] == "code id_token"
    assert "code_challenge" not in q and "code_challenge_method" not in q


async def test_token_request_headers_params_and_client_authentication(provider: Provider) -> None:
    provider.set_user("o-ann", email="ann@example.com", email_verified=True)
    auth = app([plain_config(
        provider, authorization_headers={"x-tenant": "t1"},
        token_url_params={"audience": "api://corp", "code": "forged", "grant_type": "password"},
    )])
    recorder = record(auth, "plain")
    r = await social_sign_in(Client(auth), provider, "o-ann", provider_id="plain")
    assert r.status == 302 and "error" not in location(r)
    [(_, _, headers, form)] = recorder.token_requests()
    assert form is not None and headers["x-tenant"] == "t1" and "authorization" not in headers
    assert form["audience"] == "api://corp" and form["grant_type"] == "authorization_code" and form["code"] != "forged"
    # Better Auth's default: the secret in the body (client_secret_post), never picked from discovery
    assert form["client_id"] == "tessera-app" and form["client_secret"] == "s3cret" and form["code_verifier"]


async def test_discovery_provider_defaults_to_client_secret_post(provider: Provider) -> None:
    provider.set_user("o-ben", email="ben@example.com", email_verified=True)
    auth = app([generic_config(provider, discovery_headers={"x-client": "tessera"})])
    recorder = record(auth, "corp")
    r = await social_sign_in(Client(auth), provider, "o-ben", provider_id="corp")
    assert r.status == 302 and "error" not in location(r)
    discovery = [c for c in recorder.calls if c[1].endswith("/.well-known/openid-configuration")]
    assert discovery and discovery[0][2] == {"x-client": "tessera"}
    [(_, _, headers, form)] = recorder.token_requests()
    assert form is not None and form["client_secret"] == "s3cret" and "authorization" not in headers


async def test_missing_authorization_url_is_invalid_configuration(provider: Provider) -> None:
    auth = app([{"provider_id": "half", "client_id": "c", "token_url": f"{provider.issuer}/oauth2/token"}])
    r = await Client(auth).post("/sign-in/social", {"provider": "half", "callbackURL": "/x"})
    assert r.status == 400
    assert r.json_body() == {"message": "Invalid OAuth configuration", "code": "INVALID_OAUTH_CONFIGURATION"}
    assert await auth.adapter.count("verification") == 0  # refused before any state was written


async def test_missing_token_url_fails_the_callback(provider: Provider) -> None:
    provider.set_user("o-cy", email="cy@example.com", email_verified=True)
    auth = app([{"provider_id": "notoken", "client_id": "tessera-app", "scopes": ["openid"],
                 "authorization_url": f"{provider.issuer}/oauth2/authorize"}])
    r = await social_sign_in(Client(auth), provider, "o-cy", provider_id="notoken")
    assert query_of(location(r))["error"] == "invalid_code"
    assert await auth.adapter.count("user") == 0


async def test_get_token_replaces_the_code_exchange(provider: Provider) -> None:
    provider.set_user("o-dee", email="dee@example.com", email_verified=True)
    received: list[dict[str, Any]] = []

    async def get_token(data: dict[str, Any]) -> dict[str, Any]:
        received.append(data)
        return {"access_token": "custom-at", "token_type": "Bearer", "scope": "read"}

    async def get_user_info(tokens: Any) -> dict[str, Any]:
        assert tokens.access_token == "custom-at"
        return {"id": "dee-1", "email": "dee@example.com", "emailVerified": True, "name": "Dee"}

    auth = app([plain_config(provider, token_url=None, get_token=get_token, get_user_info=get_user_info,
                             access_token_expires_in=600)])
    r = await social_sign_in(Client(auth), provider, "o-dee", provider_id="plain")
    assert r.status == 302 and "error" not in location(r), location(r)
    assert received[0]["redirectURI"] == f"{BASE}/api/auth/callback/plain" and received[0]["codeVerifier"]
    [account] = await auth.adapter.find_many("account")
    assert account["accessToken"] == "custom-at" and account["accountId"] == "dee-1"
    assert account["accessTokenExpiresAt"] is not None  # the configured fallback lifetime


async def test_failing_get_token_is_invalid_code(provider: Provider) -> None:
    provider.set_user("o-eve", email="eve@example.com", email_verified=True)

    def get_token(data: dict[str, Any]) -> Any:
        raise RuntimeError("provider down")

    auth = app([plain_config(provider, get_token=get_token)])
    r = await social_sign_in(Client(auth), provider, "o-eve", provider_id="plain")
    assert query_of(location(r))["error"] == "invalid_code"


async def test_a_profile_of_another_subject_than_the_id_token_is_refused(provider: Provider) -> None:
    provider.set_user("o-fin", email="fin@example.com", email_verified=True)

    def get_user_info(tokens: Any) -> dict[str, Any]:
        return {"sub": "someone-else", "email": "fin@example.com", "emailVerified": True}

    auth = app([generic_config(provider, get_user_info=get_user_info)])
    r = await social_sign_in(Client(auth), provider, "o-fin", provider_id="corp")
    assert query_of(location(r))["error"] == "unable_to_get_user_info"
    assert await auth.adapter.count("user") == 0


async def test_nonce_binding_can_be_disabled(provider: Provider) -> None:
    provider.set_user("o-gil", email="gil@example.com", email_verified=True)
    auth = app([generic_config(provider, disable_id_token_nonce_binding=True)])
    browser = Client(auth)
    url = await start(browser, "corp")
    assert "nonce" not in query_of(url)
    done = await follow_to_tessera(browser, provider.consent(url, "o-gil"))
    assert done.status == 302 and "error" not in location(done)


async def test_require_id_token_verification_with_discovery(provider: Provider) -> None:
    provider.set_user("o-hana", email="hana@example.com", email_verified=True)
    auth = app([generic_config(provider, require_id_token_verification=True)])
    r = await social_sign_in(Client(auth), provider, "o-hana", provider_id="corp")
    assert r.status == 302 and "error" not in location(r)


async def test_unreachable_discovery_answers_provider_unavailable(dead_port: int) -> None:
    auth = app([{"provider_id": "down", "client_id": "c",
                 "discovery_url": f"http://127.0.0.1:{dead_port}/.well-known/openid-configuration"}])
    r = await Client(auth).post("/sign-in/social", {"provider": "down"})
    assert r.status == 502 and r.json_body()["code"] == "PROVIDER_UNAVAILABLE"
    assert await auth.adapter.count("verification") == 0


async def test_id_token_sign_in(provider: Provider) -> None:
    provider.set_user("o-ivy", email="ivy@example.com", email_verified=True, name="Ivy")
    auth = app([generic_config(provider), plain_config(provider)])
    tokens = provider.token_for("tessera-app", "o-ivy", nonce="n-1")
    r = await Client(auth).post(
        "/sign-in/social", {"provider": "corp", "idToken": {"token": tokens["id_token"], "nonce": "n-1"}}
    )
    assert r.status == 200, r.body
    assert r.json_body()["redirect"] is False and r.json_body()["user"]["email"] == "ivy@example.com"
    # without discovery there is no key set: ID tokens cannot be checked, so they are not accepted
    r = await Client(auth).post("/sign-in/social", {"provider": "plain", "idToken": {"token": tokens["id_token"]}})
    assert r.status == 404 and r.json_body()["code"] == "ID_TOKEN_NOT_SUPPORTED"
    forged = tokens["id_token"][:-4] + ("AAAA" if not tokens["id_token"].endswith("AAAA") else "BBBB")
    r = await Client(auth).post("/sign-in/social", {"provider": "corp", "idToken": {"token": forged}})
    assert r.status == 401 and r.json_body()["code"] == "INVALID_TOKEN"


def test_error_codes_are_published() -> None:
    auth = app([{"provider_id": "x", "client_id": "c", "authorization_url": "https://idp.example/a"}])
    assert auth.error_codes["INVALID_OAUTH_CONFIGURATION"] == "Invalid OAuth configuration"
    assert auth.error_codes["TOKEN_URL_NOT_FOUND"] == GenericOAuthErrorCodes.TOKEN_URL_NOT_FOUND.message
    assert GenericOAuthErrorCodes.TOKEN_URL_NOT_FOUND.message == "Invalid OAuth configuration. Token URL not found."


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"provider_id": "a", "client_id": "c", "client_secret": "s", "token_endpoint_auth": "none"},
         "cannot be combined with client_secret"),
        ({"provider_id": "a", "client_id": "c", "token_endpoint_auth": "client_secret_basic"}, "requires client_secret"),
        ({"provider_id": "a", "client_id": "c", "token_endpoint_auth": {"method": "private_key_jwt"}}, "not supported"),
        ({"provider_id": "a", "client_id": "c", "authentication": "basic"}, 'authentication "basic" requires'),
        ({"provider_id": "a", "client_id": "c", "require_id_token_verification": True}, "needs discovery_url"),
        ({"provider_id": "a", "client_id": "c", "prompt": "always"}, "prompt must be one of"),
        ({"provider_id": "a", "client_id": ""}, "client_id is required"),
        ({"provider_id": "", "client_id": "c"}, "provider_id"),
        ({"provider_id": "a"}, "client_id"),
        ({"provider_id": "a", "client_id": "c", "scopes": "openid"}, "scopes must be a list"),
        ({"provider_id": "a", "client_id": "c", "token_url_params": {"a": 1}}, "must map strings to strings"),
        ({"provider_id": "a", "client_id": "c", "get_user_info": "nope"}, "must be a function"),
        ({"provider_id": "a", "client_id": "c", "clientId": "c"}, "unknown option"),
    ],
)
def test_configuration_errors(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        generic_oauth(config=[entry])


def test_one_id_one_provider() -> None:
    entry = {"provider_id": "a", "client_id": "c", "authorization_url": "https://idp.example/a"}
    with pytest.raises(ConfigError, match="two providers have the id 'a'"):
        generic_oauth(config=[entry, entry])
    with pytest.raises(ConfigError, match="also configured in social_providers"):
        app([{**entry, "provider_id": "github"}], social_providers={"github": {"client_id": "x", "client_secret": "y"}})
    with pytest.raises(ConfigError, match="must be a list"):
        generic_oauth(config=entry)  # type: ignore[arg-type]


def test_presets() -> None:
    c = keycloak(issuer="https://id.example/realms/main/", client_id="c", client_secret="s", disable_sign_up=True)
    assert isinstance(c, GenericOAuthConfig) and c.provider_id == "keycloak" and c.disable_sign_up
    assert c.discovery_url == "https://id.example/realms/main/.well-known/openid-configuration"
    assert c.scopes == ("openid", "profile", "email")
    assert auth0(domain="https://dev-1.eu.auth0.com/x", client_id="c").discovery_url == (
        "https://dev-1.eu.auth0.com/.well-known/openid-configuration"
    )
    assert auth0(domain="dev-1.eu.auth0.com", client_id="c", scopes=["openid"]).scopes == ("openid",)
    assert okta(issuer="https://dev.okta.com/oauth2/default", client_id="c").provider_id == "okta"
    with pytest.raises(TypeError):
        okta(issuer="https://dev.okta.com", client_id="c", tenant="x")
    # the presets go straight into the plugin
    assert app([keycloak(issuer="https://id.example/realms/main", client_id="c")]).plugin("generic-oauth")


async def test_a_failing_get_user_info_fails_the_sign_in(provider: Provider, caplog: pytest.LogCaptureFixture) -> None:
    provider.set_user("o-jo", email="jo@example.com", email_verified=True)

    async def get_user_info(tokens: Any) -> dict[str, Any]:
        raise ConnectionError("profile API down")

    auth = app([plain_config(provider, get_user_info=get_user_info)])
    r = await social_sign_in(Client(auth), provider, "o-jo", provider_id="plain")
    assert query_of(location(r))["error"] == "unable_to_get_user_info"
    assert await auth.adapter.count("user") == 0
    assert "get_user_info failed" in caplog.text and "s3cret" not in caplog.text


async def test_a_relative_jwks_uri_is_resolved_against_the_discovery_url(provider: Provider) -> None:
    provider.set_user("o-kim", email="kim@example.com", email_verified=True)
    auth = app([generic_config(provider)])
    recorder = record(auth, "corp")
    inner_get = recorder.get

    async def relative_jwks(url: str, headers: Any = None) -> Any:
        answer = await inner_get(url, headers)
        if url.endswith("/.well-known/openid-configuration"):
            answer.data["jwks_uri"] = "/jwks"
        return answer

    recorder.get = relative_jwks  # type: ignore[method-assign]
    r = await social_sign_in(Client(auth), provider, "o-kim", provider_id="corp")
    assert r.status == 302 and "error" not in location(r), location(r)
    target = auth.plugin(GenericOAuthPlugin).providers["corp"]
    assert target.jwks is not None and target.jwks.url == f"{provider.issuer}/jwks"
