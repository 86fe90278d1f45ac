"""Kick (OAuth 2.1 with PKCE): the first user of ``/public/v1/users``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuth2Tokens, OAuthProvider


class Kick(OAuthProvider):
    name: ClassVar[str] = "Kick"
    authorization_endpoint = "https://id.kick.com/oauth/authorize"
    token_endpoint = "https://id.kick.com/oauth/token"
    userinfo_endpoint = "https://api.kick.com/public/v1/users"
    default_scopes = ("user:read",)
    subject_key = "user_id"

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        users = (await self.fetch_userinfo(tokens) or {}).get("data")
        return users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else None

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {"name": profile.get("name"), "email": profile.get("email"), "image": profile.get("profile_picture"),
                "emailVerified": False}
