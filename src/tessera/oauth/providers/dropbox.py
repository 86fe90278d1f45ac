"""Dropbox (OAuth 2.0 with PKCE): ``users/get_current_account``; ``access_type`` is ``token_access_type``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuth2Tokens, OAuthProvider, nested


class Dropbox(OAuthProvider):
    name: ClassVar[str] = "Dropbox"
    authorization_endpoint = "https://www.dropbox.com/oauth2/authorize"
    token_endpoint = "https://api.dropboxapi.com/oauth2/token"
    userinfo_endpoint = "https://api.dropboxapi.com/2/users/get_current_account"
    default_scopes = ("account_info.read",)
    subject_key = "account_id"
    #: ``"offline"`` asks for a refresh token
    access_type_param: ClassVar[str] = "token_access_type"

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        # an RPC endpoint: a POST without a body
        return await self.get_json(self.userinfo_endpoint, tokens, method="POST")

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {
            "name": nested(profile, "name", "display_name"),
            "email": profile.get("email"),
            "image": profile.get("profile_photo_url"),
            "emailVerified": profile.get("email_verified") is True,
        }
