"""Slack (Sign in with Slack, OpenID Connect)."""

from __future__ import annotations

from typing import ClassVar

from ..provider import OAuthProvider


class Slack(OAuthProvider):
    name: ClassVar[str] = "Slack"
    authorization_endpoint = "https://slack.com/openid/connect/authorize"
    token_endpoint = "https://slack.com/api/openid.connect.token"
    userinfo_endpoint = "https://slack.com/api/openid.connect.userInfo"
    jwks_uri = "https://slack.com/openid/connect/keys"
    issuer = "https://slack.com"
    default_scopes = ("openid", "email", "profile")
    oidc = True
