"""Notion (public integrations, OAuth 2.0, client_secret_basic): the bot's owning user from ``/v1/users/me``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuth2Tokens, OAuthProvider, nested

NOTION_VERSION = "2022-06-28"


class Notion(OAuthProvider):
    name: ClassVar[str] = "Notion"
    authorization_endpoint = "https://api.notion.com/v1/oauth/authorize"
    token_endpoint = "https://api.notion.com/v1/oauth/token"
    userinfo_endpoint = "https://api.notion.com/v1/users/me"
    default_token_endpoint_auth = "client_secret_basic"

    def extra_authorization_params(self) -> dict[str, str]:
        return {"owner": "user"}

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        bot = await self.get_json(self.userinfo_endpoint, tokens, {"notion-version": NOTION_VERSION})
        owner = nested(bot, "bot", "owner", "user")
        return owner if isinstance(owner, dict) else None

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {
            "name": profile.get("name") or "",
            "email": nested(profile, "person", "email"),
            "image": profile.get("avatar_url"),
            "emailVerified": False,
        }
