"""Atlassian (OAuth 2.0 (3LO) with PKCE): the account from ``api.atlassian.com/me``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider


class Atlassian(OAuthProvider):
    name: ClassVar[str] = "Atlassian"
    authorization_endpoint = "https://auth.atlassian.com/authorize"
    token_endpoint = "https://auth.atlassian.com/oauth/token"
    userinfo_endpoint = "https://api.atlassian.com/me"
    default_scopes = ("read:jira-user", "offline_access")
    subject_key = "account_id"
    requires_client_secret = True

    def extra_authorization_params(self) -> dict[str, str]:
        return {"audience": "api.atlassian.com"}

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        # Better Auth never takes Atlassian's word for the address
        return {"name": profile.get("name"), "email": profile.get("email"), "image": profile.get("picture"),
                "emailVerified": False}
