"""Compact JWS (RFC 7515 §7.1): ``base64url(header).base64url(payload).base64url(signature)``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import _json
from .errors import MalformedToken
from .jwk import PrivateJWK, b64url_decode, b64url_encode

#: tokens longer than this are refused before any decoding (a JWT is a header, not a payload store)
MAX_TOKEN_LENGTH = 16 * 1024


def encode_header(key: PrivateJWK, extra: Mapping[str, Any] | None = None) -> str:
    """The protected header ``{"alg", "kid"}`` (Better Auth's order), base64url-encoded."""
    header: dict[str, Any] = {"alg": key.alg}
    if key.kid is not None:
        header["kid"] = key.kid
    if extra:
        header.update(extra)
    return b64url_encode(_json.dumps(header))


def sign_compact(encoded_header: str, payload: Mapping[str, Any], key: PrivateJWK) -> str:
    """Sign ``payload`` under an already encoded header (cache ``encode_header(key)`` per key)."""
    signing_input = f"{encoded_header}.{b64url_encode(_json.dumps(payload))}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"


def encode(payload: Mapping[str, Any], key: PrivateJWK, *, header: Mapping[str, Any] | None = None) -> str:
    return sign_compact(encode_header(key, header), payload, key)


@dataclass(frozen=True, slots=True)
class ParsedToken:
    """A compact JWS split and decoded, its signature not yet checked."""

    header: dict[str, Any]
    signing_input: bytes
    payload_segment: str
    signature: bytes

    def claims(self) -> dict[str, Any]:
        try:
            claims = _json.loads(b64url_decode(self.payload_segment))
        except (ValueError, _json.JSONDecodeError):
            raise MalformedToken("the payload is not base64url JSON") from None
        if not isinstance(claims, dict):
            raise MalformedToken("the payload is not a JSON object")
        return claims


def parse(token: str, *, max_length: int = MAX_TOKEN_LENGTH) -> ParsedToken:
    if not isinstance(token, str) or len(token) > max_length:
        raise MalformedToken("not a token, or too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedToken("a compact JWS has three segments")
    head, payload, sig = parts
    try:
        header = _json.loads(b64url_decode(head))
        signature = b64url_decode(sig)
        b64url_decode(payload)  # decoded again after the signature checks; here only its syntax
    except (ValueError, _json.JSONDecodeError):
        raise MalformedToken("segments must be base64url (header: JSON)") from None
    if not isinstance(header, dict):
        raise MalformedToken("the header is not a JSON object")
    return ParsedToken(header, f"{head}.{payload}".encode("ascii"), payload, signature)


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims WITHOUT checking anything. For debugging and routing, never for trust."""
    parsed = parse(token)
    return parsed.header, parsed.claims()
