"""RFC 4226 HOTP / RFC 6238 TOTP (HMAC-SHA1) and the ``otpauth://`` URI, as ``@better-auth/utils/otp`` computes
them: the secret is the UTF-8 bytes of a 32-character random string (base32-encoded only in the URI), 6
digits, 30-second steps, and a code is accepted in the current step or the one before or after it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from urllib.parse import quote

WINDOW = 1
BASE32_PREFIX = "base32:"
#: what ``encodeURIComponent`` leaves unescaped besides letters and digits
_COMPONENT_SAFE = "-_.!~*'()"


def secret_key(secret: str) -> bytes:
    """The HMAC key of a stored (decrypted) secret. Secrets imported from another provider are stored as
    ``base32:<secret>`` (Better Auth's convention); generated ones are used as their UTF-8 bytes."""
    if secret.startswith(BASE32_PREFIX):
        raw = secret[len(BASE32_PREFIX):].upper()
        return base64.b32decode(raw + "=" * (-len(raw) % 8))
    return secret.encode()


def hotp(key: bytes, counter: int, digits: int = 6) -> str:
    if not 1 <= digits <= 8:
        raise ValueError("digits must be between 1 and 8")
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def current_step(now: float, period: int = 30) -> int:
    return int(now // period)


def totp(key: bytes, now: float, *, digits: int = 6, period: int = 30) -> str:
    return hotp(key, current_step(now, period), digits)


def matching_step(key: bytes, code: str, now: float, *, digits: int = 6, period: int = 30) -> int | None:
    """The time step (within ±``WINDOW`` of now) whose code is ``code``, else ``None``.

    Every candidate is computed and compared in constant time, so the answer's timing says nothing about
    which step (if any) matched or how much of the code was right.
    """
    step = current_step(now, period)
    given = code.encode()
    found: int | None = None
    for candidate in range(step - WINDOW, step + WINDOW + 1):
        if hmac.compare_digest(given, hotp(key, candidate, digits).encode()) and found is None:
            found = candidate
    return found


def _search_param(value: str) -> str:
    """``URLSearchParams`` serialisation: application/x-www-form-urlencoded, leaving ``*-._`` alone."""
    return quote(value, safe="*-._").replace("%20", "+")


def totp_uri(key: bytes, issuer: str, account: str, *, digits: int = 6, period: int = 30) -> str:
    """``otpauth://totp/<issuer>:<account>?secret=<base32, no padding>&issuer=…&digits=…&period=…``."""
    label = f"{quote(issuer, safe=_COMPONENT_SAFE)}:{quote(account, safe=_COMPONENT_SAFE)}"
    secret = base64.b32encode(key).decode().rstrip("=")
    query = "&".join(
        f"{name}={_search_param(value)}"
        for name, value in (("secret", secret), ("issuer", issuer), ("digits", str(digits)), ("period", str(period)))
    )
    return f"otpauth://totp/{label}?{query}"
