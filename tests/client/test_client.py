"""``AsyncTesseraClient`` (in process, over ASGI) and ``TesseraClient`` (a real server) against tessera."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tessera.client import AsyncTesseraClient, AuthenticationError, ClientError, TesseraClient
from tessera.jwt import Verifier
from tessera.plugins.jwt import jwt
from tests._tokens import BASE, make_auth
from tests._uvicorn import serve


class Counting(httpx.ASGITransport):
    def __init__(self, app: object) -> None:
        super().__init__(app=app)  # type: ignore[arg-type]
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await super().handle_async_request(request)


async def client_for(auth: object) -> tuple[AsyncTesseraClient, Counting]:
    transport = Counting(auth)
    http = httpx.AsyncClient(transport=transport, base_url=BASE)
    return AsyncTesseraClient(BASE, http=http), transport


async def test_sign_in_session_and_cached_token() -> None:
    auth = make_auth(plugins=[jwt(disable_setting_jwt_header=True)])
    client, transport = await client_for(auth)
    async with client:
        await client.sign_up_email("c@example.com", "password-123", "C")
        assert (await client.get_session())["user"]["email"] == "c@example.com"
        token = await client.get_token()
        for _ in range(5):
            assert await client.get_token() == token
        assert transport.paths.count("/api/auth/token") == 1
        keys = await client.get_jwks()
        assert await Verifier(issuer=BASE, audience=BASE, algorithms=["EdDSA"], keys=keys).verify(token)


async def test_get_session_feeds_the_token_from_set_auth_jwt() -> None:
    auth = make_auth(plugins=[jwt()])
    client, transport = await client_for(auth)
    async with client:
        await client.sign_up_email("d@example.com", "password-123", "D")
        await client.get_session()
        assert await client.get_token()
        assert "/api/auth/token" not in transport.paths


async def test_sign_out_and_revoked_sessions_drop_the_token() -> None:
    auth = make_auth(plugins=[jwt(disable_setting_jwt_header=True)])
    client, _ = await client_for(auth)
    async with client:
        await client.sign_up_email("e@example.com", "password-123", "E")
        assert await client.get_token()
        await client.sign_out()
        assert client.tokens.token is None
        with pytest.raises(AuthenticationError) as info:
            await client.get_token()
        assert (info.value.status, info.value.code) == (401, "UNAUTHORIZED")


async def test_errors_carry_the_servers_code() -> None:
    auth = make_auth(plugins=[jwt()])
    client, _ = await client_for(auth)
    async with client:
        with pytest.raises(AuthenticationError) as info:
            await client.sign_in_email("nobody@example.com", "password-123")
        assert info.value.code == "INVALID_EMAIL_OR_PASSWORD"
        with pytest.raises(ClientError) as bad:
            await client.sign_up_email("not-an-email", "password-123", "X")
        assert bad.value.status == 400


SERVER = """
import os
from tessera import ScryptHasher, Tessera
from tessera.plugins.jwt import jwt

auth = Tessera(
    secret="client-test-secret-0123456789abcdef",
    base_url=os.environ["BASE_URL"],
    email_and_password={"enabled": True, "password": ScryptHasher(n=1024, r=8)},
    plugins=[jwt()],
)
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    pytest.importorskip("uvicorn")
    with serve(tmp_path, SERVER) as base:
        yield base


def test_sync_client_against_a_real_server(server: str) -> None:
    with TesseraClient(server) as client:
        client.sign_up_email("s@example.com", "password-123", "S")
        token = client.get_token()
        assert client.get_token() == token and client.tokens.fetches <= 1
        verifier = Verifier(issuer=server, audience=server, algorithms=["EdDSA"], jwks_url=f"{server}/api/auth/jwks")
        assert verifier.verify_sync(token)["sub"] == client.get_session()["user"]["id"]
        client.sign_out()
        with pytest.raises(AuthenticationError):
            client.get_token()
