"""Static keys from the environment: ``tessera jwks export`` prints them, configuration checks them at startup."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tessera.adapters.memory import MemoryAdapter
from tessera.cli import main
from tessera.errors import ConfigError
from tessera.jwt import Verifier, decode_unverified, generate_jwk
from tessera.plugins.jwt import jwt
from tessera.plugins.jwt.cli import private_jwks
from tests._tokens import BASE, Client, make_auth


def export(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["jwks", "export", *args]) == 0
    return capsys.readouterr().out.strip()


async def test_exported_keys_sign_with_no_database_at_all(capsys: pytest.CaptureFixture[str]) -> None:
    value = export(capsys)
    (key,) = json.loads(value)["keys"]
    assert key["alg"] == "EdDSA" and key["kid"] and key["d"]
    adapter = MemoryAdapter()
    auth = make_auth(database=adapter, plugins=[jwt(jwks={"static_keys": value})])
    assert "jwks" not in auth.schema  # nothing to store
    client = Client(auth)
    await client.sign_up()
    adapter.operations.clear()
    token = (await client.get("/token")).json_body()["token"]  # even the first token: no key I/O
    assert adapter.operations == ["find_one session"]
    assert decode_unverified(token)[0] == {"alg": "EdDSA", "kid": key["kid"]}
    jwks = await client.get("/jwks")
    assert all("d" not in k for k in jwks.json_body()["keys"])
    assert await Verifier(issuer=BASE, audience=BASE, algorithms=["EdDSA"], keys=jwks.body).verify(token)


async def test_environment_variable_and_several_keys(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = export(capsys, "--alg", "ES256")
    monkeypatch.setenv("TESSERA_JWKS", first)
    both = export(capsys, "--append", "--base64")  # base64 of the current keys plus a new one
    decoded = json.loads(base64.urlsafe_b64decode(both + "=" * (-len(both) % 4)))
    assert [k["alg"] for k in decoded["keys"]] == ["ES256", "EdDSA"]
    monkeypatch.setenv("TESSERA_JWKS", both)
    auth = make_auth(plugins=[jwt()])  # read from $TESSERA_JWKS
    client = Client(auth)
    await client.sign_up()
    token = (await client.get("/token")).json_body()["token"]
    assert decode_unverified(token)[0]["kid"] == decoded["keys"][0]["kid"]  # the first key signs
    published = (await client.get("/jwks")).json_body()["keys"]
    assert [k["kid"] for k in published] == [k["kid"] for k in decoded["keys"]]
    public = json.loads(export(capsys, "--public"))
    assert public == {"keys": published}


def test_export_from_the_database(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Moving from database keys to static keys keeps the kid, so issued tokens stay valid."""
    import asyncio
    import sys
    import types

    db_auth = make_auth(plugins=[jwt()])

    async def issue() -> str:
        client = Client(db_auth)
        await client.sign_up()
        return (await client.get("/token")).json_body()["token"]  # type: ignore[no-any-return]

    token = asyncio.run(issue())
    module = types.ModuleType("jwt_export_app")
    module.auth = db_auth  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "jwt_export_app", module)
    monkeypatch.setattr(db_auth.adapter, "close", _no_close)
    value = export(capsys, "jwt_export_app:auth")
    static_auth = make_auth(plugins=[jwt(jwks={"static_keys": value})])
    assert asyncio.run(static_auth.api.verify_jwt(body={"token": token}))["payload"]["sub"]


async def _no_close() -> None:
    return None


def _set(*keys: Any) -> str:
    return json.dumps({"keys": list(keys)})


KEY = private_jwks([generate_jwk("EdDSA", kid="a")])["keys"][0]
OTHER = private_jwks([generate_jwk("EdDSA", kid="b")])["keys"][0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not json", "neither JSON nor base64"),
        ("{not json", "not valid JSON"),
        ('{"keys": []}', "at least one key"),
        (_set({**KEY, "kid": None}), "needs a kid"),
        (_set(KEY, {**OTHER, "kid": "a"}), "appears twice"),
        (_set({**KEY, "alg": "HS256"}), "not one of"),
        (_set({**KEY, "alg": "ES256"}), "does not fit"),
        (_set({**KEY, "x": OTHER["x"]}), "does not match"),
        (_set({k: v for k, v in KEY.items() if k != "d"}), "'d'"),
    ],
)
def test_bad_static_keys_fail_fast(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        jwt(jwks={"static_keys": value})


def test_static_keys_must_match_an_explicit_algorithm() -> None:
    with pytest.raises(ConfigError, match=r"key_pair_config\.alg is ES256"):
        jwt(jwks={"static_keys": _set(KEY), "key_pair_config": {"alg": "ES256"}})
    assert jwt(jwks={"static_keys": _set(KEY, OTHER)}).manager.static_keys
