"""TikTok Login Kit (OAuth 2.0, v2 API): ``client_key`` instead of ``client_id``, comma-separated scopes.

TikTok shares no email: the user gets a placeholder address (never verified, so never linked by email).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..provider import OAuthProvider, ProviderOptions, nested, placeholder_email


@dataclass(frozen=True)
class TikTokOptions(ProviderOptions):
    #: the app's client key, TikTok's client id (a ``client_id`` alone is taken as the key)
    client_key: str = ""
    #: TikTok's web Login Kit takes no PKCE challenge (Better Auth sends none)
    pkce: bool = False

    def __post_init__(self) -> None:
        if self.client_key:
            object.__setattr__(self, "client_id", self.client_key)
        else:
            object.__setattr__(self, "client_key", self.primary_client_id)


class TikTok(OAuthProvider):
    name: ClassVar[str] = "TikTok"
    authorization_endpoint = "https://www.tiktok.com/v2/auth/authorize"
    token_endpoint = "https://open.tiktokapis.com/v2/oauth/token/"
    userinfo_endpoint = "https://open.tiktokapis.com/v2/user/info/?fields=open_id,avatar_large_url,display_name,username"
    default_scopes = ("user.info.profile",)
    scope_joiner: ClassVar[str] = ","
    client_id_param: ClassVar[str] = "client_key"
    options_class: ClassVar[type[ProviderOptions]] = TikTokOptions

    def _client_auth(self, body: dict[str, str]) -> dict[str, str]:
        options = self.options
        assert isinstance(options, TikTokOptions)
        body["client_key"] = options.client_key
        body["client_secret"] = options.client_secret or ""
        return {}

    def account_subject(self, profile: Mapping[str, Any]) -> Any:
        return nested(profile, "data", "user", "open_id")

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        info = nested(profile, "data", "user") or {}
        return {
            "name": info.get("display_name") or info.get("username") or "",
            "email": info.get("email") or placeholder_email(info.get("open_id"), "tiktok"),
            "image": info.get("avatar_large_url"),
            "emailVerified": False,
        }
