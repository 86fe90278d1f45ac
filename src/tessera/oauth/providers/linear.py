"""Linear (OAuth 2.0): the ``viewer`` from its GraphQL API; Linear does not say whether the email is verified."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..provider import OAuth2Tokens, OAuthProvider, nested

VIEWER_QUERY = "query { viewer { id name email avatarUrl active createdAt updatedAt } }"


class Linear(OAuthProvider):
    name: ClassVar[str] = "Linear"
    authorization_endpoint = "https://linear.app/oauth/authorize"
    token_endpoint = "https://api.linear.app/oauth/token"
    userinfo_endpoint = "https://api.linear.app/graphql"
    default_scopes = ("read",)

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        answer = await self.get_json(self.userinfo_endpoint, tokens, method="POST", body={"query": VIEWER_QUERY})
        viewer = nested(answer, "data", "viewer")
        return viewer if isinstance(viewer, dict) else None

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        return {"name": profile.get("name"), "email": profile.get("email"), "image": profile.get("avatarUrl"),
                "emailVerified": False}
