"""Ready configurations for common identity providers, Better Auth's generic-oauth helpers in snake_case::

    generic_oauth(config=[keycloak(issuer="https://id.example/realms/main", client_id="...", client_secret="...")])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from ...oauth.provider import OAuth2Tokens, nested
from .config import GenericOAuthConfig, ProfileRequest

_OIDC_SCOPES = ("openid", "profile", "email")
#: the options every helper passes through (Better Auth's ``BaseOAuthProviderOptions``)
_PASSED = ("token_endpoint_auth", "redirect_uri", "pkce", "disable_implicit_sign_up", "disable_sign_up",
           "override_user_info", "end_session_endpoint", "post_logout_redirect_uri", "disable_provider_logout")


def _preset(provider_id: str, discovery_url: str | None, client_id: str, client_secret: str | None,
            scopes: Sequence[str] | None, options: dict[str, Any], *, default_scopes: Sequence[str] = _OIDC_SCOPES,
            **fixed: Any) -> GenericOAuthConfig:
    unknown = set(options) - set(_PASSED)
    if unknown:
        raise TypeError(f"{provider_id}(): unexpected option(s) {', '.join(sorted(unknown))}")
    return GenericOAuthConfig(
        provider_id=provider_id, discovery_url=discovery_url, client_id=client_id, client_secret=client_secret,
        scopes=tuple(scopes if scopes is not None else default_scopes), **fixed, **options,
    )


def _by_id(*, tokens: OAuth2Tokens, profile: dict[str, Any]) -> Any:
    return profile.get("id")


def auth0(*, domain: str, client_id: str, client_secret: str | None = None, scopes: Sequence[str] | None = None,
          **options: Any) -> GenericOAuthConfig:
    """Auth0: ``domain`` is the tenant's (``dev-xxx.eu.auth0.com``, with or without ``https://``)."""
    host = urlsplit(domain if domain.startswith(("http://", "https://")) else f"https://{domain}").netloc
    return _preset("auth0", f"https://{host}/.well-known/openid-configuration", client_id, client_secret, scopes,
                   options)


def keycloak(*, issuer: str, client_id: str, client_secret: str | None = None, scopes: Sequence[str] | None = None,
             **options: Any) -> GenericOAuthConfig:
    """Keycloak: ``issuer`` includes the realm (``https://id.example/realms/main``)."""
    return _preset("keycloak", f"{issuer.rstrip('/')}/.well-known/openid-configuration", client_id, client_secret,
                   scopes, options)


def okta(*, issuer: str, client_id: str, client_secret: str | None = None, scopes: Sequence[str] | None = None,
         **options: Any) -> GenericOAuthConfig:
    """Okta: ``issuer`` is the authorization server (``https://dev-xxx.okta.com/oauth2/default``)."""
    return _preset("okta", f"{issuer.rstrip('/')}/.well-known/openid-configuration", client_id, client_secret,
                   scopes, options)


# -- providers without OpenID Connect: a profile API each (Better Auth's mappings) ------------------------


def _gumroad_profile(data: dict[str, Any]) -> dict[str, Any] | None:
    user = data.get("user")
    if not data.get("success") or not isinstance(user, dict):
        return None
    return {"id": user.get("user_id"), "name": user.get("name"), "email": user.get("email"),
            "image": user.get("profile_url"), "emailVerified": False}


def gumroad(*, client_id: str, client_secret: str | None = None, scopes: Sequence[str] | None = None,
            **options: Any) -> GenericOAuthConfig:
    """Gumroad (scope ``view_profile``); the email is never taken as verified."""
    return _preset(
        "gumroad", None, client_id, client_secret, scopes, options, default_scopes=("view_profile",),
        authorization_url="https://gumroad.com/oauth/authorize", token_url="https://api.gumroad.com/oauth/token",
        profile_request=ProfileRequest("https://api.gumroad.com/v2/user", _gumroad_profile), account_subject=_by_id,
    )


def _hubspot_url(tokens: OAuth2Tokens) -> str:
    return f"https://api.hubapi.com/oauth/v1/access-tokens/{quote(tokens.access_token or '', safe='')}"


def _hubspot_profile(data: dict[str, Any]) -> dict[str, Any] | None:
    user_id = data.get("user_id") or nested(data, "signed_access_token", "userId")
    if not user_id:
        return None
    return {"id": user_id, "name": data.get("user"), "email": data.get("user"), "emailVerified": False}


def hubspot(*, client_id: str, client_secret: str | None = None, scopes: Sequence[str] | None = None,
            **options: Any) -> GenericOAuthConfig:
    """HubSpot (scope ``oauth``): the token's own metadata names the user; the email is never taken as verified."""
    return _preset(
        "hubspot", None, client_id, client_secret, scopes, options, default_scopes=("oauth",),
        authorization_url="https://app.hubspot.com/oauth/authorize", token_url="https://api.hubapi.com/oauth/v1/token",
        authentication="post", profile_request=ProfileRequest(_hubspot_url, _hubspot_profile, scheme=None),
        account_subject=_by_id,
    )


def _patreon_profile(data: dict[str, Any]) -> dict[str, Any] | None:
    user = data["data"]
    attributes = user["attributes"]
    return {"id": user.get("id"), "name": attributes.get("full_name"), "email": attributes.get("email"),
            "image": attributes.get("image_url"), "emailVerified": attributes.get("is_email_verified")}


def patreon(*, client_id: str, client_secret: str | None = None, scopes: Sequence[str] | None = None,
            **options: Any) -> GenericOAuthConfig:
    """Patreon (scope ``identity[email]``)."""
    url = "https://www.patreon.com/api/oauth2/v2/identity?fields[user]=email,full_name,image_url,is_email_verified"
    return _preset(
        "patreon", None, client_id, client_secret, scopes, options, default_scopes=("identity[email]",),
        authorization_url="https://www.patreon.com/oauth2/authorize",
        token_url="https://www.patreon.com/api/oauth2/token",
        profile_request=ProfileRequest(url, _patreon_profile), account_subject=_by_id,
    )


def _slack_profile(data: dict[str, Any]) -> dict[str, Any] | None:
    return {"sub": data.get("sub"), "name": data.get("name"), "email": data.get("email"),
            "image": data.get("picture") or data.get("https://slack.com/user_image_512"),
            "emailVerified": data.get("email_verified", False)}


def _by_sub(*, tokens: OAuth2Tokens, profile: dict[str, Any]) -> Any:
    return profile.get("sub")


def slack(*, client_id: str, client_secret: str | None = None, scopes: Sequence[str] | None = None,
          **options: Any) -> GenericOAuthConfig:
    """Slack's "Sign in with Slack" (OpenID Connect endpoints, profile from its userinfo)."""
    userinfo = "https://slack.com/api/openid.connect.userInfo"
    return _preset(
        "slack", None, client_id, client_secret, scopes, options,
        authorization_url="https://slack.com/openid/connect/authorize",
        token_url="https://slack.com/api/openid.connect.token", user_info_url=userinfo,
        profile_request=ProfileRequest(userinfo, _slack_profile), account_subject=_by_sub,
    )


def _yandex_profile(data: dict[str, Any]) -> dict[str, Any] | None:
    emails = data.get("emails")
    email = data.get("default_email") or (emails[0] if isinstance(emails, list) and emails else None)
    if not email:
        return None
    avatar = data.get("default_avatar_id")
    return {
        "id": data.get("id"),
        "name": data.get("display_name") or data.get("real_name") or data.get("first_name") or data.get("login"),
        "email": email,
        "emailVerified": False,
        "image": f"https://avatars.yandex.net/get-yapic/{avatar}/islands-200"
        if avatar and not data.get("is_avatar_empty") else None,
    }


def yandex(*, client_id: str, client_secret: str | None = None, scopes: Sequence[str] | None = None,
           **options: Any) -> GenericOAuthConfig:
    """Yandex ID (scopes ``login:info login:email login:avatar``); the email is never taken as verified."""
    return _preset(
        "yandex", None, client_id, client_secret, scopes, options,
        default_scopes=("login:info", "login:email", "login:avatar"),
        authorization_url="https://oauth.yandex.com/authorize", token_url="https://oauth.yandex.com/token",
        profile_request=ProfileRequest("https://login.yandex.ru/info?format=json", _yandex_profile, scheme="OAuth"),
        account_subject=_by_id,
    )
