"""Sign in with Apple (OpenID Connect): ``form_post`` callbacks, the name only in the first ``user`` payload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..provider import OAuthProvider, ProviderOptions, string_bool


@dataclass(frozen=True)
class AppleOptions(ProviderOptions):
    #: the iOS bundle id, accepted as an extra ID-token audience (native sign-in)
    app_bundle_identifier: str | None = None


class Apple(OAuthProvider):
    name: ClassVar[str] = "Apple"
    authorization_endpoint = "https://appleid.apple.com/auth/authorize"
    token_endpoint = "https://appleid.apple.com/auth/token"
    jwks_uri = "https://appleid.apple.com/auth/keys"
    issuer = "https://appleid.apple.com"
    default_scopes = ("email", "name")
    oidc = True
    options_class: ClassVar[type[ProviderOptions]] = AppleOptions

    def extra_authorization_params(self) -> dict[str, str]:
        # Apple returns the user's name and email only to a form_post callback
        return {"response_mode": "form_post"}

    @property
    def audiences(self) -> list[str]:
        options = self.options
        assert isinstance(options, AppleOptions)
        extra = [options.app_bundle_identifier] if options.app_bundle_identifier else []
        return [*options.audiences, *extra]

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        name = profile.get("name") or ""
        if isinstance(user, str):
            from ... import _json

            try:
                user = _json.loads(user)
            except _json.JSONDecodeError:
                user = None
        if isinstance(user, dict) and isinstance(user.get("name"), dict):
            first = user["name"].get("firstName") or ""
            last = user["name"].get("lastName") or ""
            name = f"{first} {last}".strip() or name
        return {
            "name": name,
            "email": profile.get("email"),
            "image": None,
            "emailVerified": string_bool(profile.get("email_verified")) or False,
        }
