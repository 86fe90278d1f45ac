"""Ready configurations for common identity providers, Better Auth's generic-oauth helpers in snake_case::

    generic_oauth(config=[keycloak(issuer="https://id.example/realms/main", client_id="...", client_secret="...")])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from .config import GenericOAuthConfig

_OIDC_SCOPES = ("openid", "profile", "email")
#: the options every helper passes through (Better Auth's ``BaseOAuthProviderOptions``)
_PASSED = ("token_endpoint_auth", "redirect_uri", "pkce", "disable_implicit_sign_up", "disable_sign_up",
           "override_user_info")


def _preset(provider_id: str, discovery_url: str, client_id: str, client_secret: str | None,
            scopes: Sequence[str] | None, options: dict[str, Any]) -> GenericOAuthConfig:
    unknown = set(options) - set(_PASSED)
    if unknown:
        raise TypeError(f"{provider_id}(): unexpected option(s) {', '.join(sorted(unknown))}")
    return GenericOAuthConfig(
        provider_id=provider_id, discovery_url=discovery_url, client_id=client_id, client_secret=client_secret,
        scopes=tuple(scopes if scopes is not None else _OIDC_SCOPES), **options,
    )


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
