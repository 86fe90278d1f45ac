"""Hugging Face (OAuth 2.0 with PKCE): its OpenID-style userinfo endpoint (standard claims)."""

from __future__ import annotations

from typing import ClassVar

from ..provider import OAuthProvider


class HuggingFace(OAuthProvider):
    name: ClassVar[str] = "Hugging Face"
    authorization_endpoint = "https://huggingface.co/oauth/authorize"
    token_endpoint = "https://huggingface.co/oauth/token"
    userinfo_endpoint = "https://huggingface.co/oauth/userinfo"
    default_scopes = ("openid", "profile", "email")
    subject_key = "sub"
