"""GitLab (gitlab.com or self-hosted via ``issuer``): OAuth 2.0 with the ``/api/v4/user`` profile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuthProvider, ProviderOptions


class GitLab(OAuthProvider):
    name: ClassVar[str] = "Gitlab"
    default_scopes = ("read_user",)

    def configure(self, options: ProviderOptions) -> None:
        base = (options.issuer or "https://gitlab.com").rstrip("/")
        self.authorization_endpoint = f"{base}/oauth/authorize"
        self.token_endpoint = f"{base}/oauth/token"
        self.userinfo_endpoint = f"{base}/api/v4/user"

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {
            "name": profile.get("name") or profile.get("username") or "",
            "email": profile.get("email"),
            "image": profile.get("avatar_url"),
            # /api/v4/user does not say whether the address was confirmed; assume nothing
            "emailVerified": profile.get("email_verified") is True,
        }
