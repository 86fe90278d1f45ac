"""Polar (OAuth 2.0 with PKCE): ``/v1/oauth2/userinfo``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider


class Polar(OAuthProvider):
    name: ClassVar[str] = "Polar"
    authorization_endpoint = "https://polar.sh/oauth2/authorize"
    token_endpoint = "https://api.polar.sh/v1/oauth2/token"
    userinfo_endpoint = "https://api.polar.sh/v1/oauth2/userinfo"
    default_scopes = ("openid", "profile", "email")
    subject_key = "id"

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {
            "name": profile.get("public_name") or profile.get("username") or "",
            "email": profile.get("email"),
            "image": profile.get("avatar_url"),
            "emailVerified": profile.get("email_verified") is True,
        }
