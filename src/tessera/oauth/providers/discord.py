"""Discord (OAuth 2.0): ``/users/@me``; ``verified`` says whether the email is confirmed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider


class Discord(OAuthProvider):
    name: ClassVar[str] = "Discord"
    authorization_endpoint = "https://discord.com/api/oauth2/authorize"
    token_endpoint = "https://discord.com/api/oauth2/token"
    userinfo_endpoint = "https://discord.com/api/users/@me"
    default_scopes = ("identify", "email")

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        user_id = str(profile.get("id", ""))
        avatar = profile.get("avatar")
        if avatar:
            fmt = "gif" if str(avatar).startswith("a_") else "png"
            image = f"https://cdn.discordapp.com/avatars/{user_id}/{avatar}.{fmt}"
        else:
            discriminator = str(profile.get("discriminator") or "0")
            index = (int(user_id) >> 22) % 6 if discriminator == "0" and user_id.isdigit() else (
                int(discriminator) % 5 if discriminator.isdigit() else 0
            )
            image = f"https://cdn.discordapp.com/embed/avatars/{index}.png"
        return {
            "name": profile.get("global_name") or profile.get("username") or "",
            "email": profile.get("email"),
            "image": image,
            "emailVerified": profile.get("verified") is True,
        }
