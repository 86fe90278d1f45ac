"""VK ID (OAuth 2.1 with PKCE): ``device_id`` from the callback goes to the token request; the profile is
``POST /oauth2/user_info``. Without an email (from VK or ``map_profile_to_user``) there is no sign-in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..client import ProviderHTTPError
from ..provider import OAuth2Tokens, OAuthProvider, UserInfo, nested


class VK(OAuthProvider):
    name: ClassVar[str] = "VK"
    authorization_endpoint = "https://id.vk.com/authorize"
    token_endpoint = "https://id.vk.com/oauth2/auth"
    userinfo_endpoint = "https://id.vk.com/oauth2/user_info"
    default_scopes = ("email", "phone")

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        if not tokens.access_token:
            return None
        body = {"access_token": tokens.access_token, "client_id": self.options.primary_client_id}
        try:
            result = await self.http.post_form(self.userinfo_endpoint, body)
        except ProviderHTTPError:
            return None
        ok = result.ok and isinstance(nested(result.data, "user"), dict)
        return result.data if ok and isinstance(result.data, dict) else None

    async def to_user_info(self, profile: dict[str, Any], tokens: OAuth2Tokens | None, *, user: Any = None) -> UserInfo | None:
        info = await super().to_user_info(profile, tokens, user=user)
        return info if info is not None and info.email else None

    def account_subject(self, profile: Mapping[str, Any]) -> Any:
        return nested(profile, "user", "user_id")

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        data = profile.get("user") or {}
        return {
            "name": f"{data.get('first_name') or ''} {data.get('last_name') or ''}".strip(),
            "email": data.get("email"),
            "image": data.get("avatar"),
            "emailVerified": False,
        }
