"""Log in with PayPal (OAuth 2.0 with PKCE, client_secret_basic): the ``paypalv1.1`` userinfo.

``environment`` is ``"sandbox"`` unless set to ``"live"`` (Better Auth's default). When the token response
carries an ID token, the userinfo answer must name its subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from ..provider import OAuth2Tokens, OAuthProvider, ProviderOptions


@dataclass(frozen=True)
class PayPalOptions(ProviderOptions):
    environment: Literal["sandbox", "live"] = "sandbox"


class PayPal(OAuthProvider):
    name: ClassVar[str] = "PayPal"
    subject_key = "user_id"
    requires_client_secret = True
    default_token_endpoint_auth = "client_secret_basic"
    options_class: ClassVar[type[ProviderOptions]] = PayPalOptions

    def configure(self, options: ProviderOptions) -> None:
        assert isinstance(options, PayPalOptions)
        sandbox = ".sandbox" if options.environment == "sandbox" else ""
        self.authorization_endpoint = f"https://www{sandbox}.paypal.com/signin/authorize"
        self.token_endpoint = f"https://api-m{sandbox}.paypal.com/v1/oauth2/token"
        self.userinfo_endpoint = f"https://api-m{sandbox}.paypal.com/v1/identity/oauth2/userinfo?schema=paypalv1.1"

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        profile = await self.fetch_userinfo(tokens)
        if profile is None or not tokens.id_token:
            return profile
        claims = self.token_response_claims(tokens)
        subject = claims.get("sub") if claims else None
        if not subject or profile.get("sub", profile.get("user_id")) != subject:
            return None
        return profile

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {"name": profile.get("name"), "email": profile.get("email"), "image": profile.get("picture"),
                "emailVerified": profile.get("email_verified") is True}
