"""Microsoft Entra ID (OpenID Connect, v2.0 endpoints); multi-tenant issuers checked against ``tid``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ...jwt import InvalidClaim
from ..provider import OAuthProvider, ProviderOptions, string_bool

CONSUMER_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
_MULTI_TENANT = ("common", "organizations", "consumers")


@dataclass(frozen=True)
class MicrosoftOptions(ProviderOptions):
    tenant_id: str = "common"
    authority: str = "https://login.microsoftonline.com"


class Microsoft(OAuthProvider):
    name: ClassVar[str] = "Microsoft EntraID"
    default_scopes = ("openid", "profile", "email", "User.Read", "offline_access")
    oidc = True
    id_token_max_age: ClassVar[int | None] = 3600
    options_class: ClassVar[type[ProviderOptions]] = MicrosoftOptions

    def configure(self, options: ProviderOptions) -> None:
        assert isinstance(options, MicrosoftOptions)
        authority = options.authority.rstrip("/")
        tenant = options.tenant_id
        self.authority, self.tenant = authority, tenant
        self.authorization_endpoint = f"{authority}/{tenant}/oauth2/v2.0/authorize"
        self.token_endpoint = f"{authority}/{tenant}/oauth2/v2.0/token"
        self.jwks_uri = f"{authority}/{tenant}/discovery/v2.0/keys"
        self.issuer = self._issuer_ok if tenant in _MULTI_TENANT else f"{authority}/{tenant}/v2.0"

    def _issuer_ok(self, claims: Mapping[str, Any]) -> bool:
        tid = claims.get("tid")
        if not isinstance(tid, str) or claims.get("iss") != f"{self.authority}/{tid}/v2.0":
            return False
        if self.tenant == "organizations" and tid == CONSUMER_TENANT_ID:
            return False
        return not (self.tenant == "consumers" and tid != CONSUMER_TENANT_ID)

    def check_claims(self, claims: Mapping[str, Any]) -> None:
        if not isinstance(claims.get("oid"), str) or not claims["oid"].strip():
            raise InvalidClaim("no oid claim")

    def account_subject(self, profile: Mapping[str, Any]) -> Any:
        return profile.get("oid")

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        email = profile.get("email")
        if "email_verified" in profile:
            verified = string_bool(profile.get("email_verified")) or False
        else:
            verified = bool(email) and (
                email in (profile.get("verified_primary_email") or ())
                or email in (profile.get("verified_secondary_email") or ())
            )
        return {"name": profile.get("name"), "email": email, "image": profile.get("picture"), "emailVerified": verified}

