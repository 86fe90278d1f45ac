"""Two deployments sharing a secret: the production server (the only URL the identity provider knows) and a
preview, each with its own database and the oauth-proxy plugin, and a real OpenID provider
(``tests/oauth/conftest.py``'s ``oidc-provider-mock``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from tessera import Tessera
from tessera.http import Response
from tessera.plugins.oauth_proxy import oauth_proxy
from tests._helpers import Client, make_auth
from tests._services import AdapterFactory
from tests._tokens import Clock
from tests.oauth.conftest import Provider, oidc_config, provider  # noqa: F401  (a fixture, used by name)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # the provider's authlib announces its own deprecations while it serves requests
    for item in items:
        if "oauth_proxy" in str(item.path):
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning"))


PROD = "http://prod.example"
PREVIEW = "http://preview.example"


@dataclass
class Deployments:
    production: Tessera
    preview: Tessera
    clock: Clock


MakeDeployments = Callable[..., Awaitable[Deployments]]


@pytest.fixture
def deployments(adapter_factory: AdapterFactory, provider: Provider) -> MakeDeployments:  # noqa: F811
    """``await deployments(preview={...oauth_proxy options}, production={...}, social={...})`` — the preview on the
    backend under test, production in memory; one clock for both, which the test moves."""

    async def make(*, preview: dict[str, Any] | None = None, production: dict[str, Any] | None = None,
                   social: dict[str, Any] | None = None, preview_origins: tuple[str, ...] = (PROD,),
                   production_origins: tuple[str, ...] = ("http://*.example",)) -> Deployments:
        clock = Clock(datetime.now(UTC).replace(microsecond=0))
        providers = {"idp": oidc_config(provider, **(social or {}))}
        prod = make_auth(base_url=PROD, social_providers=providers, trusted_origins=list(production_origins),
                         plugins=[oauth_proxy(**(production or {}))], clock=clock)
        plugins = [oauth_proxy(**{"production_url": PROD, **(preview or {})})]
        options = {"base_url": PREVIEW, "social_providers": providers, "trusted_origins": list(preview_origins),
                   "plugins": plugins}
        schema = make_auth(**options).schema
        preview_auth = make_auth(**options, clock=clock, database=await adapter_factory(schema))
        return Deployments(prod, preview_auth, clock)

    return make


class Browser:
    """One browser: a cookie jar per deployment (cookies are per site), following redirects by hand."""

    def __init__(self, d: Deployments) -> None:
        self.at = {PROD: Client(d.production, origin=PROD), PREVIEW: Client(d.preview, origin=PREVIEW)}
        self.host = {PROD: "prod.example", PREVIEW: "preview.example"}

    async def open(self, url: str) -> Response:
        """GET an absolute URL on one of the deployments."""
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        assert site in self.at, url
        assert parts.path.startswith("/api/auth/"), url
        return await self.at[site].get(parts.path[len("/api/auth"):], query=parts.query,
                                       headers=[("host", self.host[site])])

    async def start(self, path: str = "/sign-in/social", **body: Any) -> Response:
        return await self.at[PREVIEW].post(path, {"provider": "idp", **body}, headers=[("host", "preview.example")])


def location(r: Response) -> str:
    value = r.header("location")
    assert r.status == 302 and value is not None, (r.status, r.body)
    return value
