"""Zoom (OAuth 2.0 with PKCE): ``/v2/users/me``; the scopes are the app's, configured at Zoom."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider


class Zoom(OAuthProvider):
    name: ClassVar[str] = "Zoom"
    authorization_endpoint = "https://zoom.us/oauth/authorize"
    token_endpoint = "https://zoom.us/oauth/token"
    userinfo_endpoint = "https://api.zoom.us/v2/users/me"

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {
            "name": profile.get("display_name"),
            "email": profile.get("email"),
            "image": profile.get("pic_url"),
            # ``verified`` is 1 once the user confirmed the account's address
            "emailVerified": profile.get("verified") in (1, True),
        }
