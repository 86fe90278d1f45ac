"""``jwks.remote_url`` + ``jwt.sign``: tokens signed elsewhere (a KMS), keys published elsewhere (Better Auth's
``jwks.remoteUrl`` / ``jwt.sign``)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tessera.adapters.memory import MemoryAdapter
from tessera.errors import ConfigError
from tessera.jwt import decode_unverified, encode, generate_jwk
from tessera.jwt.remote import RemoteJWKS
from tessera.plugins.jwt import JWTPlugin, jwt
from tests._tokens import BASE, Client, make_auth

REMOTE = "https://kms.example.com/.well-known/jwks.json"
KMS_KEY = generate_jwk("ES256", kid="kms-1")
OTHER_KEY = generate_jwk("ES256", kid="kms-1")  # same kid, another key: a forgery


def kms_sign(claims: dict[str, Any]) -> str:
    return encode(claims, KMS_KEY)


def remote_options(**jwt_options: Any) -> dict[str, Any]:
    return {"jwks": {"remote_url": REMOTE, "key_pair_config": {"alg": "ES256"}}, "jwt": jwt_options}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"jwt": {"sign": kms_sign}}, "jwt.sign needs jwks.remote_url"),
        ({"jwks": {"remote_url": REMOTE}}, "needs jwks.key_pair_config.alg"),
        ({"jwks": {"remote_url": "ftp://kms", "key_pair_config": {"alg": "ES256"}}}, "http"),
    ],
)
def test_misconfigurations_fail_at_startup(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        jwt(**options)


async def _app(**jwt_options: Any) -> tuple[Client, MemoryAdapter, JWTPlugin]:
    adapter = MemoryAdapter()
    plugin = jwt(**remote_options(**jwt_options))
    served = {"keys": [KMS_KEY.public.to_dict()]}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=served))
    plugin.remote_jwks = RemoteJWKS(REMOTE, client=httpx.AsyncClient(transport=transport))
    client = Client(make_auth(database=adapter, plugins=[plugin]))
    assert (await client.sign_up()).status == 200
    return client, adapter, plugin


async def test_tokens_are_signed_by_the_configured_signer_and_the_table_is_never_used() -> None:
    async def async_kms_sign(claims: dict[str, Any]) -> str:
        return kms_sign(claims)

    client, adapter, _ = await _app(sign=async_kms_sign)
    adapter.operations.clear()
    token = (await client.get("/token")).json_body()["token"]
    header, claims = decode_unverified(token)
    assert header == {"alg": "ES256", "kid": "kms-1"}
    user = (await client.get("/get-session")).json_body()["user"]
    assert claims["sub"] == user["id"] and claims["iss"] == claims["aud"] == BASE
    assert claims["exp"] - claims["iat"] == 900
    assert not any("jwks" in op for op in adapter.operations) and not adapter.tables.get("jwks")
    assert (await client.get("/get-session")).header("set-auth-jwt")


async def test_jwks_is_not_served_here() -> None:
    client, _, _ = await _app(sign=kms_sign)
    assert (await client.get("/jwks")).status == 404


async def test_verify_jwt_checks_the_remote_key_set() -> None:
    client, _, _ = await _app(sign=kms_sign)
    api = client.auth.api
    token = (await client.get("/token")).json_body()["token"]
    payload = (await api.verify_jwt(body={"token": token}))["payload"]
    assert payload is not None and payload["iss"] == BASE
    _, claims = decode_unverified(token)
    forged = encode(claims, OTHER_KEY)
    assert (await api.verify_jwt(body={"token": forged}))["payload"] is None


async def test_a_signer_that_returns_no_token_is_a_sign_failure() -> None:
    client, _, _ = await _app(sign=lambda claims: None)
    response = await client.get("/token")
    assert response.status == 500
    assert json.loads(response.body)["code"] == "FAILED_TO_SIGN_JWT"
