"""Social sign-in: OAuth 2.0 / OpenID Connect providers, state, account linking and provider tokens."""

from .client import HTTPClient, HTTPResult, HttpxClient, ProviderHTTPError
from .provider import (
    OAuth2Tokens,
    OAuthProvider,
    OIDCProvider,
    ProviderError,
    ProviderOptions,
    ProviderUnavailable,
    UserInfo,
)
from .providers import BUILTIN_PROVIDERS
from .registry import AccountLinking, OAuthRuntime, build_provider, build_runtime

__all__ = [
    "BUILTIN_PROVIDERS",
    "AccountLinking",
    "HTTPClient",
    "HTTPResult",
    "HttpxClient",
    "OAuth2Tokens",
    "OAuthProvider",
    "OAuthRuntime",
    "OIDCProvider",
    "ProviderError",
    "ProviderHTTPError",
    "ProviderOptions",
    "ProviderUnavailable",
    "UserInfo",
    "build_provider",
    "build_runtime",
]
