"""Railway (OAuth 2.0 with PKCE, client_secret_basic): ``/oauth/me``; the email is not marked verified."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider


class Railway(OAuthProvider):
    name: ClassVar[str] = "Railway"
    authorization_endpoint = "https://backboard.railway.com/oauth/auth"
    token_endpoint = "https://backboard.railway.com/oauth/token"
    userinfo_endpoint = "https://backboard.railway.com/oauth/me"
    default_scopes = ("openid", "email", "profile")
    subject_key = "sub"
    default_token_endpoint_auth = "client_secret_basic"

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {"name": profile.get("name"), "email": profile.get("email"), "image": profile.get("picture"),
                "emailVerified": False}
