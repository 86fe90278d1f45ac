"""Reddit (OAuth 2.0, client_secret_basic): ``/api/v1/me``; no email is shared, so map one in if needed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider


class Reddit(OAuthProvider):
    name: ClassVar[str] = "Reddit"
    authorization_endpoint = "https://www.reddit.com/api/v1/authorize"
    token_endpoint = "https://www.reddit.com/api/v1/access_token"
    userinfo_endpoint = "https://oauth.reddit.com/api/v1/me"
    default_scopes = ("identity",)

    default_token_endpoint_auth = "client_secret_basic"

    def extra_authorization_params(self) -> dict[str, str]:
        return {"duration": "permanent"}

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        icon = profile.get("icon_img")
        return {
            "name": profile.get("name"),
            "email": profile.get("email"),  # absent unless map_profile_to_user supplies one
            "image": icon.split("?")[0] if isinstance(icon, str) else None,
            "emailVerified": False,
        }
