"""An app with the one-tap plugin on the backend the test runs on, and a fake Google: a local RSA key whose public
half is served as Google's JWKS (``https://www.googleapis.com/oauth2/v3/certs``) through ``httpx.MockTransport``,
and a helper that signs Google-shaped ID tokens with it."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tessera import Tessera
from tessera.jwt import KeySet, RemoteJWKS, encode, generate_jwk
from tessera.plugins.one_tap import one_tap
from tests._helpers import make_auth
from tests._services import AdapterFactory

GOOGLE_CERTS = "https://www.googleapis.com/oauth2/v3/certs"
CLIENT_ID = "one-tap-client.apps.googleusercontent.com"
GOOGLE_KEY = generate_jwk("RS256", kid="google-1")

MakeApp = Callable[..., Awaitable[Tessera]]


class FakeGoogle:
    """Google's key endpoint, and ID tokens signed the way Google signs them."""

    def __init__(self) -> None:
        self.keys = [GOOGLE_KEY]
        self.requests: list[str] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if str(request.url) != GOOGLE_CERTS:
            return httpx.Response(404)
        return httpx.Response(200, json=KeySet(k.public for k in self.keys).to_dict())

    def id_token(self, key: Any = GOOGLE_KEY, *, header: dict[str, Any] | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": "https://accounts.google.com", "azp": CLIENT_ID, "aud": CLIENT_ID, "sub": "google-sub-1",
            "email": "tap@example.com", "email_verified": True, "name": "Tap User",
            "picture": "https://lh3.googleusercontent.com/a/tap", "iat": now, "exp": now + 3600,
        }
        payload.update(claims)
        return encode({k: v for k, v in payload.items() if v is not None}, key, header=header)


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> FakeGoogle:
    fake = FakeGoogle()
    transport = httpx.MockTransport(fake.handle)

    def remote(url: str, **kw: Any) -> RemoteJWKS:
        return RemoteJWKS(url, client=httpx.AsyncClient(transport=transport), **kw)

    monkeypatch.setattr("tessera.oauth.provider.RemoteJWKS", remote)
    return fake


@pytest.fixture
def make_app(adapter_factory: AdapterFactory, google: FakeGoogle) -> MakeApp:
    """``await make_app(google={...} | None, tessera={}, **one_tap_options)`` over every backend. ``google`` is the
    ``social_providers["google"]`` entry (default: the client id and a secret); ``None`` leaves Google out."""

    async def make(*, google: dict[str, Any] | bool | None = True, tessera: dict[str, Any] | None = None,
                   **options: Any) -> Tessera:
        extra = dict(tessera or {})
        if google is True:
            google = {"client_id": CLIENT_ID, "client_secret": "google-secret"}
        if google:
            extra["social_providers"] = {"google": google}
        plugins = [one_tap(**options)]
        schema = make_auth(plugins=plugins, **extra).schema
        return make_auth(plugins=plugins, database=await adapter_factory(schema), **extra)

    return make
