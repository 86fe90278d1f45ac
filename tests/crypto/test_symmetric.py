"""Better Auth's symmetric envelope (XChaCha20-Poly1305 keyed by SHA-256(secret)), byte-compatible both ways."""

from __future__ import annotations

import hashlib
import os

import pytest
from tests._ba_vectors import BA_ENVELOPE, BA_SECRET

from tessera.crypto.keyring import Keyring
from tessera.crypto.symmetric import (
    DecryptionError,
    _hchacha20,
    symmetric_decrypt,
    symmetric_encrypt,
    xchacha20poly1305_decrypt,
    xchacha20poly1305_encrypt,
)

SECRET = "a-secret-of-at-least-thirty-two-characters"


def test_hchacha20_matches_the_xchacha_draft_vector() -> None:
    # draft-irtf-cfrg-xchacha-03 §2.2.1
    key = bytes(range(32))
    nonce = bytes.fromhex("000000090000004a0000000031415927")
    expected = "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc"
    assert _hchacha20(key, nonce).hex() == expected


def test_xchacha20poly1305_matches_libsodium() -> None:
    bindings = pytest.importorskip("nacl.bindings")
    for size in (0, 1, 63, 64, 65, 1000):
        key, nonce, message = os.urandom(32), os.urandom(24), os.urandom(size)
        ours = xchacha20poly1305_encrypt(key, nonce, message)
        assert ours == bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(message, None, nonce, key)
        assert xchacha20poly1305_decrypt(key, nonce, ours) == message


def test_decrypts_what_better_auth_encrypted() -> None:
    assert symmetric_decrypt(BA_SECRET, BA_ENVELOPE) == "hello tessera"


def test_better_auth_can_decrypt_ours() -> None:
    """Better Auth's decrypt is libsodium-equivalent: key SHA-256(secret), 24-byte nonce first, hex."""
    bindings = pytest.importorskip("nacl.bindings")
    raw = bytes.fromhex(symmetric_encrypt(SECRET, '{"kty":"OKP"}'))
    key = hashlib.sha256(SECRET.encode()).digest()
    plain = bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(raw[24:], None, raw[:24], key)
    assert plain == b'{"kty":"OKP"}'


def test_round_trip_and_fresh_nonce() -> None:
    a, b = symmetric_encrypt(SECRET, "data"), symmetric_encrypt(SECRET, "data")
    assert a != b
    assert symmetric_decrypt(SECRET, a) == symmetric_decrypt(SECRET, b) == "data"


def test_versioned_envelope() -> None:
    sealed = symmetric_encrypt(Keyring.versioned([(2, SECRET), (1, "old")]), "data")
    assert sealed.startswith("$ba$2$")
    assert symmetric_decrypt(Keyring.versioned([(3, "new"), (2, SECRET)]), sealed) == "data"
    with pytest.raises(DecryptionError, match="version 2"):
        symmetric_decrypt(Keyring.versioned([(1, SECRET)]), sealed)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h: h[:-2] + ("00" if h[-2:] != "00" else "11"),  # tag
        lambda h: h[:60] + ("0" if h[60] != "0" else "1") + h[61:],  # ciphertext
        lambda h: h[:10],  # truncated
        lambda h: "zz" + h[2:],  # not hex
    ],
)
def test_tampering_is_detected(mutate) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DecryptionError):
        symmetric_decrypt(SECRET, mutate(symmetric_encrypt(SECRET, "some private key material")))


def test_wrong_secret_is_detected() -> None:
    with pytest.raises(DecryptionError):
        symmetric_decrypt("another-secret-of-thirty-two-characters", symmetric_encrypt(SECRET, "x"))
