"""Sign in with Vercel (OAuth 2.0 with PKCE): standard userinfo claims; no default scopes, no token refresh."""

from __future__ import annotations

from typing import ClassVar

from ..provider import OAuthProvider


class Vercel(OAuthProvider):
    name: ClassVar[str] = "Vercel"
    authorization_endpoint = "https://vercel.com/oauth/authorize"
    token_endpoint = "https://api.vercel.com/login/oauth/token"
    userinfo_endpoint = "https://api.vercel.com/login/oauth/userinfo"
    subject_key = "sub"
    supports_refresh: ClassVar[bool] = False
