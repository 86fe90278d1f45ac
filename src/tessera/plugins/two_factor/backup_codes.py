"""Backup codes: ten ``xxxxx-xxxxx`` codes of ``[a-zA-Z0-9]``, stored as one JSON array that is encrypted
with the secret keyring (Better Auth's default ``storeBackupCodes: "encrypted"``) or kept as plain JSON."""

from __future__ import annotations

import hmac
import json
from typing import Any

from ...crypto.keyring import Keyring
from ...crypto.random import random_string
from ...crypto.symmetric import symmetric_decrypt, symmetric_encrypt

BACKUP_CODE_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def generate_backup_codes(amount: int = 10, length: int = 10) -> list[str]:
    codes = (random_string(length, BACKUP_CODE_ALPHABET) for _ in range(amount))
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def encode_backup_codes(codes: list[str], keyring: Keyring, store: str) -> str:
    data = json.dumps(codes, separators=(",", ":"))
    return symmetric_encrypt(keyring, data) if store == "encrypted" else data


def decode_backup_codes(stored: str, keyring: Keyring, store: str) -> list[str] | None:
    """The codes, or ``None`` when the stored value is not a JSON array of strings (Better Auth's
    ``safeJSONParse``). A ciphertext that does not authenticate raises ``DecryptionError``."""
    data = symmetric_decrypt(keyring, stored) if store == "encrypted" else stored
    try:
        parsed: Any = json.loads(data)
    except ValueError:
        return None
    if not isinstance(parsed, list) or not all(isinstance(c, str) for c in parsed):
        return None
    return list(parsed)


def remove_code(codes: list[str], given: str) -> list[str] | None:
    """The codes without ``given``, or ``None`` when it is not one of them. Every code is compared in
    constant time, so timing does not reveal how close a guess came or where the code sits in the list."""
    encoded = given.encode()
    matched = False
    for c in codes:
        matched |= hmac.compare_digest(c.encode(), encoded)
    return [c for c in codes if c != given] if matched else None
