"""Salesforce (OAuth 2.0 with PKCE): production, sandbox or a My Domain ``login_url``; its userinfo endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from ..provider import OAuthProvider, ProviderOptions, nested


@dataclass(frozen=True)
class SalesforceOptions(ProviderOptions):
    environment: Literal["production", "sandbox"] = "production"
    #: a My Domain host (``mycompany.my.salesforce.com``), used instead of the environment's login host
    login_url: str | None = None


class Salesforce(OAuthProvider):
    name: ClassVar[str] = "Salesforce"
    default_scopes = ("openid", "email", "profile")
    subject_key = "user_id"
    requires_client_secret = True
    options_class: ClassVar[type[ProviderOptions]] = SalesforceOptions

    def configure(self, options: ProviderOptions) -> None:
        assert isinstance(options, SalesforceOptions)
        host = options.login_url or ("test.salesforce.com" if options.environment == "sandbox" else "login.salesforce.com")
        base = f"https://{host}/services/oauth2"
        self.authorization_endpoint = f"{base}/authorize"
        self.token_endpoint = f"{base}/token"
        self.userinfo_endpoint = f"{base}/userinfo"

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {
            "name": profile.get("name"),
            "email": profile.get("email"),
            "image": nested(profile, "photos", "picture") or nested(profile, "photos", "thumbnail"),
            "emailVerified": profile.get("email_verified") is True,
        }
