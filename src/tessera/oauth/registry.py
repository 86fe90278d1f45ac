"""The social-provider registry and account-linking policy, compiled once when ``Tessera`` is built.

``social_providers`` maps a provider id to its options::

    Tessera(social_providers={
        "google": {"client_id": "...", "client_secret": "..."},          # a built-in provider
        "corp": {"discovery_url": "https://idp.example/.well-known/openid-configuration",
                 "client_id": "...", "client_secret": "..."},             # any other id: generic OIDC
        "custom": MyProvider("custom", options, http),                    # or a ready provider object
    })

An id that is not a built-in provider is a generic OpenID Connect / OAuth 2.0 provider and needs a
``discovery_url`` or explicit endpoints. ``{"enabled": False}`` leaves a provider out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config import coerce
from ..db.schema import utcnow
from ..errors import ConfigError
from .client import HTTPClient, HttpxClient
from .provider import OAuthProvider, OIDCProvider, ProviderOptions
from .providers import BUILTIN_PROVIDERS


@dataclass(frozen=True)
class AccountLinking:
    """``account.account_linking``: when a provider identity may attach to an existing user."""

    enabled: bool = True
    #: providers whose identities may link without the provider vouching for the email
    trusted_providers: Sequence[str] = ()
    #: ``/link-social`` may attach an identity whose email differs from the user's
    allow_different_emails: bool = False
    #: ``/unlink-account`` may remove the last account
    allow_unlinking_all: bool = False
    #: copy name/image from a newly linked provider profile
    update_user_info_on_link: bool = False
    #: never link on sign-in by matching emails; only ``/link-social`` links
    disable_implicit_linking: bool = False

    def trusts(self, provider_id: str) -> bool:
        return provider_id in self.trusted_providers


@dataclass
class OAuthRuntime:
    """What the OAuth endpoints share: the providers, the linking policy, the HTTP client."""

    providers: dict[str, OAuthProvider]
    linking: AccountLinking
    http: HTTPClient

    def get(self, provider_id: str) -> OAuthProvider | None:
        return self.providers.get(provider_id)


def build_provider(
    provider_id: str, config: Any, http: HTTPClient, clock: Callable[[], datetime] = utcnow
) -> OAuthProvider | None:
    if isinstance(config, OAuthProvider):
        return config
    cls = BUILTIN_PROVIDERS.get(provider_id, OIDCProvider)
    if isinstance(config, ProviderOptions) and not isinstance(config, cls.options_class):
        raise ConfigError(f"social_providers.{provider_id}: expected {cls.options_class.__name__}")
    options = coerce(cls.options_class, config, f"social_providers.{provider_id}")
    if not options.enabled:
        return None
    if not options.primary_client_id:
        raise ConfigError(f"social_providers.{provider_id}: client_id is required")
    return cls(provider_id, options, http, clock=clock)


def build_runtime(
    social_providers: Mapping[str, Any] | None,
    account_linking: Mapping[str, Any] | AccountLinking | None,
    *,
    http: HTTPClient | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> OAuthRuntime:
    client = http or HttpxClient()
    providers: dict[str, OAuthProvider] = {}
    for provider_id, config in (social_providers or {}).items():
        provider = build_provider(provider_id, config, client, clock)
        if provider is not None:
            providers[provider.id] = provider
    linking = coerce(AccountLinking, account_linking, "account.account_linking")
    if isinstance(linking.trusted_providers, str):
        raise ConfigError("account.account_linking.trusted_providers must be a list of provider ids")
    return OAuthRuntime(providers, linking, client)
