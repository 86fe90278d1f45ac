"""X / Twitter (OAuth 2.0 with PKCE, client_secret_basic): ``/2/users/me``; the confirmed email when granted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuth2Tokens, OAuthProvider, nested, placeholder_email

USERS_ME = "https://api.x.com/2/users/me"


class Twitter(OAuthProvider):
    name: ClassVar[str] = "Twitter"
    authorization_endpoint = "https://x.com/i/oauth2/authorize"
    token_endpoint = "https://api.x.com/2/oauth2/token"
    userinfo_endpoint = f"{USERS_ME}?user.fields=profile_image_url"
    default_scopes = ("users.read", "tweet.read", "offline.access", "users.email")
    default_token_endpoint_auth = "client_secret_basic"

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        profile = await self.fetch_userinfo(tokens)
        if not isinstance(nested(profile, "data"), dict):
            return None
        assert profile is not None
        # only ``confirmed_email`` (the users.email scope) is an address X has confirmed
        confirmed = nested(await self.get_json(f"{USERS_ME}?user.fields=confirmed_email", tokens), "data", "confirmed_email")
        if isinstance(confirmed, str) and confirmed:
            profile["data"]["email"] = profile["data"]["confirmed_email"] = confirmed
        return profile

    def account_subject(self, profile: Mapping[str, Any]) -> Any:
        return nested(profile, "data", "id")

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        data = profile.get("data") or {}
        confirmed = data.get("confirmed_email")
        return {
            "name": data.get("name"),
            "email": data.get("email") or placeholder_email(data.get("id"), "twitter"),
            "image": data.get("profile_image_url"),
            "emailVerified": bool(confirmed) and confirmed == data.get("email"),
        }
