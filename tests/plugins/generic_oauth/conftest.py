"""Apps with the generic OAuth plugin against the real OpenID Connect provider of ``tests/oauth``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tessera import Tessera
from tessera.plugins.generic_oauth import generic_oauth
from tests._helpers import BASE, make_auth
from tests._services import AdapterFactory
from tests.oauth.conftest import Provider, dead_port, provider  # noqa: F401  (the session-wide provider)

MakeAuth = Callable[..., Awaitable[Tessera]]


def generic_config(idp: Provider, provider_id: str = "corp", **extra: Any) -> dict[str, Any]:
    """A discovery-configured entry, as an application writes it."""
    return {"provider_id": provider_id, "discovery_url": idp.discovery_url, "client_id": "tessera-app",
            "client_secret": "s3cret", "scopes": ["email", "profile"], **extra}


def plain_config(idp: Provider, provider_id: str = "plain", **extra: Any) -> dict[str, Any]:
    """The same provider configured by its endpoints alone: plain OAuth 2.0, no ID-token verification."""
    return {"provider_id": provider_id, "authorization_url": f"{idp.issuer}/oauth2/authorize",
            "token_url": f"{idp.issuer}/oauth2/token", "user_info_url": f"{idp.issuer}/userinfo",
            "client_id": "tessera-app", "client_secret": "s3cret", "scopes": ["openid", "email", "profile"], **extra}


def app(config: list[Any], **options: Any) -> Tessera:
    options.setdefault("trusted_origins", [BASE, "http://app.example"])
    return make_auth(plugins=[generic_oauth(config=config), *options.pop("plugins", ())], **options)


@pytest.fixture
def make_generic(adapter_factory: AdapterFactory) -> MakeAuth:
    """``await make_generic(config, **tessera_options)`` over every backend."""

    async def make(config: list[Any], **options: Any) -> Tessera:
        schema = app(config, **dict(options)).schema
        return app(config, database=await adapter_factory(schema), **options)

    return make


class RecordingHTTP:
    """Wraps a provider's HTTP client and keeps what tessera sent (method, URL, headers, form)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, dict[str, str], dict[str, str] | None]] = []

    async def get(self, url: str, headers: Any = None) -> Any:
        self.calls.append(("GET", url, dict(headers or {}), None))
        return await self.inner.get(url, headers)

    async def post_form(self, url: str, data: Any, headers: Any = None) -> Any:
        self.calls.append(("POST", url, dict(headers or {}), dict(data)))
        return await self.inner.post_form(url, data, headers)

    async def post_json(self, url: str, body: Any = None, headers: Any = None) -> Any:
        self.calls.append(("POST", url, dict(headers or {}), body))
        return await self.inner.post_json(url, body, headers)

    def token_requests(self) -> list[tuple[str, str, dict[str, str], dict[str, str] | None]]:
        return [c for c in self.calls if c[1].endswith("/oauth2/token")]


def record(auth: Tessera, provider_id: str) -> RecordingHTTP:
    """Record what the plugin's provider ``provider_id`` sends."""
    from tessera.plugins.generic_oauth import GenericOAuthPlugin

    target = auth.plugin(GenericOAuthPlugin).providers[provider_id]
    recorder = RecordingHTTP(target.http)
    target.http = recorder
    return recorder
