"""``Verifier``: hostile tokens are refused, and no check can be skipped."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from tessera.errors import ConfigError
from tessera.jwt import (
    DisallowedAlgorithm,
    ExpiredToken,
    ImmatureToken,
    InvalidClaim,
    InvalidSignature,
    KeySet,
    MalformedToken,
    UnknownKey,
    Verifier,
    encode,
    generate_jwk,
)
from tessera.jwt.jwk import b64url_encode
from tests._ba_vectors import BA_BASE, BA_EDDSA_JWKS, BA_EDDSA_TOKEN, WIRE_IAT, WIRE_JWK, WIRE_TOKEN

ISS = "https://auth.example.com"
AUD = "https://api.example.com"
KEY = generate_jwk("EdDSA", kid="k1")
OTHER = generate_jwk("EdDSA", kid="k1")  # same kid, different key
NOW = 1_900_000_000.0


def verifier(**kw) -> Verifier:  # type: ignore[no-untyped-def]
    kw.setdefault("keys", KeySet([KEY.public]))
    return Verifier(issuer=ISS, audience=AUD, algorithms=["EdDSA"], clock=lambda: NOW, **kw)


def claims(**extra):  # type: ignore[no-untyped-def]
    return {"sub": "user-1", "iat": int(NOW), "exp": int(NOW) + 900, "iss": ISS, "aud": AUD, **extra}


def raw_token(header: dict, payload: dict, signature: bytes = b"") -> str:  # type: ignore[type-arg]
    h = b64url_encode(json.dumps(header).encode())
    p = b64url_encode(json.dumps(payload).encode())
    return f"{h}.{p}.{b64url_encode(signature)}"


async def test_accepts_a_good_token() -> None:
    assert (await verifier().verify(encode(claims(), KEY)))["sub"] == "user-1"
    assert verifier().verify_sync(encode(claims(aud=["x", AUD]), KEY))["sub"] == "user-1"


async def test_alg_none_is_refused() -> None:
    for alg in ("none", "None", "NONE"):
        with pytest.raises(DisallowedAlgorithm):
            await verifier().verify(raw_token({"alg": alg, "kid": "k1"}, claims()))


async def test_hs256_signed_with_the_public_key_is_refused() -> None:
    """The RS256/EdDSA→HS256 confusion: an attacker MACs with the (public) key material."""
    header = {"alg": "HS256", "kid": "k1"}
    for secret in (json.dumps(KEY.public.to_dict()).encode(), KEY.public.params["x"].encode()):
        unsigned = raw_token(header, claims()).rsplit(".", 1)[0]
        mac = hmac.new(secret, unsigned.encode(), hashlib.sha256).digest()
        with pytest.raises(DisallowedAlgorithm):
            await verifier().verify(f"{unsigned}.{b64url_encode(mac)}")
    # even a verifier that pins HS256 cannot exist
    with pytest.raises(ConfigError):
        Verifier(issuer=ISS, audience=AUD, algorithms=["HS256"], keys=KeySet([KEY.public]))


async def test_alg_must_match_the_key() -> None:
    es = generate_jwk("ES256", kid="k1")
    v = Verifier(issuer=ISS, audience=AUD, algorithms=["EdDSA", "ES256"], keys=KeySet([KEY.public]), clock=lambda: NOW)
    with pytest.raises(DisallowedAlgorithm):
        await v.verify(encode(claims(), es))  # an ES256 token naming the EdDSA key's kid


async def test_wrong_kid_and_wrong_key() -> None:
    with pytest.raises(UnknownKey):
        await verifier().verify(encode(claims(), generate_jwk("EdDSA", kid="nope")))
    with pytest.raises(InvalidSignature):
        await verifier().verify(encode(claims(), OTHER))


async def test_tampered_payload_and_signature() -> None:
    token = encode(claims(), KEY)
    head, payload, sig = token.split(".")
    forged = b64url_encode(json.dumps(claims(sub="admin")).encode())
    with pytest.raises(InvalidSignature):
        await verifier().verify(f"{head}.{forged}.{sig}")
    with pytest.raises(InvalidSignature):
        await verifier().verify(f"{head}.{payload}.{sig[:-4]}AAAA")
    with pytest.raises(MalformedToken):
        await verifier().verify(f"{head}.{payload}.{sig}=")


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"exp": int(NOW) - 1}, ExpiredToken),
        ({"exp": int(NOW)}, ExpiredToken),
        ({"exp": None}, InvalidClaim),
        ({"exp": "9999999999"}, InvalidClaim),
        ({"nbf": int(NOW) + 60}, ImmatureToken),
        ({"iat": int(NOW) + 60}, ImmatureToken),
        ({"iss": "https://evil.example.com"}, InvalidClaim),
        ({"iss": [ISS]}, InvalidClaim),
        ({"iss": None}, InvalidClaim),
        ({"aud": "https://other.example.com"}, InvalidClaim),
        ({"aud": ["https://other.example.com"]}, InvalidClaim),
        ({"aud": None}, InvalidClaim),
        ({"sub": None}, InvalidClaim),
        ({"sub": 42}, InvalidClaim),
    ],
)
async def test_claims(extra: dict, error: type) -> None:  # type: ignore[type-arg]
    payload = {k: v for k, v in claims(**extra).items() if v is not None}
    with pytest.raises(error):
        await verifier().verify(encode(payload, KEY))


async def test_leeway_and_max_age() -> None:
    token = encode(claims(exp=int(NOW) - 5), KEY)
    assert await verifier(leeway=10).verify(token)
    old = encode(claims(iat=int(NOW) - 3600), KEY)
    with pytest.raises(ExpiredToken):
        await verifier(max_age=600).verify(old)


async def test_crit_header_is_refused_and_kidless_tokens_need_a_single_key() -> None:
    with pytest.raises(MalformedToken):
        await verifier().verify(encode(claims(), KEY, header={"crit": ["exp"]}))
    kidless = generate_jwk("EdDSA")
    token = encode(claims(), kidless)
    single = KeySet.from_jwks({"keys": [{**kidless.public.to_dict(), "kid": "only"}]})
    assert await verifier(keys=single).verify(token)
    two = KeySet([single.get("only"), KEY.public])  # type: ignore[list-item]
    with pytest.raises(UnknownKey):
        await verifier(keys=two).verify(token)


async def test_oversized_tokens_are_refused_before_decoding() -> None:
    with pytest.raises(MalformedToken):
        await verifier().verify(encode(claims(pad="x" * 20000), KEY))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"issuer": "", "audience": AUD, "algorithms": ["EdDSA"]},
        {"issuer": ISS, "audience": [], "algorithms": ["EdDSA"]},
        {"issuer": ISS, "audience": AUD, "algorithms": []},
        {"issuer": ISS, "audience": AUD, "algorithms": "EdDSA"},
        {"issuer": ISS, "audience": AUD, "algorithms": ["none"]},
    ],
)
def test_checks_cannot_be_configured_away(kwargs: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError):
        Verifier(keys=KeySet([KEY.public]), **kwargs)
    with pytest.raises(TypeError):
        Verifier(keys=KeySet([KEY.public]), algorithms=["EdDSA"])  # type: ignore[call-arg]


def test_needs_a_key_source() -> None:
    with pytest.raises(ConfigError):
        Verifier(issuer=ISS, audience=AUD, algorithms=["EdDSA"])
    with pytest.raises(ConfigError, match="invalid key set"):
        Verifier(issuer=ISS, audience=AUD, algorithms=["EdDSA"], keys='{"keys": [{"kty": "oct"}]}')


async def test_better_auth_tokens_verify() -> None:
    wire = Verifier(issuer=BA_BASE, audience=BA_BASE, algorithms=["EdDSA"], keys={"keys": [WIRE_JWK]},
                    clock=lambda: WIRE_IAT + 60)
    assert (await wire.verify(WIRE_TOKEN))["email"] == "alice@example.com"
    signed = Verifier(issuer=BA_BASE, audience=BA_BASE, algorithms=["EdDSA"], keys=BA_EDDSA_JWKS,
                      clock=lambda: 1795454426 - 60)
    assert (await signed.verify(BA_EDDSA_TOKEN))["sub"] == "user-1"
    # with the real clock, the captured wire token has long expired
    with pytest.raises(ExpiredToken):
        await Verifier(issuer=BA_BASE, audience=BA_BASE, algorithms=["EdDSA"], keys={"keys": [WIRE_JWK]}).verify(
            WIRE_TOKEN
        )
