"""The token toolkit: a small JOSE core on ``cryptography`` and a ``Verifier`` for services consuming tokens.

    from tessera.jwt import Verifier

    verifier = Verifier(
        issuer="https://auth.example.com",
        audience="https://auth.example.com",
        algorithms=["EdDSA"],
        jwks_url="https://auth.example.com/api/auth/jwks",
    )
    claims = await verifier.verify(token)   # raises a JWTError subclass when the token is not acceptable
"""

from .errors import (
    DisallowedAlgorithm,
    ExpiredToken,
    ImmatureToken,
    InvalidClaim,
    InvalidKey,
    InvalidSignature,
    JWTError,
    KeySetUnavailable,
    MalformedToken,
    UnknownKey,
)
from .jwk import (
    ALGORITHMS,
    SIGNING_ALGORITHMS,
    PrivateJWK,
    PublicJWK,
    generate_jwk,
    load_private_jwk,
    load_public_jwk,
)
from .jws import decode_unverified, encode
from .keyset import KeySet
from .remote import RemoteJWKS
from .verifier import Verifier

__all__ = [
    "ALGORITHMS",
    "SIGNING_ALGORITHMS",
    "DisallowedAlgorithm",
    "ExpiredToken",
    "ImmatureToken",
    "InvalidClaim",
    "InvalidKey",
    "InvalidSignature",
    "JWTError",
    "KeySet",
    "KeySetUnavailable",
    "MalformedToken",
    "PrivateJWK",
    "PublicJWK",
    "RemoteJWKS",
    "UnknownKey",
    "Verifier",
    "decode_unverified",
    "encode",
    "generate_jwk",
    "load_private_jwk",
    "load_public_jwk",
]
