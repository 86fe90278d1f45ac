"""GitHub (OAuth 2.0): profile from the REST API, the verified primary email from ``/user/emails``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..client import ProviderHTTPError
from ..provider import OAuth2Tokens, OAuthProvider


class GitHub(OAuthProvider):
    name: ClassVar[str] = "GitHub"
    authorization_endpoint = "https://github.com/login/oauth/authorize"
    token_endpoint = "https://github.com/login/oauth/access_token"
    userinfo_endpoint = "https://api.github.com/user"
    emails_endpoint: ClassVar[str] = "https://api.github.com/user/emails"
    default_scopes = ("read:user", "user:email")

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        profile = await self.fetch_userinfo(tokens)
        if profile is None:
            return None
        try:
            result = await self.http.get(self.emails_endpoint, {"authorization": f"Bearer {tokens.access_token}"})
            emails = result.data if result.ok and isinstance(result.data, list) else []
        except ProviderHTTPError:
            emails = []
        emails = [e for e in emails if isinstance(e, dict)]
        if not profile.get("email") and emails:
            chosen = next((e for e in emails if e.get("primary")), emails[0])
            profile["email"] = chosen.get("email")
        # only the emails API says whether an address is verified; the profile's email alone proves nothing
        profile["email_verified"] = any(
            e.get("email") == profile.get("email") and e.get("verified") is True for e in emails
        )
        return profile

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {
            "name": profile.get("name") or profile.get("login") or "",
            "email": profile.get("email"),
            "image": profile.get("avatar_url"),
            "emailVerified": profile.get("email_verified") is True,
        }
