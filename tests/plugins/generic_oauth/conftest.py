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
