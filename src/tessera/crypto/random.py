"""Random identifiers and tokens in Better Auth's alphabets."""

from __future__ import annotations

import secrets

ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
LOWER_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789"


def random_string(length: int, alphabet: str = ALPHANUMERIC) -> str:
    """Uniformly random characters (``secrets.choice`` rejects biased samples)."""
    choice = secrets.choice
    return "".join(choice(alphabet) for _ in range(length))


def generate_id(length: int = 32) -> str:
    """Better Auth's ``generateId``: 32 characters of ``[A-Za-z0-9]``."""
    return random_string(length)
