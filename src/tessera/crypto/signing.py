"""Signed values in Better Auth's cookie format: ``value + "." + base64(HMAC-SHA256(secret, value))``.

The HMAC key schedule is computed once per secret (``hmac.HMAC.copy``), not per cookie, and values that verified
are remembered (a browser sends the same signed cookie on every request).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_LENGTH = 44  # standard base64 of 32 bytes, with one "=" of padding
#: signed values that verified, remembered per ``Signer`` (the oldest forgotten first); a forgery is never stored
VERIFIED_SIZE = 4096


class Signer:
    def __init__(self, secret: str | bytes) -> None:
        key = secret.encode() if isinstance(secret, str) else secret
        self._base = hmac.new(key, digestmod=hashlib.sha256)
        self._verified: dict[str, str] = {}

    def mac(self, value: str | bytes) -> bytes:
        h = self._base.copy()
        h.update(value.encode() if isinstance(value, str) else value)
        return h.digest()

    def signature(self, value: str) -> str:
        return base64.b64encode(self.mac(value)).decode()

    def sign(self, value: str) -> str:
        return f"{value}.{self.signature(value)}"

    def unsign(self, signed: str) -> str | None:
        """The value when the signature is valid, else ``None`` (compared in constant time)."""
        known = self._verified.get(signed)
        if known is not None:
            return known
        dot = signed.rfind(".")
        if dot < 1:
            return None
        value, sig = signed[:dot], signed[dot + 1 :]
        if len(sig) != SIGNATURE_LENGTH or not sig.endswith("="):
            return None
        expected = self.signature(value)
        if not hmac.compare_digest(expected.encode(), sig.encode()):
            return None
        verified = self._verified
        if len(verified) >= VERIFIED_SIZE:
            del verified[next(iter(verified))]
        verified[signed] = value
        return value

    def verify_base64url_or_std(self, value: str, sig: str) -> bool:
        """Accept the signature in standard or URL-safe base64 (the bearer plugin's leniency)."""
        normalised = sig.replace("-", "+").replace("_", "/")
        normalised += "=" * (-len(normalised) % 4)
        return hmac.compare_digest(self.signature(value).encode(), normalised.encode())
