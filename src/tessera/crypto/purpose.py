"""Purpose-derived keys: one use of the secret isolated from every other (Better Auth's ``crypto/purpose.ts``).

``HKDF-SHA256(ikm=secret, salt="better-auth:oauth-encryption:v1", info="better-auth:<purpose>:v1", 32 bytes)``
as lower-case hex — itself then used as a ``symmetric_encrypt`` secret. Better Auth's purposes are
``oauth-state-cookie`` and ``oauth-link-session-token``.
"""

from __future__ import annotations

from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .keyring import Keyring

_SALT = b"better-auth:oauth-encryption:v1"


@cache  # a handful of (secret, purpose) pairs per process
def derive_purpose_key(secret: str, purpose: str) -> str:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=f"better-auth:{purpose}:v1".encode())
    return hkdf.derive(secret.encode()).hex()


def purpose_keyring(keyring: Keyring, purpose: str) -> Keyring:
    """Every secret of ``keyring`` turned into its ``purpose`` key, versions kept (``derivePurposeKey``)."""
    return keyring.derive(lambda secret: derive_purpose_key(secret, purpose))
