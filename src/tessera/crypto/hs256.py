"""Compact HS256 JSON Web Tokens keyed by the raw secret, as ``jose``'s ``SignJWT`` makes them.

Used for email-verification links, so a link minted by Better Auth verifies here and the other way round.
"""

from __future__ import annotations

import base64
import hmac
import time
from typing import Any

from .. import _json
from .signing import Signer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


class TokenError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid" | "expired"


_HEADER = b64url(b'{"alg":"HS256"}')


def sign(signer: Signer, payload: dict[str, Any], *, expires_in: int, now: float | None = None) -> str:
    iat = int(now if now is not None else time.time())
    claims = {**payload, "iat": iat, "exp": iat + expires_in}
    signing_input = f"{_HEADER}.{b64url(_json.dumps(claims))}"
    return f"{signing_input}.{b64url(signer.mac(signing_input))}"


def verify(signer: Signer, token: str, *, now: float | None = None, leeway: int = 0) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("invalid")
    try:
        header = _json.loads(b64url_decode(parts[0]))
        claims = _json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, _json.JSONDecodeError):
        raise TokenError("invalid") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        raise TokenError("invalid")
    if not hmac.compare_digest(signer.mac(f"{parts[0]}.{parts[1]}"), signature):
        raise TokenError("invalid")
    exp = claims.get("exp")
    current = now if now is not None else time.time()
    if not isinstance(exp, int | float) or current > exp + leeway:
        raise TokenError("expired")
    return claims
