"""Twitch (OpenID Connect): the email and its verification asked for as ID-token claims."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ... import _json
from ..provider import OAuthProvider, string_bool


class Twitch(OAuthProvider):
    name: ClassVar[str] = "Twitch"
    authorization_endpoint = "https://id.twitch.tv/oauth2/authorize"
    token_endpoint = "https://id.twitch.tv/oauth2/token"
    userinfo_endpoint = "https://id.twitch.tv/oauth2/userinfo"
    jwks_uri = "https://id.twitch.tv/oauth2/keys"
    issuer = "https://id.twitch.tv/oauth2"
    default_scopes = ("user:read:email", "openid")
    oidc = True

    def extra_authorization_params(self) -> dict[str, str]:
        wanted = {"email": None, "email_verified": None, "preferred_username": None, "picture": None}
        return {"claims": _json.dumps_str({"id_token": wanted, "userinfo": wanted})}

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {
            "name": profile.get("preferred_username"),
            "email": profile.get("email"),
            "image": profile.get("picture"),
            "emailVerified": string_bool(profile.get("email_verified")) or False,
        }
