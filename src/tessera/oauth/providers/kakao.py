"""Kakao (OAuth 2.0): ``/v2/user/me``; an email counts as verified only when valid *and* verified."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider


class Kakao(OAuthProvider):
    name: ClassVar[str] = "Kakao"
    authorization_endpoint = "https://kauth.kakao.com/oauth/authorize"
    token_endpoint = "https://kauth.kakao.com/oauth/token"
    userinfo_endpoint = "https://kapi.kakao.com/v2/user/me"
    default_scopes = ("account_email", "profile_image", "profile_nickname")

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        account = profile.get("kakao_account") or {}
        details = account.get("profile") or {}
        return {
            "name": details.get("nickname") or account.get("name") or "",
            "email": account.get("email"),
            "image": details.get("profile_image_url") or details.get("thumbnail_image_url"),
            "emailVerified": account.get("is_email_valid") is True and account.get("is_email_verified") is True,
        }
