"""The convex plugin: the token and JWKS Convex's customJwt provider verifies (RS256, audience "convex")."""

from __future__ import annotations

import json

import pytest

from tessera.adapters.memory import MemoryAdapter
from tessera.cli import main
from tessera.errors import ConfigError
from tessera.jwt import Verifier, decode_unverified
from tessera.plugins.convex import convex
from tessera.plugins.jwt import jwt
from tessera.ssr import ssr_token_cache
from tests._tokens import BASE, Client, make_auth

SITE = "https://happy-otter-123.convex.site"


def convex_verifier(jwks: bytes | dict) -> Verifier:  # type: ignore[type-arg]
    """What Convex's auth.config.ts declares: issuer = site URL, applicationID "convex", RS256."""
    return Verifier(issuer=SITE, audience="convex", algorithms=["RS256"], keys=jwks)


async def test_token_jwks_and_claims() -> None:
    adapter = MemoryAdapter()
    auth = make_auth(database=adapter, plugins=[convex(site_url=SITE)])
    client = Client(auth)
    await client.sign_up()
    response = await client.get("/convex/token")
    assert response.status == 200
    token = response.json_body()["token"]
    header, claims = decode_unverified(token)
    assert header["alg"] == "RS256"
    session = (await client.get("/get-session")).json_body()
    assert list(claims) == ["iat", "sessionId", "sub", "exp", "iss", "aud"]
    assert claims["sub"] == session["user"]["id"] and claims["sessionId"] == session["session"]["id"]
    assert (claims["iss"], claims["aud"], claims["exp"] - claims["iat"]) == (SITE, "convex", 900)
    jwks = await client.get("/convex/jwks")
    assert jwks.header("cache-control").startswith("public, max-age=")  # type: ignore[union-attr]
    assert [k["kty"] for k in jwks.json_body()["keys"]] == ["RSA"]
    assert await convex_verifier(jwks.body).verify(token)
    # the token is also a cookie, for server-side rendering
    assert client.cookies["better-auth.convex_jwt"] == token
    assert "Max-Age=900" in response.set_cookies["better-auth.convex_jwt"]
    # steady state: the token costs the session read only
    adapter.operations.clear()
    await client.get("/convex/token")
    await client.get("/convex/jwks")
    assert adapter.operations == ["find_one session"]


async def test_openid_configuration() -> None:
    auth = make_auth(plugins=[convex(site_url=SITE)])
    body = (await Client(auth).get("/convex/.well-known/openid-configuration")).json_body()
    assert body["issuer"] == SITE and body["jwks_uri"] == f"{BASE}/api/auth/convex/jwks"
    assert body["id_token_signing_alg_values_supported"] == ["RS256"]


async def test_cookie_set_only_when_a_session_was_created_and_cleared_on_sign_out() -> None:
    auth = make_auth(plugins=[convex(site_url=SITE)])
    client = Client(auth)
    await client.sign_up()
    assert "better-auth.convex_jwt" in client.cookies
    client.cookies.clear()
    failed = await client.sign_in(password="wrong-password-123")
    assert failed.status == 401 and "better-auth.convex_jwt" not in failed.set_cookies
    await client.sign_in()
    token = client.cookies["better-auth.convex_jwt"]
    assert decode_unverified(token)[1]["aud"] == "convex"
    await client.post("/sign-out", {})
    assert "better-auth.convex_jwt" not in client.cookies


async def test_requires_a_session() -> None:
    auth = make_auth(plugins=[convex(site_url=SITE)])
    assert (await Client(auth).get("/convex/token")).status == 401


async def test_issuer_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEX_SITE_URL", SITE)
    auth = make_auth(plugins=[convex()])
    client = Client(auth)
    await client.sign_up()
    token = (await client.get("/convex/token")).json_body()["token"]
    assert decode_unverified(token)[1]["iss"] == SITE


async def test_with_the_jwt_plugin_sharing_the_jwks_table() -> None:
    adapter = MemoryAdapter()
    auth = make_auth(database=adapter, plugins=[jwt(), convex(site_url=SITE), ssr_token_cache(token_plugin="convex")])
    client = Client(auth)
    await client.sign_up()
    eddsa = (await client.get("/token")).json_body()["token"]
    rs256 = (await client.get("/convex/token")).json_body()["token"]
    assert decode_unverified(eddsa)[0]["alg"] == "EdDSA" and decode_unverified(rs256)[0]["alg"] == "RS256"
    assert sorted(r["alg"] for r in adapter.tables["jwks"].values()) == ["EdDSA", "RS256"]
    assert await convex_verifier((await client.get("/convex/jwks")).body).verify(rs256)
    ssr = auth.plugin("ssr-token-cache")
    assert decode_unverified(await ssr.token_for({"cookie": client.cookie_header()}))[1]["aud"] == "convex"


async def test_static_rs256_keys_and_the_public_jwks_for_convex(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["jwks", "export", "--alg", "RS256"]) == 0
    private = capsys.readouterr().out.strip()
    monkeypatch.setenv("TESSERA_CONVEX_JWKS", private)
    monkeypatch.delenv("TESSERA_JWKS", raising=False)
    assert main(["jwks", "export", "--public", "--env", "TESSERA_CONVEX_JWKS"]) == 0
    public = json.loads(capsys.readouterr().out)  # what goes in Convex's JWKS variable
    auth = make_auth(plugins=[convex(site_url=SITE)])
    assert "jwks" not in auth.schema
    client = Client(auth)
    await client.sign_up()
    token = (await client.get("/convex/token")).json_body()["token"]
    assert await convex_verifier(public).verify(token)
    with pytest.raises(ConfigError, match="RS256"):
        convex(jwks={"static_keys": json.dumps({"keys": [{**json.loads(private)["keys"][0], "alg": "PS256"}]})})
