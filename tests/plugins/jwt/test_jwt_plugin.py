"""The jwt plugin: Better Auth's wire shape, keys in memory, encrypted at rest, zero DB I/O in steady state."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tessera.adapters.memory import MemoryAdapter
from tessera.crypto.symmetric import symmetric_decrypt
from tessera.errors import ConfigError
from tessera.jwt import KeySet, Verifier, decode_unverified, load_private_jwk
from tessera.plugins.jwt import jwt
from tests._ba_vectors import BA_BASE, BA_EDDSA_ROW, BA_EDDSA_TOKEN, BA_SECRET
from tests._tokens import BASE, SECRET, Client, Clock, make_auth


async def signed_in(**plugin_options: Any) -> tuple[Client, MemoryAdapter]:
    adapter = MemoryAdapter()
    auth = make_auth(database=adapter, plugins=[jwt(**plugin_options)])
    client = Client(auth)
    assert (await client.sign_up()).status == 200
    return client, adapter


def verifier_for(jwks_body: bytes, alg: str = "EdDSA") -> Verifier:
    return Verifier(issuer=BASE, audience=BASE, algorithms=[alg], keys=jwks_body)


async def test_token_endpoint_shape() -> None:
    client, _ = await signed_in()
    response = await client.get("/token")
    assert response.status == 200 and response.header("cache-control") == "no-store"
    token = response.json_body()["token"]
    header, claims = decode_unverified(token)
    jwks = (await client.get("/jwks")).json_body()
    assert header == {"alg": "EdDSA", "kid": jwks["keys"][0]["kid"]}
    # Better Auth's claim order: iat, the user object, sub, exp, iss, aud
    user = (await client.get("/get-session")).json_body()["user"]
    assert list(claims) == ["iat", *user, "sub", "exp", "iss", "aud"]
    assert claims["sub"] == user["id"] and claims["exp"] - claims["iat"] == 900
    assert claims["iss"] == claims["aud"] == BASE
    assert set(jwks["keys"][0]) == {"alg", "crv", "x", "kty", "kid"}
    assert await verifier_for(json.dumps(jwks).encode()).verify(token)


async def test_token_requires_a_session() -> None:
    auth = make_auth(plugins=[jwt()])
    response = await Client(auth).get("/token")
    assert response.status == 401
    assert response.json_body() == {"message": "Unauthorized", "code": "UNAUTHORIZED"}


async def test_set_auth_jwt_header_on_get_session() -> None:
    client, _ = await signed_in()
    response = await client.get("/get-session")
    assert response.header("access-control-expose-headers") == "set-auth-jwt"
    token = response.header("set-auth-jwt")
    assert token and await verifier_for((await client.get("/jwks")).body).verify(token)
    client.cookies.clear()
    anonymous = await client.get("/get-session")
    assert anonymous.header("set-auth-jwt") is None


async def test_set_auth_jwt_can_be_switched_off() -> None:
    client, _ = await signed_in(disable_setting_jwt_header=True)
    response = await client.get("/get-session")
    assert response.header("set-auth-jwt") is None and response.header("access-control-expose-headers") is None


async def test_jwks_caching_headers() -> None:
    client, _ = await signed_in(jwks={"max_age": 120})
    response = await client.get("/jwks")
    assert response.header("cache-control") == "public, max-age=120"
    etag = response.header("etag")
    again = await client.get("/jwks", headers=[("if-none-match", etag)])  # type: ignore[list-item]
    assert again.status == 304 and again.body == b""


async def test_zero_database_operations_in_steady_state() -> None:
    client, adapter = await signed_in()
    auth = client.auth
    await client.get("/token")  # first use: loads (and here mints) the key
    adapter.operations.clear()
    token = (await client.get("/token")).json_body()["token"]
    assert adapter.operations == ["find_one session"]  # the session lookup, nothing for the key
    adapter.operations.clear()
    for _ in range(3):
        assert (await client.get("/jwks")).status == 200
        assert (await auth.api.verify_jwt(body={"token": token}))["payload"]["sub"]
        assert (await auth.api.sign_jwt(body={"payload": {"sub": "s"}}))["token"]
    assert adapter.operations == []
    response = await client.get("/get-session")
    assert response.header("set-auth-jwt")
    assert adapter.operations == ["find_one session"]


async def test_private_key_is_encrypted_at_rest() -> None:
    client, adapter = await signed_in()
    await client.get("/token")
    (row,) = adapter.tables["jwks"].values()
    assert row["alg"] == "EdDSA" and row["crv"] == "Ed25519" and row["expiresAt"] is None
    stored = json.loads(row["privateKey"])  # a JSON-quoted hex ciphertext, as Better Auth stores it
    assert isinstance(stored, str) and all(c in "0123456789abcdef" for c in stored)
    private = json.loads(symmetric_decrypt(SECRET, stored))
    assert set(private) == {"crv", "d", "x", "kty"}
    assert json.loads(row["publicKey"]) == {"crv": "Ed25519", "x": private["x"], "kty": "OKP"}
    load_private_jwk(private, alg="EdDSA")


async def test_private_key_encryption_can_be_disabled() -> None:
    client, adapter = await signed_in(jwks={"disable_private_key_encryption": True})
    await client.get("/token")
    (row,) = adapter.tables["jwks"].values()
    assert json.loads(row["privateKey"])["kty"] == "OKP"


@pytest.mark.parametrize("alg", ["ES256", "ES512", "RS256", "PS256"])
async def test_other_algorithms(alg: str) -> None:
    client, _ = await signed_in(jwks={"key_pair_config": {"alg": alg}})
    token = (await client.get("/token")).json_body()["token"]
    assert decode_unverified(token)[0]["alg"] == alg
    assert await verifier_for((await client.get("/jwks")).body, alg).verify(token)


async def test_shares_a_jwks_table_with_better_auth() -> None:
    """A row written by Better Auth (its own ciphertext) signs here, and its tokens verify here."""
    adapter = MemoryAdapter()
    clock = Clock()
    auth = make_auth(database=adapter, secret=BA_SECRET, base_url=BA_BASE, plugins=[jwt()], clock=clock)
    row = {**BA_EDDSA_ROW, "createdAt": clock.now, "expiresAt": None}
    await adapter.create("jwks", row)
    token = (await auth.api.sign_jwt(body={"payload": {"sub": "u"}}))["token"]
    assert decode_unverified(token)[0]["kid"] == row["id"]
    assert len(adapter.tables["jwks"]) == 1  # no new key: Better Auth's was used
    clock.now = clock.now.fromtimestamp(1795454426 - 60, clock.now.tzinfo)
    assert (await auth.api.verify_jwt(body={"token": BA_EDDSA_TOKEN}))["payload"]["sub"] == "user-1"


async def test_verify_jwt_returns_null_for_bad_tokens() -> None:
    client, _ = await signed_in()
    auth = client.auth
    token = (await client.get("/token")).json_body()["token"]
    assert (await auth.api.verify_jwt(body={"token": token + "x"}))["payload"] is None
    assert (await auth.api.verify_jwt(body={"token": token, "issuer": "https://other"}))["payload"] is None
    other = await auth.api.sign_jwt(body={"payload": {"sub": "u", "aud": "someone-else"}})
    assert (await auth.api.verify_jwt(body={"token": other["token"]}))["payload"] is None


async def test_server_only_endpoints_are_not_routed() -> None:
    client, _ = await signed_in()
    assert (await client.post("/sign-jwt", {"payload": {"sub": "x"}})).status == 404
    assert (await client.post("/verify-jwt", {"token": "x"})).status == 404


async def test_custom_payload_subject_and_lifetime() -> None:
    client, _ = await signed_in(
        jwt={
            "define_payload": lambda s: {"email": s.user["email"], "sid": s.session["id"]},
            "get_subject": lambda s: "custom-" + s.user["id"],
            "expiration_time": "1h",
            "issuer": "https://issuer.example",
            "audience": "api",
        }
    )
    token = (await client.get("/token")).json_body()["token"]
    _, claims = decode_unverified(token)
    assert list(claims) == ["iat", "email", "sid", "sub", "exp", "iss", "aud"]
    assert claims["sub"].startswith("custom-") and claims["exp"] - claims["iat"] == 3600
    assert (claims["iss"], claims["aud"]) == ("https://issuer.example", "api")
    assert (await client.auth.api.verify_jwt(body={"token": token}))["payload"]["sid"]


@pytest.mark.parametrize(
    "options",
    [
        {"jwks": {"key_pair_config": {"alg": "HS256"}}},
        {"jwks": {"key_pair_config": {"alg": "EdDSA", "crv": "X25519"}}},
        {"jwks": {"bogus": 1}},
        {"jwt": {"expiration_time": "fortnight"}},
        {"jwks": {"rotation_interval": 60}},
        {"jwks": {"rotation_interval": 86400, "grace_period": 10}},
    ],
)
def test_bad_options_fail_at_startup(options: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError):
        jwt(**options)


def test_jwks_keyset_helper() -> None:
    assert len(KeySet()) == 0


def test_an_app_never_shut_down_leaves_no_pending_task_behind(caplog: pytest.LogCaptureFixture) -> None:
    """Without a lifespan the first token starts the periodic key reload; a loop that ends without shutting the
    plugin down (a script, a test, a framework without lifespan) must not leave a task asyncio reports as
    destroyed while pending: between reloads only a timer waits."""
    import asyncio
    import gc
    import logging

    async def use_once() -> None:
        client, _ = await signed_in()
        r = await client.get("/token")
        assert r.status == 200

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(use_once())
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        finally:
            loop.close()  # as a finished script's loop: pending tasks are not cancelled
        gc.collect()
    assert pending == []
    assert not [r for r in caplog.records if "destroyed" in r.getMessage()]
