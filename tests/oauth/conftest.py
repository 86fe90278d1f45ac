"""A real OpenID Connect provider (``oidc-provider-mock``) on 127.0.0.1, and a browser to drive it.

The provider runs in a thread for the whole session on a random port. Tests never hand-write provider
answers: the browser fetches the provider's authorization form, submits it as a user would (approve as a
subject, or deny), follows the provider's redirect into tessera, and tessera talks to the provider's
discovery, token, JWKS and userinfo endpoints over real HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import werkzeug.serving

from tessera import Tessera
from tessera.http import Response
from tests._helpers import BASE, Client, make_auth

oidc_provider_mock = pytest.importorskip("oidc_provider_mock")

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # the provider's authlib announces its own deprecations while it serves requests
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning"))


class Provider:
    """The running identity provider: its issuer URL and the users it knows."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.http = httpx.Client(base_url=issuer, follow_redirects=False, timeout=10)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def set_user(self, sub: str, **claims: Any) -> None:
        """Register (or replace) a user's claims at the provider (``PUT /users/<sub>``)."""
        r = self.http.put(f"/users/{sub}", json=claims)
        assert r.status_code == 204, r.text

    def revoke_tokens(self, sub: str) -> None:
        assert self.http.post(f"/users/{sub}/revoke-tokens").status_code == 204

    def consent(self, authorize_url: str, sub: str | None = None, *, deny: bool = False) -> str:
        """Open the authorization page, then approve as ``sub`` (or deny); the provider's redirect target."""
        page = self.http.get(authorize_url)
        assert page.status_code == 200, page.text
        assert "Authorize" in page.text  # the consent form, rendered by the provider
        form = {"action": "deny"} if deny else {"sub": sub}
        answer = self.http.post(authorize_url, data=form)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    def token_for(self, client_id: str, sub: str, *, nonce: str | None = None, redirect_uri: str = f"{BASE}/app") -> dict[str, Any]:
        """What a front-end SDK (One Tap, a native app) holds after its own code flow: the token response."""
        params = {
            "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
            "scope": "openid email profile", "state": "front-end",
        }
        if nonce:
            params["nonce"] = nonce
        url = str(httpx.URL(f"{self.issuer}/oauth2/authorize", params=params))
        location = self.consent(url, sub)
        code = parse_qs(urlsplit(location).query)["code"][0]
        r = self.http.post(
            "/oauth2/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                  "client_id": client_id, "client_secret": "front-end-secret"},
        )
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture(scope="session")
def provider() -> Iterator[Provider]:
    app = oidc_provider_mock.app()
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Provider(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


@pytest.fixture(scope="session")
def dead_port() -> int:
    """A local port nothing listens on: an identity provider that is down."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oidc_config(provider: Provider, client_id: str = "tessera-app", **extra: Any) -> dict[str, Any]:
    return {"discovery_url": provider.discovery_url, "client_id": client_id, "client_secret": "s3cret", **extra}


def make_oauth_auth(provider: Provider, *, account: dict[str, Any] | None = None, **options: Any) -> Tessera:
    social = options.pop("social_providers", None) or {"idp": oidc_config(provider)}
    return make_auth(
        social_providers=social,
        account=account or {},
        trusted_origins=[BASE, "http://app.example"],
        **options,
    )


def location(response: Response) -> str:
    value = response.header("location")
    assert value is not None, (response.status, response.body)
    return value


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def follow_to_tessera(client: Client, url: str) -> Response:
    """The browser arriving back at tessera from the provider (a URL under the auth base)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE, url
    assert parts.path.startswith("/api/auth/"), url
    return await client.get(parts.path[len("/api/auth"):], query=parts.query)


async def start(client: Client, provider_id: str = "idp", path: str = "/sign-in/social", **body: Any) -> str:
    """Begin a redirect flow; the provider's authorization URL."""
    r = await client.post(path, {"provider": provider_id, **body})
    assert r.status == 200, r.body
    url: str = r.json_body()["url"]
    return url


async def social_sign_in(
    client: Client, provider: Provider, sub: str, *, provider_id: str = "idp", **body: Any
) -> Response:
    """The whole browser round trip: start, consent as ``sub``, come back to the callback."""
    start = await client.post("/sign-in/social", {"provider": provider_id, **body})
    assert start.status == 200, start.body
    redirect = provider.consent(start.json_body()["url"], sub)
    return await follow_to_tessera(client, redirect)
