"""The presets' profile APIs: what is requested (URL, authorization scheme) and how the answer becomes a user."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.oauth import HTTPResult, OAuth2Tokens
from tessera.plugins.generic_oauth import (
    GenericOAuthPlugin,
    GenericOAuthProvider,
    gumroad,
    hubspot,
    patreon,
    slack,
    yandex,
)
from tests.plugins.generic_oauth.conftest import app


class CannedHTTP:
    """Answers every GET with one JSON value and keeps the requests."""

    def __init__(self, status: int, data: Any) -> None:
        self.answer = HTTPResult(status, data)
        self.requests: list[tuple[str, dict[str, str]]] = []

    async def get(self, url: str, headers: Any = None) -> HTTPResult:
        self.requests.append((url, dict(headers or {})))
        return self.answer

    async def post_form(self, url: str, data: Any, headers: Any = None) -> HTTPResult:
        raise AssertionError("no token request here")

    async def post_json(self, url: str, body: Any = None, headers: Any = None) -> HTTPResult:
        raise AssertionError("no POST here")


def preset_provider(config: Any, status: int, data: Any) -> tuple[GenericOAuthProvider, CannedHTTP]:
    auth = app([config])
    provider = auth.plugin(GenericOAuthPlugin).providers[config.provider_id]
    http = CannedHTTP(status, data)
    provider.http = http
    return provider, http


TOKENS = OAuth2Tokens(access_token="at/1+x")

CASES = [
    (gumroad(client_id="c", client_secret="s"),
     {"success": True, "user": {"user_id": "g1", "name": "Gee", "email": "G@example.com",
                                "profile_url": "https://img/g"}},
     ("https://api.gumroad.com/v2/user", "Bearer at/1+x"),
     ("g1", "g@example.com", "Gee", "https://img/g", False)),
    (hubspot(client_id="c", client_secret="s"),
     {"user": "hub@example.com", "signed_access_token": {"userId": 77}},
     ("https://api.hubapi.com/oauth/v1/access-tokens/at%2F1%2Bx", None),
     ("77", "hub@example.com", "hub@example.com", None, False)),
    (patreon(client_id="c", client_secret="s"),
     {"data": {"id": "p9", "attributes": {"full_name": "Pat", "email": "pat@example.com", "image_url": "https://img/p",
                                           "is_email_verified": True}}},
     ("https://www.patreon.com/api/oauth2/v2/identity?fields[user]=email,full_name,image_url,is_email_verified",
      "Bearer at/1+x"),
     ("p9", "pat@example.com", "Pat", "https://img/p", True)),
    (slack(client_id="c", client_secret="s"),
     {"sub": "U1", "name": "Sla", "email": "sla@example.com", "https://slack.com/user_image_512": "https://img/s",
      "email_verified": True},
     ("https://slack.com/api/openid.connect.userInfo", "Bearer at/1+x"),
     ("U1", "sla@example.com", "Sla", "https://img/s", True)),
    (yandex(client_id="c", client_secret="s"),
     {"id": "y5", "login": "yan", "emails": ["yan@example.com"], "default_avatar_id": "av1", "is_avatar_empty": False},
     ("https://login.yandex.ru/info?format=json", "OAuth at/1+x"),
     ("y5", "yan@example.com", "yan", "https://avatars.yandex.net/get-yapic/av1/islands-200", False)),
]


@pytest.mark.parametrize(("config", "answer", "request_", "expected"), CASES, ids=[c[0].provider_id for c in CASES])
async def test_preset_profile(config: Any, answer: Any, request_: tuple[str, str | None],
                              expected: tuple[Any, ...]) -> None:
    provider, http = preset_provider(config, 200, answer)
    info = await provider.get_user_info(TOKENS)
    assert info is not None
    assert (info.id, info.email, info.name, info.image, info.email_verified) == expected
    [(url, headers)] = http.requests
    assert url == request_[0] and headers.get("authorization") == request_[1]


@pytest.mark.parametrize("config", [c[0] for c in CASES], ids=[c[0].provider_id for c in CASES])
@pytest.mark.parametrize(("status", "answer"), [(401, {"error": "invalid_token"}), (200, {"unexpected": "shape"}),
                                                (200, ["not", "an", "object"])])
async def test_preset_refuses_what_it_cannot_read(config: Any, status: int, answer: Any) -> None:
    provider, _ = preset_provider(config, status, answer)
    assert await provider.get_user_info(TOKENS) is None
    assert await provider.get_user_info(OAuth2Tokens()) is None  # no access token: no request


def test_preset_configuration() -> None:
    c = hubspot(client_id="c", client_secret="s", disable_sign_up=True, scopes=["oauth", "crm.objects.read"])
    assert (c.authorization_url, c.token_url) == ("https://app.hubspot.com/oauth/authorize",
                                                  "https://api.hubapi.com/oauth/v1/token")
    assert c.scopes == ("oauth", "crm.objects.read") and c.disable_sign_up and c.resolved_token_auth == "client_secret_post"
    assert yandex(client_id="c").scopes == ("login:info", "login:email", "login:avatar")
    assert gumroad(client_id="c").scopes == ("view_profile",) and patreon(client_id="c").scopes == ("identity[email]",)
    assert slack(client_id="c").user_info_url == "https://slack.com/api/openid.connect.userInfo"
