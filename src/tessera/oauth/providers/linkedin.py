"""LinkedIn (Sign In with LinkedIn using OpenID Connect): the profile from its userinfo endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider


class LinkedIn(OAuthProvider):
    name: ClassVar[str] = "Linkedin"
    authorization_endpoint = "https://www.linkedin.com/oauth/v2/authorization"
    token_endpoint = "https://www.linkedin.com/oauth/v2/accessToken"
    userinfo_endpoint = "https://api.linkedin.com/v2/userinfo"
    default_scopes = ("profile", "email", "openid")

    def account_subject(self, profile: Mapping[str, Any]) -> Any:
        return profile.get("sub")
