"""Google (OpenID Connect): ID tokens verified against Google's keys; optional hosted-domain restriction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ...jwt import InvalidClaim
from ..provider import OAuthProvider, ProviderOptions


@dataclass(frozen=True)
class GoogleOptions(ProviderOptions):
    #: Google Workspace domain users must belong to (``"*"``: any Workspace domain)
    hd: str | None = None
    display: str | None = None
    include_granted_scopes: bool = True


class Google(OAuthProvider):
    name: ClassVar[str] = "Google"
    authorization_endpoint = "https://accounts.google.com/o/oauth2/v2/auth"
    token_endpoint = "https://oauth2.googleapis.com/token"
    userinfo_endpoint = "https://openidconnect.googleapis.com/v1/userinfo"
    jwks_uri = "https://www.googleapis.com/oauth2/v3/certs"
    issuer = ("https://accounts.google.com", "accounts.google.com")
    default_scopes = ("email", "profile", "openid")
    oidc = True
    id_token_max_age: ClassVar[int | None] = 3600
    options_class: ClassVar[type[ProviderOptions]] = GoogleOptions

    def extra_authorization_params(self) -> dict[str, str]:
        options = self.options
        assert isinstance(options, GoogleOptions)
        params: dict[str, str] = {}
        if options.hd:
            params["hd"] = options.hd
        if options.display:
            params["display"] = options.display
        if options.include_granted_scopes:
            params["include_granted_scopes"] = "true"
        return params

    def check_claims(self, claims: Mapping[str, Any]) -> None:
        options = self.options
        assert isinstance(options, GoogleOptions)
        if options.hd:
            hd = claims.get("hd")
            if not isinstance(hd, str) or not hd or (options.hd != "*" and hd != options.hd):
                raise InvalidClaim("hosted domain not allowed")
