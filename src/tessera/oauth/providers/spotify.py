"""Spotify (OAuth 2.0): ``/v1/me``; Spotify never says whether the email was verified."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider


class Spotify(OAuthProvider):
    name: ClassVar[str] = "Spotify"
    authorization_endpoint = "https://accounts.spotify.com/authorize"
    token_endpoint = "https://accounts.spotify.com/api/token"
    userinfo_endpoint = "https://api.spotify.com/v1/me"
    default_scopes = ("user-read-email",)

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        images = profile.get("images") or []
        image = images[0].get("url") if images and isinstance(images[0], dict) else None
        return {"name": profile.get("display_name"), "email": profile.get("email"), "image": image,
                "emailVerified": False}
