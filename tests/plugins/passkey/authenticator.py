"""A software WebAuthn authenticator (ES256 on P-256, ``none`` attestation) that answers the options our server
hands out the way a browser plus a platform authenticator would: ``clientDataJSON``, ``authenticatorData``
with flags, counter and attested credential data, CBOR attestation object, DER signature."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftAuthenticator:
    """One credential. ``origin``/``rp_id`` are what the (possibly phished) browser reports; the knobs let a
    test play a misbehaving or cloned authenticator."""

    origin: str
    rp_id: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    counter: int = 0
    user_verified: bool = True
    backed_up: bool = True
    aaguid: bytes = bytes(16)
    user_handle: bytes | None = None

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _flags(self, attested: bool) -> int:
        flags = UP | (UV if self.user_verified else 0) | (AT if attested else 0)
        if self.backed_up:
            flags |= BE | BS
        return flags

    def _auth_data(self, rp_id: str, attested: bool) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags(attested)]) + struct.pack(">I", self.counter)
        if attested:
            data += self.aaguid + struct.pack(">H", len(self.credential_id)) + self.credential_id + self.cose_key()
        return data

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def register(self, options: dict[str, Any], *, origin: str | None = None, rp_id: str | None = None,
                 challenge: str | None = None) -> dict[str, Any]:
        """``navigator.credentials.create()``'s answer, as ``@simplewebauthn/browser`` serialises it."""
        self.user_handle = unb64url(options["user"]["id"])
        client_data = self._client_data("webauthn.create", challenge or options["challenge"], origin or self.origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {},
                                   "authData": self._auth_data(rp_id or self.rp_id, attested=True)})
        return {
            "id": self.id, "rawId": self.id, "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation),
                         "transports": ["internal", "hybrid"]},
            "clientExtensionResults": {"credProps": {"rk": True}}, "authenticatorAttachment": "platform",
        }

    def authenticate(self, options: dict[str, Any], *, origin: str | None = None, rp_id: str | None = None,
                     challenge: str | None = None, bump: int = 1) -> dict[str, Any]:
        """``navigator.credentials.get()``'s answer; the counter moves by ``bump`` first (0 = not at all)."""
        self.counter += bump
        client_data = self._client_data("webauthn.get", challenge or options["challenge"], origin or self.origin)
        auth_data = self._auth_data(rp_id or self.rp_id, attested=False)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        response: dict[str, Any] = {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                                    "signature": b64url(signature)}
        if self.user_handle is not None:
            response["userHandle"] = b64url(self.user_handle)
        return {"id": self.id, "rawId": self.id, "type": "public-key", "response": response,
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}
