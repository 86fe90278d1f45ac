"""WeChat Login for website applications (网站应用): OAuth 2.0 in WeChat's own dialect, as Better Auth speaks it.

* The QR-code authorization page takes ``appid`` (not ``client_id``), comma-joined scopes, ``lang`` (``cn`` or
  ``en``) and must end in the ``#wechat_redirect`` fragment; there is no PKCE, ``nonce`` or ``login_hint``.
* The code exchange and the refresh are GET requests with ``appid`` (and ``secret``) in the query. WeChat
  reports errors as a 200 answer carrying ``errcode``/``errmsg``.
* The token answer names the user (``openid``, and ``unionid`` when the app belongs to an Open Platform
  account); ``sns/userinfo`` needs that ``openid``. The stored account keeps no ``openid``, so
  ``/account-info`` cannot fetch the profile later (Better Auth answers the same 401).
* The account is ``unionid`` (stable across the developer's apps), else ``openid``. WeChat shares no email:
  the user gets ``<unionid|openid>@wechat.placeholder.invalid``, never verified, so never linked by email.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal
from urllib.parse import urlencode

from ..client import ProviderHTTPError
from ..provider import (
    RESERVED_AUTHORIZATION_PARAMS,
    OAuth2Tokens,
    OAuthProvider,
    ProviderError,
    ProviderOptions,
    placeholder_email,
)

API = "https://api.weixin.qq.com/sns"


@dataclass(frozen=True)
class WeChatOptions(ProviderOptions):
    #: language of the QR-code login page
    lang: Literal["cn", "en"] = "cn"
    #: only website applications (``"WebsiteApp"``) are supported, as in Better Auth
    platform_type: Literal["WebsiteApp"] = "WebsiteApp"
    #: WeChat takes no PKCE challenge
    pkce: bool = False


def _url(endpoint: str, params: Mapping[str, str]) -> str:
    # form encoding, as ``URLSearchParams`` writes it: ``/``, ``:`` and ``,`` are escaped too
    return f"{endpoint}?{urlencode(list(params.items()))}"


class WeChat(OAuthProvider):
    name: ClassVar[str] = "WeChat"
    authorization_endpoint = "https://open.weixin.qq.com/connect/qrconnect"
    token_endpoint = f"{API}/oauth2/access_token"
    refresh_endpoint: ClassVar[str] = f"{API}/oauth2/refresh_token"
    userinfo_endpoint = f"{API}/userinfo"
    default_scopes = ("snsapi_login",)
    scope_joiner: ClassVar[str] = ","
    requires_client_secret = True
    options_class: ClassVar[type[ProviderOptions]] = WeChatOptions

    async def create_authorization_url(
        self,
        *,
        state: str,
        redirect_uri: str,
        scopes: Sequence[str] | None = None,
        additional_params: Mapping[str, str] | None = None,
        **unused: str | None,  # code_verifier, login_hint, nonce: WeChat takes none of them
    ) -> str:
        """Built here rather than by ``OAuthProvider``: Better Auth's parameter order and form encoding, and
        the ``#wechat_redirect`` fragment WeChat requires."""
        options = self.options
        assert isinstance(options, WeChatOptions)
        params = {
            "scope": self.scope_joiner.join(self.scopes_for(scopes)),
            "response_type": "code",
            "appid": options.primary_client_id,
            "redirect_uri": options.redirect_uri or redirect_uri,
            "state": state,
            "lang": options.lang,
        }
        for key, value in {**options.authorization_params, **(additional_params or {})}.items():
            if key not in RESERVED_AUTHORIZATION_PARAMS and key != "appid":
                params[key] = value
        return _url(str(self.authorization_endpoint), params) + "#wechat_redirect"

    async def _get_tokens(self, endpoint: str, query: dict[str, str]) -> OAuth2Tokens:
        for key, value in self.options.token_params.items():
            query.setdefault(key, value)
        try:
            result = await self.http.get(_url(endpoint, query))
        except ProviderHTTPError as exc:
            raise ProviderError(str(exc)) from exc
        data = result.data
        if not result.ok or not isinstance(data, dict) or data.get("errcode"):
            detail = (data.get("errmsg") or data.get("errcode")) if isinstance(data, dict) else None
            raise ProviderError(f"{self.id}: {endpoint} answered {result.status} {detail or ''}".strip())
        tokens = OAuth2Tokens.from_response(data, self.clock(), self.options.access_token_expires_in)
        if not tokens.access_token:
            raise ProviderError(f"{self.id}: token response without a token")
        tokens.token_type = "Bearer"
        return tokens

    async def exchange_code(
        self, *, code: str, code_verifier: str | None, redirect_uri: str, device_id: str | None = None
    ) -> OAuth2Tokens:
        query = {
            "appid": self.options.primary_client_id,
            "secret": self.options.client_secret or "",
            "code": code,
            "grant_type": "authorization_code",
        }
        return await self._get_tokens(str(self.token_endpoint), query)

    async def refresh_access_token(self, refresh_token: str) -> OAuth2Tokens:
        # WeChat's refresh takes no secret: the refresh token is bound to the app
        query = {"appid": self.options.primary_client_id, "grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self._get_tokens(self.refresh_endpoint, query)

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        openid = tokens.raw.get("openid")
        if not isinstance(openid, str) or not openid:
            return None
        query = {"access_token": tokens.access_token or "", "openid": openid, "lang": "zh_CN"}
        try:
            result = await self.http.get(_url(str(self.userinfo_endpoint), query))
        except ProviderHTTPError:
            return None
        data = result.data
        return data if result.ok and isinstance(data, dict) and not data.get("errcode") else None

    def account_subject(self, profile: Mapping[str, Any]) -> Any:
        return profile.get("unionid") or profile.get("openid")

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        # Better Auth's placeholder falls back to the token answer's openid as well; a profile naming neither id
        # has no account subject, so it never gets this far
        return {
            "name": profile.get("nickname"),
            "email": profile.get("email") or placeholder_email(self.account_subject(profile), "wechat"),
            "image": profile.get("headimgurl"),
            "emailVerified": False,
        }

