"""``AsyncTesseraClient`` (in process, over ASGI) and ``TesseraClient`` (a real server) against tessera."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tessera.client import AsyncTesseraClient, AuthenticationError, ClientError, TesseraClient, TransientError
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


def _unsigned_jwt(**claims: Any) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'EdDSA', 'typ': 'JWT'})}.{part(claims)}.c2ln"


HEADER_JWT = _unsigned_jwt(sub="u", iat=time.time(), exp=time.time() + 900)


class Recorder:
    """A mock server for both twins: records each request; ``down`` makes the network fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str | None, Any]] = []
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        body = json.loads(request.content) if request.content else None
        self.sent.append((request.method, request.url.path, request.headers.get("origin"), body))
        # as the jwt plugin does on a session's answers; here only sign-in's, so sign-out's drop shows
        headers = {"set-auth-jwt": HEADER_JWT} if request.url.path.endswith("/sign-in/email") else {}
        return httpx.Response(200, json={"token": "t", "user": {}}, headers=headers)


async def test_both_twins_send_the_same_requests_and_map_network_errors() -> None:
    recorders = Recorder(), Recorder()
    blocking = TesseraClient(BASE, http=httpx.Client(transport=httpx.MockTransport(recorders[0])))
    asynchronous = AsyncTesseraClient(BASE, http=httpx.AsyncClient(transport=httpx.MockTransport(recorders[1])))
    blocking.sign_up_email("a@example.com", "pw-123456", "A", image="i")
    blocking.sign_in_email("a@example.com", "pw-123456", remember_me=False)
    assert blocking.tokens.token == HEADER_JWT
    blocking.sign_out()
    assert blocking.tokens.token is None
    blocking.get_session()
    await asynchronous.sign_up_email("a@example.com", "pw-123456", "A", image="i")
    await asynchronous.sign_in_email("a@example.com", "pw-123456", remember_me=False)
    assert asynchronous.tokens.token == HEADER_JWT
    await asynchronous.sign_out()
    assert asynchronous.tokens.token is None
    await asynchronous.get_session()
    assert recorders[0].sent == recorders[1].sent == [
        ("POST", "/api/auth/sign-up/email", BASE,
         {"email": "a@example.com", "password": "pw-123456", "name": "A", "image": "i"}),
        ("POST", "/api/auth/sign-in/email", BASE,
         {"email": "a@example.com", "password": "pw-123456", "rememberMe": False}),
        ("POST", "/api/auth/sign-out", BASE, {}),
        ("GET", "/api/auth/get-session", None, None),
    ]
    for recorder in recorders:
        recorder.down = True
    with pytest.raises(TransientError) as sync_error:
        blocking.get_session()
    with pytest.raises(TransientError) as async_error:
        await asynchronous.get_session()
    assert (sync_error.value.code, async_error.value.code) == ("NETWORK_ERROR", "NETWORK_ERROR")
    assert str(sync_error.value) == str(async_error.value)
    blocking.close()
    await asynchronous.aclose()
