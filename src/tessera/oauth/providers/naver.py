"""Naver (OAuth 2.0): ``/v1/nid/me``, whose answer counts only with ``resultcode`` ``"00"``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuth2Tokens, OAuthProvider, nested


class Naver(OAuthProvider):
    name: ClassVar[str] = "Naver"
    authorization_endpoint = "https://nid.naver.com/oauth2.0/authorize"
    token_endpoint = "https://nid.naver.com/oauth2.0/token"
    userinfo_endpoint = "https://openapi.naver.com/v1/nid/me"
    default_scopes = ("profile", "email")

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        profile = await self.fetch_userinfo(tokens)
        return profile if profile is not None and profile.get("resultcode") == "00" else None

    def account_subject(self, profile: Mapping[str, Any]) -> Any:
        return nested(profile, "response", "id")

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        res = profile.get("response") or {}
        return {"name": res.get("name") or res.get("nickname") or "", "email": res.get("email"),
                "image": res.get("profile_image"), "emailVerified": False}
