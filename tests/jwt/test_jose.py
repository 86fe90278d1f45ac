"""The JOSE core: keys, algorithms, compact JWS — and Better Auth's own tokens and key rows."""

from __future__ import annotations

import json

import pytest

from tessera.crypto.symmetric import symmetric_decrypt
from tessera.jwt import (
    ALGORITHMS,
    InvalidKey,
    KeySet,
    MalformedToken,
    decode_unverified,
    encode,
    generate_jwk,
    load_private_jwk,
    load_public_jwk,
)
from tessera.jwt.jwk import b64url_decode, b64url_encode
from tessera.jwt.jws import parse
from tests._ba_vectors import (
    BA_EDDSA_JWKS,
    BA_EDDSA_ROW,
    BA_EDDSA_TOKEN,
    BA_ES256_JWKS,
    BA_ES256_ROW,
    BA_ES256_TOKEN,
    BA_RS256_JWKS,
    BA_RS256_TOKEN,
    BA_SECRET,
    WIRE_JWK,
    WIRE_TOKEN,
)

_RSA = {}


def _key(alg: str):  # type: ignore[no-untyped-def]
    if alg.startswith(("RS", "PS")):  # one RSA key for all six algorithms keeps the suite fast
        base = _RSA.setdefault("key", generate_jwk("RS256", kid="rsa"))
        return load_private_jwk(base.private_dict(), kid=f"k-{alg}", alg=alg)
    return generate_jwk(alg, kid=f"k-{alg}")


@pytest.mark.parametrize("alg", sorted(ALGORITHMS))
def test_sign_and_verify_every_algorithm(alg: str) -> None:
    key = _key(alg)
    token = encode({"sub": "u"}, key)
    parsed = parse(token)
    assert parsed.header == {"alg": alg, "kid": f"k-{alg}"}
    assert key.public.verify(alg, parsed.signing_input, parsed.signature)
    assert not key.public.verify(alg, parsed.signing_input + b"x", parsed.signature)
    # export → import keeps the key (public and private)
    again = load_private_jwk(key.private_dict(), kid=key.kid, alg=alg)
    assert again.public.params == key.public.params
    assert load_public_jwk(key.public.to_dict()).verify(alg, parsed.signing_input, parsed.signature)


def test_a_key_verifies_only_its_own_algorithm() -> None:
    key = _key("RS256")
    token = encode({"sub": "u"}, key)
    parsed = parse(token)
    assert key.public.algorithms == {"RS256"}
    assert not key.public.verify("PS256", parsed.signing_input, parsed.signature)
    assert not key.public.verify("HS256", parsed.signing_input, parsed.signature)
    # without ``alg`` an RSA key fits the RSA family only; an Ed25519 key only EdDSA
    assert load_public_jwk(key.public.params).algorithms == {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
    assert load_public_jwk(WIRE_JWK | {"alg": None}).algorithms == {"EdDSA"}


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "oct", "k": "c2VjcmV0"},
        {"kty": "OKP", "crv": "X25519", "x": WIRE_JWK["x"]},
        {"kty": "OKP", "crv": "Ed25519", "x": WIRE_JWK["x"], "use": "enc"},
        {"kty": "OKP", "crv": "Ed25519", "x": WIRE_JWK["x"], "alg": "ES256"},
        {"kty": "OKP", "crv": "Ed25519", "x": WIRE_JWK["x"] + "A"},
        {"kty": "EC", "crv": "P-256", "x": b64url_encode(b"\x01" * 32), "y": b64url_encode(b"\x02" * 32)},
        {"kty": "RSA", "n": b64url_encode((2**1023 + 1).to_bytes(128, "big")), "e": "AQAB"},
    ],
    ids=["hmac", "x25519", "use-enc", "alg-mismatch", "bad-length", "off-curve", "rsa-1024"],
)
def test_unusable_public_keys_are_refused(jwk: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidKey):
        load_public_jwk(jwk)


def test_private_jwk_must_match_its_public_members() -> None:
    key = generate_jwk("EdDSA")
    other = generate_jwk("EdDSA")
    lying = {**key.private_dict(), "x": other.public.params["x"]}
    with pytest.raises(InvalidKey, match="does not match"):
        load_private_jwk(lying)


def test_base64url_is_strict() -> None:
    assert b64url_decode(b64url_encode(b"\xff\xfe")) == b"\xff\xfe"
    for bad in ("a=", "a b", "a+b", "abcde", "ab/c"):
        with pytest.raises(ValueError):
            b64url_decode(bad)


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "e30.e30.!!", "bm90anNvbg.e30.", "W10.e30."])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(MalformedToken):
        parse(token)


def test_decode_unverified_reads_better_auths_wire_token() -> None:
    header, claims = decode_unverified(WIRE_TOKEN)
    assert header == {"alg": "EdDSA", "kid": WIRE_JWK["kid"]}
    assert list(claims)[:2] == ["iat", "name"] and list(claims)[-4:] == ["sub", "exp", "iss", "aud"]


def test_better_auth_wire_token_signature_verifies() -> None:
    parsed = parse(WIRE_TOKEN)
    key = load_public_jwk(WIRE_JWK)
    assert key.verify("EdDSA", parsed.signing_input, parsed.signature)


@pytest.mark.parametrize(
    ("token", "jwks", "row"),
    [
        (BA_EDDSA_TOKEN, BA_EDDSA_JWKS, BA_EDDSA_ROW),
        (BA_ES256_TOKEN, BA_ES256_JWKS, BA_ES256_ROW),
        (BA_RS256_TOKEN, BA_RS256_JWKS, None),
    ],
    ids=["EdDSA", "ES256", "RS256"],
)
def test_better_auth_tokens_and_rows(token: str, jwks: dict, row: dict | None) -> None:  # type: ignore[type-arg]
    keys = KeySet.from_jwks(jwks)
    header, _ = decode_unverified(token)
    parsed = parse(token)
    assert keys.get(header["kid"]).verify(header["alg"], parsed.signing_input, parsed.signature)  # type: ignore[union-attr]
    if row is None:
        return
    # the row's private key is Better Auth's symmetricEncrypt of the private JWK, JSON-quoted
    private = json.loads(symmetric_decrypt(BA_SECRET, json.loads(row["privateKey"])))
    key = load_private_jwk(private, kid=row["id"], alg=row["alg"])
    assert key.public.params == json.loads(row["publicKey"])
    assert list(key.private_dict()) == list(private)  # the same member order as jose's exportJWK
    ours = parse(encode({"sub": "u"}, key))
    assert keys.get(row["id"]).verify(row["alg"], ours.signing_input, ours.signature)  # type: ignore[union-attr]


def test_keyset_strict_and_lenient() -> None:
    good = WIRE_JWK
    weird = {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"}
    with pytest.raises(InvalidKey):
        KeySet.from_jwks({"keys": [good, weird]})
    assert [k.kid for k in KeySet.from_jwks({"keys": [good, weird, good]}, strict=False)] == [good["kid"]]
    with pytest.raises(InvalidKey, match="twice"):
        KeySet.from_jwks({"keys": [good, good]})
