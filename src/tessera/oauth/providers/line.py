"""LINE Login v2.1: the profile from the ID token the token endpoint returns, else userinfo.

LINE signs web-login ID tokens with the channel secret (HS256), which tessera never accepts as an ID-token
key. The redirect flow reads the token the token endpoint itself returned (see
``OAuthProvider.token_response_claims``); a client-submitted ID token (``/sign-in/social`` with ``idToken``)
is checked by LINE's verify endpoint, bound to this channel and the nonce, as Better Auth does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...jwt import InvalidClaim, JWTError
from ..client import ProviderHTTPError
from ..provider import OAuth2Tokens, OAuthProvider

VERIFY_ENDPOINT = "https://api.line.me/oauth2/v2.1/verify"


class Line(OAuthProvider):
    name: ClassVar[str] = "LINE"
    authorization_endpoint = "https://access.line.me/oauth2/v2.1/authorize"
    token_endpoint = "https://api.line.me/oauth2/v2.1/token"
    userinfo_endpoint = "https://api.line.me/oauth2/v2.1/userinfo"
    default_scopes = ("openid", "profile", "email")
    subject_key = "sub"

    @property
    def supports_id_token_sign_in(self) -> bool:
        return not self.options.disable_id_token_sign_in

    async def verify_id_token(
        self, token: str, nonce: str | None = None, *, max_age: int | None = None
    ) -> dict[str, Any]:
        client_id = self.options.primary_client_id
        body = {"id_token": token, "client_id": client_id, **({"nonce": nonce} if nonce else {})}
        try:
            result = await self.http.post_form(VERIFY_ENDPOINT, body)
        except ProviderHTTPError as exc:
            raise JWTError("LINE could not verify the ID token") from exc
        claims = result.data
        if not result.ok or not isinstance(claims, dict):
            raise JWTError("LINE refused the ID token")
        if claims.get("aud") != client_id:
            raise InvalidClaim("aud")
        if claims.get("nonce") and claims.get("nonce") != nonce:
            raise InvalidClaim("nonce")
        return claims

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        return self.token_response_claims(tokens) or await self.fetch_userinfo(tokens)

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {"name": profile.get("name") or "", "email": profile.get("email"), "image": profile.get("picture"),
                "emailVerified": False}
