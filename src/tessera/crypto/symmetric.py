"""Better Auth's ``symmetricEncrypt`` / ``symmetricDecrypt``: XChaCha20-Poly1305 keyed by SHA-256(secret).

Wire format (``packages/better-auth/src/crypto/index.ts``): ``hex(nonce[24] || ciphertext || tag[16])`` where the
key is ``SHA-256(utf8(secret))`` and the nonce is random (noble's ``managedNonce``). With versioned secrets
(``secrets=[{version, value}]``, a versioned ``Keyring``) the hex is wrapped as ``$ba$<version>$<hex>`` and
read with the secret of that version; a bare hex string is the legacy form, read with the legacy secret. Both
directions interoperate with Better Auth byte for byte, so a ``jwks`` table (or any encrypted column) can be
shared between the two.

``cryptography`` ships ChaCha20-Poly1305 with a 96-bit nonce but not the extended-nonce variant; XChaCha20 is
that construction keyed by an HChaCha20 subkey (draft-irtf-cfrg-xchacha §2.3), computed here in a few lines of
pure Python. It runs once per encryption or decryption, which for JWKS happens when a key is loaded, never
per token.
"""

from __future__ import annotations

import hashlib
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from .keyring import Keyring

ENVELOPE_PREFIX = "$ba$"
NONCE_SIZE = 24
_SIGMA = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)  # "expand 32-byte k"
_MASK = 0xFFFFFFFF


class DecryptionError(ValueError):
    """The ciphertext is malformed, was made with another secret, or was tampered with."""


def _hchacha20(key: bytes, nonce16: bytes) -> bytes:
    s = [*_SIGMA, *struct.unpack("<8I", key), *struct.unpack("<4I", nonce16)]

    def qr(a: int, b: int, c: int, d: int) -> None:
        s[a] = (s[a] + s[b]) & _MASK
        x = s[d] ^ s[a]
        s[d] = ((x << 16) | (x >> 16)) & _MASK
        s[c] = (s[c] + s[d]) & _MASK
        x = s[b] ^ s[c]
        s[b] = ((x << 12) | (x >> 20)) & _MASK
        s[a] = (s[a] + s[b]) & _MASK
        x = s[d] ^ s[a]
        s[d] = ((x << 8) | (x >> 24)) & _MASK
        s[c] = (s[c] + s[d]) & _MASK
        x = s[b] ^ s[c]
        s[b] = ((x << 7) | (x >> 25)) & _MASK

    for _ in range(10):
        qr(0, 4, 8, 12)
        qr(1, 5, 9, 13)
        qr(2, 6, 10, 14)
        qr(3, 7, 11, 15)
        qr(0, 5, 10, 15)
        qr(1, 6, 11, 12)
        qr(2, 7, 8, 13)
        qr(3, 4, 9, 14)
    return struct.pack("<8I", *s[0:4], *s[12:16])


def _aead(key: bytes, nonce: bytes) -> tuple[ChaCha20Poly1305, bytes]:
    return ChaCha20Poly1305(_hchacha20(key, nonce[:16])), b"\x00\x00\x00\x00" + nonce[16:]


def xchacha20poly1305_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes | None = None) -> bytes:
    """IETF XChaCha20-Poly1305: ``ciphertext || tag`` (libsodium's ``crypto_aead_xchacha20poly1305_ietf``)."""
    if len(key) != 32 or len(nonce) != NONCE_SIZE:
        raise ValueError("XChaCha20-Poly1305 needs a 32-byte key and a 24-byte nonce")
    aead, subnonce = _aead(key, nonce)
    return aead.encrypt(subnonce, plaintext, aad)


def xchacha20poly1305_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes | None = None) -> bytes:
    if len(key) != 32 or len(nonce) != NONCE_SIZE:
        raise ValueError("XChaCha20-Poly1305 needs a 32-byte key and a 24-byte nonce")
    aead, subnonce = _aead(key, nonce)
    try:
        return aead.decrypt(subnonce, ciphertext, aad)
    except InvalidTag:
        raise DecryptionError("ciphertext does not authenticate under this secret") from None


def _key(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _seal(secret: str, data: str) -> str:
    nonce = os.urandom(NONCE_SIZE)
    return (nonce + xchacha20poly1305_encrypt(_key(secret), nonce, data.encode())).hex()


def _open(secret: str, hex_payload: str) -> str:
    try:
        raw = bytes.fromhex(hex_payload)
    except ValueError:
        raise DecryptionError("ciphertext is not hex") from None
    if len(raw) < NONCE_SIZE + 16:
        raise DecryptionError("ciphertext is too short")
    plain = xchacha20poly1305_decrypt(_key(secret), raw[:NONCE_SIZE], raw[NONCE_SIZE:])
    try:
        return plain.decode()
    except UnicodeDecodeError:
        raise DecryptionError("plaintext is not UTF-8") from None


def parse_envelope(data: str) -> tuple[int, str] | None:
    """``$ba$<version>$<hex>`` → ``(version, hex)``; anything else → ``None``."""
    if not data.startswith(ENVELOPE_PREFIX):
        return None
    head, sep, ciphertext = data[len(ENVELOPE_PREFIX):].partition("$")
    if not sep or not head.isdigit():
        return None
    return int(head), ciphertext


def symmetric_encrypt(key: str | Keyring, data: str) -> str:
    """Encrypt ``data`` as Better Auth does: bare hex under a plain secret (or an unversioned keyring), a
    ``$ba$<version>$<hex>`` envelope under the current secret of a versioned keyring."""
    if isinstance(key, str):
        return _seal(key, data)
    sealed = _seal(key.current, data)
    return sealed if key.current_version is None else f"{ENVELOPE_PREFIX}{key.current_version}${sealed}"


def symmetric_decrypt(key: str | Keyring, data: str) -> str:
    """Decrypt an envelope with the secret of the version it names, a bare-hex payload with the legacy secret.

    Raises ``DecryptionError`` naming the cause: a version that is not (or no longer) configured, no legacy
    secret for a bare-hex payload, or a ciphertext that does not authenticate.
    """
    keyring = Keyring.single(key) if isinstance(key, str) else key
    envelope = parse_envelope(data)
    if envelope is not None:
        version, ciphertext = envelope
        secret = keyring.versions.get(version)
        if secret is None:
            if not keyring.is_versioned:
                raise DecryptionError(
                    f"the payload was encrypted with secret version {version}, but no versioned `secrets` are "
                    "configured"
                )
            raise DecryptionError(
                f"secret version {version} is not configured (was it retired?); configured: "
                + ", ".join(map(str, keyring.versions))
            )
        return _open(secret, ciphertext)
    if keyring.legacy is None:
        raise DecryptionError(
            "a bare-hex (unversioned) payload needs the legacy secret: set `secret` (or BETTER_AUTH_SECRET) "
            "next to `secrets`"
        )
    return _open(keyring.legacy, data)
