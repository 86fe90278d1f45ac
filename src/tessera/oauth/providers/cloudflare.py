"""Cloudflare (OAuth 2.0 with PKCE, client_secret_basic): the account from the API's ``/user``.

Cloudflare's OpenID userinfo carries only ``sub``, so the profile comes from ``/client/v4/user``, which the
``user-details.read`` scope opens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuth2Tokens, OAuthProvider


class Cloudflare(OAuthProvider):
    name: ClassVar[str] = "Cloudflare"
    authorization_endpoint = "https://dash.cloudflare.com/oauth2/auth"
    token_endpoint = "https://dash.cloudflare.com/oauth2/token"
    userinfo_endpoint = "https://api.cloudflare.com/client/v4/user"
    default_scopes = ("user-details.read",)
    subject_key = "id"
    default_token_endpoint_auth = "client_secret_basic"

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        answer = await self.fetch_userinfo(tokens)
        result = answer.get("result") if answer is not None and answer.get("success") is True else None
        return result if isinstance(result, dict) else None

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        name = " ".join(str(p) for p in (profile.get("first_name"), profile.get("last_name")) if p)
        return {"name": name or profile.get("email"), "email": profile.get("email"), "image": None,
                "emailVerified": False}
