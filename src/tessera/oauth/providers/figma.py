"""Figma (OAuth 2.0 with PKCE, client_secret_basic): ``/v1/me``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider


class Figma(OAuthProvider):
    name: ClassVar[str] = "Figma"
    authorization_endpoint = "https://www.figma.com/oauth"
    token_endpoint = "https://api.figma.com/v1/oauth/token"
    userinfo_endpoint = "https://api.figma.com/v1/me"
    default_scopes = ("current_user:read",)
    requires_client_secret = True
    default_token_endpoint_auth = "client_secret_basic"

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {"name": profile.get("handle"), "email": profile.get("email"), "image": profile.get("img_url"),
                "emailVerified": False}
