"""Reddit (OAuth 2.0, client_secret_basic): ``/api/v1/me``; no email is shared, so map one in if needed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...db.schema import utcnow
from ..client import HTTPClient
from ..provider import OAuthProvider, ProviderOptions


class Reddit(OAuthProvider):
    name: ClassVar[str] = "Reddit"
    authorization_endpoint = "https://www.reddit.com/api/v1/authorize"
    token_endpoint = "https://www.reddit.com/api/v1/access_token"
    userinfo_endpoint = "https://oauth.reddit.com/api/v1/me"
    default_scopes = ("identity",)

    def __init__(self, provider_id: str, options: ProviderOptions, http: HTTPClient, *, clock: Any = utcnow) -> None:
        super().__init__(provider_id, options, http, clock=clock)
        self.token_endpoint_auth = options.token_endpoint_auth or "client_secret_basic"

    def extra_authorization_params(self) -> dict[str, str]:
        return {"duration": "permanent"}

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        icon = profile.get("icon_img")
        return {
            "name": profile.get("name"),
            "email": profile.get("email"),  # absent unless map_profile_to_user supplies one
            "image": icon.split("?")[0] if isinstance(icon, str) else None,
            "emailVerified": False,
        }
