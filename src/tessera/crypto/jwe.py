"""Compact JWE with ``alg: "dir"`` and ``enc: "A256CBC-HS512"`` (RFC 7516 / RFC 7518 §5.2.5), as Better Auth
makes them with ``jose``'s ``EncryptJWT`` for the ``jwe`` cookie cache (``symmetricEncodeJWT``).

The 64-byte content key is derived once per secret and purpose (``salt``) with HKDF-SHA256, and identified in
the protected header by its RFC 7638 thumbprint (``kid``), so several secrets can be told apart on decryption.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.padding import PKCS7

from .. import _json
from .hs256 import b64url, b64url_decode

INFO = b"BetterAuth.js Generated Encryption Key"
ENC = "A256CBC-HS512"


def derive_key(secret: str, salt: str) -> bytes:
    """HKDF-SHA256(ikm=secret, salt, info="BetterAuth.js Generated Encryption Key") → 64 bytes."""
    return HKDF(algorithm=hashes.SHA256(), length=64, salt=salt.encode(), info=INFO).derive(secret.encode())


def thumbprint(key: bytes) -> str:
    """RFC 7638 SHA-256 thumbprint of the symmetric JWK ``{"kty":"oct","k":…}``."""
    canonical = b'{"k":"' + b64url(key).encode() + b'","kty":"oct"}'
    return b64url(hashlib.sha256(canonical).digest())


class DirectEncrypter:
    """Encrypts and decrypts JWE compact tokens under one derived key. Build once; every call is key-schedule free."""

    def __init__(self, secret: str, salt: str) -> None:
        key = derive_key(secret, salt)
        self._mac_key, self._enc_key = key[:32], key[32:]
        self.kid = thumbprint(key)
        header = _json.dumps({"alg": "dir", "enc": ENC, "kid": self.kid})
        self._header_b64 = b64url(header).encode()

    def _tag(self, aad: bytes, iv: bytes, ciphertext: bytes) -> bytes:
        al = (len(aad) * 8).to_bytes(8, "big")
        return hmac.new(self._mac_key, aad + iv + ciphertext + al, hashlib.sha512).digest()[:32]

    def encrypt(self, plaintext: bytes) -> str:
        iv = os.urandom(16)
        padder = PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = Cipher(algorithms.AES(self._enc_key), modes.CBC(iv)).encryptor()
        ciphertext = encryptor.update(padded) + encryptor.finalize()
        tag = self._tag(self._header_b64, iv, ciphertext)
        return ".".join((self._header_b64.decode(), "", b64url(iv), b64url(ciphertext), b64url(tag)))

    def decrypt(self, token: str) -> bytes | None:
        """The plaintext, or ``None`` for anything malformed, under another key, or tampered with."""
        parts = token.split(".")
        if len(parts) != 5 or parts[1]:
            return None
        try:
            header = _json.loads(b64url_decode(parts[0]))
            iv, ciphertext, tag = (b64url_decode(p) for p in parts[2:])
        except (ValueError, _json.JSONDecodeError):
            return None
        if not isinstance(header, dict) or header.get("alg") != "dir" or header.get("enc") != ENC:
            return None
        if "kid" in header and header["kid"] != self.kid:
            return None
        if len(iv) != 16 or not ciphertext or len(ciphertext) % 16:
            return None
        if not hmac.compare_digest(self._tag(parts[0].encode(), iv, ciphertext), tag):
            return None
        decryptor = Cipher(algorithms.AES(self._enc_key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = PKCS7(128).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            return None
