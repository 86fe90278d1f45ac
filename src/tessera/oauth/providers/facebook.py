"""Facebook Login (Graph API v24.0): the profile from ``/me``, its access token first checked with ``debug_token``.

Graph access tokens are not audience-bound: ``/me`` answers for a token minted for *any* app. Like Better Auth,
tessera asks ``debug_token`` (with the app token ``<client_id>|<client_secret>``) whether the token is valid,
issued to one of the configured client ids and tied to a user, and requires ``/me`` to describe that user.
ID tokens (Limited Login, ``openid`` scope) are verified against Facebook's keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlencode

from ...jwt import JWTError
from ..provider import OAuth2Tokens, OAuthProvider, ProviderError, ProviderOptions, UserInfo, nested

GRAPH = "https://graph.facebook.com"


@dataclass(frozen=True)
class FacebookOptions(ProviderOptions):
    #: Graph fields read from ``/me`` on top of ``id,name,email,picture``
    fields: Sequence[str] = ()
    #: a Facebook Login for Business configuration (``config_id``)
    config_id: str | None = None


class Facebook(OAuthProvider):
    name: ClassVar[str] = "Facebook"
    authorization_endpoint = "https://www.facebook.com/v24.0/dialog/oauth"
    token_endpoint = f"{GRAPH}/v24.0/oauth/access_token"
    jwks_uri = "https://limited.facebook.com/.well-known/oauth/openid/jwks/"
    issuer = "https://www.facebook.com"
    default_scopes = ("email", "public_profile")
    oidc = True
    requires_client_secret = True
    options_class: ClassVar[type[ProviderOptions]] = FacebookOptions

    @property
    def requires_id_token_nonce(self) -> bool:
        # the usual flow has no ID token at all (no ``openid`` scope); state and PKCE bind the code
        return False

    def extra_authorization_params(self) -> dict[str, str]:
        options = self.options
        assert isinstance(options, FacebookOptions)
        return {"config_id": options.config_id} if options.config_id else {}

    async def token_user_id(self, access_token: str) -> str | None:
        """The user a Graph access token belongs to, if it was issued to this app; ``None`` otherwise."""
        options = self.options
        query = urlencode({"input_token": access_token,
                           "access_token": f"{options.primary_client_id}|{options.client_secret}"})
        data = await self.get_json(f"{GRAPH}/debug_token?{query}", OAuth2Tokens(access_token=access_token))
        info = nested(data, "data")
        if not isinstance(info, dict) or info.get("is_valid") is not True:
            return None
        app_id, user_id = info.get("app_id"), info.get("user_id")
        if not app_id or app_id not in options.audiences or not user_id:
            return None
        return str(user_id)

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        if not tokens.access_token:
            return None
        user_id = await self.token_user_id(tokens.access_token)
        if user_id is None:
            return None
        options = self.options
        assert isinstance(options, FacebookOptions)
        fields = ",".join(["id", "name", "email", "picture", *options.fields])
        profile = await self.get_json(f"{GRAPH}/me?fields={fields}", tokens)
        return profile if profile is not None and str(profile.get("id")) == user_id else None

    async def get_user_info(
        self, tokens: OAuth2Tokens, *, expected_nonce: str | None = None, user: Any = None
    ) -> UserInfo | None:
        if self.options.get_user_info is not None:
            # a custom profile fetch still only sees tokens issued to this app
            if tokens.access_token and await self.token_user_id(tokens.access_token) is None:
                return None
            return await self.options.get_user_info(tokens)
        if tokens.id_token and tokens.id_token.count(".") == 2:
            try:
                claims = await self.verify_id_token(tokens.id_token)
            except (JWTError, ProviderError):
                return None
            return await self.to_user_info(claims, tokens, user=user)
        profile = await self.fetch_profile(tokens)
        return await self.to_user_info(profile, tokens, user=user) if profile is not None else None

    def account_subject(self, profile: Mapping[str, Any]) -> Any:
        return profile["sub"] if "sub" in profile else profile.get("id")

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        picture = profile.get("picture")
        return {
            "name": profile.get("name"),
            "email": profile.get("email"),
            "image": picture if isinstance(picture, str) else nested(picture, "data", "url"),
            # neither the ID token nor the Graph profile says the address was confirmed
            "emailVerified": "sub" not in profile and profile.get("email_verified") is True,
        }
