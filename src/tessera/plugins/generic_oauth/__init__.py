"""The generic OAuth plugin (Better Auth's ``genericOAuth()``): any OAuth 2.0 / OpenID Connect provider,
registered as a social provider::

    from tessera.plugins.generic_oauth import generic_oauth, keycloak

    auth = Tessera(..., plugins=[generic_oauth(config=[
        {"provider_id": "corp", "discovery_url": "https://idp.example/.well-known/openid-configuration",
         "client_id": "...", "client_secret": "..."},
        keycloak(issuer="https://id.example/realms/main", client_id="...", client_secret="..."),
    ])])

As in Better Auth 1.7, the plugin has no endpoints of its own: a configured provider is used through the core's
``POST /sign-in/social`` (``{"provider": "corp"}``), ``GET|POST /callback/corp`` and ``POST /link-social``,
and its tokens through ``/get-access-token``, ``/refresh-token`` and ``/account-info``. See
docs/generic-oauth.md.
"""

from __future__ import annotations

from typing import Any

from ...context import AuthContext
from ...errors import ConfigError
from ...oauth.linking import runtime
from ..base import ContextPlugin, plugin_from_options
from .config import GenericOAuthConfig, GenericOAuthOptions, ProfileRequest
from .errors import GenericOAuthErrorCodes
from .presets import auth0, gumroad, hubspot, keycloak, okta, patreon, slack, yandex
from .provider import GenericOAuthProvider

__all__ = [
    "GenericOAuthConfig",
    "GenericOAuthErrorCodes",
    "GenericOAuthOptions",
    "GenericOAuthPlugin",
    "GenericOAuthProvider",
    "ProfileRequest",
    "auth0",
    "generic_oauth",
    "gumroad",
    "hubspot",
    "keycloak",
    "okta",
    "patreon",
    "slack",
    "yandex",
]


class GenericOAuthPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(GenericOAuthPlugin).providers`` are its configured providers."""

    options: GenericOAuthOptions

    def __init__(self, options: GenericOAuthOptions) -> None:
        self.configs = options.providers()  # a malformed configuration fails here, when the plugin is made
        super().__init__(id="generic-oauth", error_codes=GenericOAuthErrorCodes, init=self._register, options=options)
        self.providers: dict[str, GenericOAuthProvider] = {}

    def _register(self, context: AuthContext) -> None:
        self._init(context)
        oauth = runtime(context)
        for config in self.configs:
            if config.provider_id in oauth.providers:
                # Better Auth lets the generic one shadow it with a warning; one id must mean one provider
                raise ConfigError(
                    f"generic_oauth: provider {config.provider_id!r} is also configured in social_providers"
                )
            provider = GenericOAuthProvider(config, oauth.http, clock=context.clock)
            oauth.providers[provider.id] = provider
            self.providers[provider.id] = provider


def generic_oauth(options: GenericOAuthOptions | None = None, /, **kwargs: Any) -> GenericOAuthPlugin:
    """Better Auth's ``genericOAuth()`` plugin: ``generic_oauth(config=[{...}, keycloak(...)])``."""
    return plugin_from_options("generic_oauth", GenericOAuthPlugin, GenericOAuthOptions, options, kwargs)
