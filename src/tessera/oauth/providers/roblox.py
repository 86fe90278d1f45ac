"""Roblox (OAuth 2.0): its userinfo endpoint; Roblox shares no email, so the user gets a placeholder address."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider, placeholder_email


class Roblox(OAuthProvider):
    name: ClassVar[str] = "Roblox"
    authorization_endpoint = "https://apis.roblox.com/oauth/v1/authorize"
    token_endpoint = "https://apis.roblox.com/oauth/v1/token"
    userinfo_endpoint = "https://apis.roblox.com/oauth/v1/userinfo"
    default_scopes = ("openid", "profile")
    subject_key = "sub"

    def extra_authorization_params(self) -> dict[str, str]:
        return {"prompt": self.options.prompt or "select_account consent"}

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {
            "name": profile.get("nickname") or profile.get("preferred_username") or "",
            "email": placeholder_email(profile.get("sub"), "roblox"),
            "image": profile.get("picture"),
            "emailVerified": False,
        }
