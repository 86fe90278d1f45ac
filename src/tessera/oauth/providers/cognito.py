"""Amazon Cognito user pools (OpenID Connect): the hosted-UI ``domain``, ID tokens from the pool's keys."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ...errors import ConfigError
from ..provider import OAuthProvider, ProviderOptions, string_bool


@dataclass(frozen=True)
class CognitoOptions(ProviderOptions):
    #: the hosted UI domain (``auth.example.com`` or ``<prefix>.auth.<region>.amazoncognito.com``)
    domain: str = ""
    region: str = ""
    user_pool_id: str = ""
    #: sends the user straight to a federated identity provider (``identity_provider``)
    identity_provider: str | None = None
    #: refuse to build without ``client_secret`` (an app client with a secret)
    require_client_secret: bool = False


class Cognito(OAuthProvider):
    name: ClassVar[str] = "Cognito"
    default_scopes = ("openid", "profile", "email")
    oidc = True
    id_token_max_age: ClassVar[int | None] = 3600
    options_class: ClassVar[type[ProviderOptions]] = CognitoOptions

    def configure(self, options: ProviderOptions) -> None:
        assert isinstance(options, CognitoOptions)
        if not (options.domain and options.region and options.user_pool_id):
            raise ConfigError(f"social_providers.{self.id}: Cognito needs domain, region and user_pool_id")
        if options.require_client_secret and not options.client_secret:
            raise ConfigError(f"social_providers.{self.id}: require_client_secret is set without client_secret")
        domain = re.sub(r"^https?://", "", options.domain).rstrip("/")
        self.authorization_endpoint = f"https://{domain}/oauth2/authorize"
        self.token_endpoint = f"https://{domain}/oauth2/token"
        self.userinfo_endpoint = f"https://{domain}/oauth2/userinfo"
        self.issuer = f"https://cognito-idp.{options.region}.amazonaws.com/{options.user_pool_id}"
        self.jwks_uri = f"{self.issuer}/.well-known/jwks.json"

    def extra_authorization_params(self) -> dict[str, str]:
        options = self.options
        assert isinstance(options, CognitoOptions)
        return {"identity_provider": options.identity_provider} if options.identity_provider else {}

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {
            "name": profile.get("name") or profile.get("given_name") or profile.get("username")
            or profile.get("cognito:username") or "",
            "email": profile.get("email"),
            "image": profile.get("picture"),
            "emailVerified": string_bool(profile.get("email_verified")) or False,
        }
