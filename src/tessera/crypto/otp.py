"""One-time codes as Better Auth's OTP flows keep them (two-factor's email/SMS codes, the email-OTP plugin).

A code sits in a verification row as ``<stored code>:<failed attempts>``, the stored code being the code itself,
its hash or its encryption. The helpers here are the parts both flows share, byte for byte Better Auth's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from .random import random_string

DIGITS = "0123456789"


def generate_otp(length: int) -> str:
    """``length`` random decimal digits (Better Auth's ``generateRandomString(length, "0-9")``)."""
    return random_string(length, DIGITS)


def hash_otp(otp: str) -> str:
    """Better Auth's ``defaultKeyHasher``: base64url(SHA-256(otp)) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(otp.encode()).digest()).decode().rstrip("=")


def codes_equal(a: str, b: str) -> bool:
    """Constant-time comparison: how long it takes tells nothing about how much of a guess was right."""
    return hmac.compare_digest(a.encode(), b.encode())


def split_attempts(value: str) -> tuple[str, int]:
    """``"<stored>:<attempts>"`` split at the last colon (an encrypted code holds none; a custom one might),
    with a missing or malformed count read as 0, as Better Auth's ``parseInt(attempts || "0")``."""
    stored, sep, count = value.rpartition(":")
    if not sep:
        return value, 0
    return stored, int(count) if count.isdigit() else 0
