"""Paybin (OpenID Connect with PKCE, ``issuer`` for another instance): the profile is the token response's ID
token (``OAuthProvider.token_response_claims``), as in Better Auth; there is no userinfo call."""

from __future__ import annotations

from typing import Any, ClassVar

from ..provider import OAuth2Tokens, OAuthProvider, ProviderOptions


class Paybin(OAuthProvider):
    name: ClassVar[str] = "Paybin"
    default_scopes = ("openid", "email", "profile")
    subject_key = "sub"
    requires_client_secret = True

    def configure(self, options: ProviderOptions) -> None:
        base = (options.issuer or "https://idp.paybin.io").rstrip("/")
        self.authorization_endpoint = f"{base}/oauth2/authorize"
        self.token_endpoint = f"{base}/oauth2/token"

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        return self.token_response_claims(tokens)
