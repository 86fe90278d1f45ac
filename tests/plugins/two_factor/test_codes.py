"""TOTP (RFC 6238 / RFC 4226 vectors, window, URI) and backup-code encoding, without a server."""

from __future__ import annotations

import pytest

from tessera.crypto.keyring import Keyring
from tessera.plugins.two_factor import decode_backup_codes, encode_backup_codes, generate_backup_codes, hotp
from tessera.plugins.two_factor.backup_codes import remove_code
from tessera.plugins.two_factor.totp import matching_step, secret_key, totp, totp_uri

RFC_KEY = b"12345678901234567890"


@pytest.mark.parametrize(
    ("counter", "code"),
    [(0, "755224"), (1, "287082"), (2, "359152"), (3, "969429"), (4, "338314"), (9, "520489")],
)
def test_rfc4226_hotp_vectors(counter: int, code: str) -> None:
    assert hotp(RFC_KEY, counter) == code


@pytest.mark.parametrize(
    ("now", "code"),
    [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")],
)
def test_rfc6238_sha1_vectors(now: int, code: str) -> None:
    assert totp(RFC_KEY, now, digits=8) == code


def test_window_is_one_step_either_side() -> None:
    now = 1_700_000_015.0
    step = int(now // 30)
    for offset in (-1, 0, 1):
        assert matching_step(RFC_KEY, hotp(RFC_KEY, step + offset), now) == step + offset
    for offset in (-2, 2):
        assert matching_step(RFC_KEY, hotp(RFC_KEY, step + offset), now) is None
    assert matching_step(RFC_KEY, "", now) is None
    assert matching_step(RFC_KEY, "1" * 60, now) is None


def test_uri_is_better_auths() -> None:
    assert totp_uri(b"tessera", "Tessera Interop", "v+1@example.com") == (
        "otpauth://totp/Tessera%20Interop:v%2B1%40example.com?secret=ORSXG43FOJQQ&issuer=Tessera+Interop"
        "&digits=6&period=30"
    )


def test_imported_base32_secrets() -> None:
    assert secret_key("base32:gezdgnbvgy3tqojqgezdgnbvgy3tqojq") == RFC_KEY
    assert secret_key("plain-secret") == b"plain-secret"


def test_backup_codes_round_trip_and_single_removal() -> None:
    keyring = Keyring.single("a-secret-of-at-least-32-characters-long")
    codes = generate_backup_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = encode_backup_codes(codes, keyring, "encrypted")
    assert codes[0] not in stored
    assert decode_backup_codes(stored, keyring, "encrypted") == codes
    assert remove_code(codes, codes[3]) == codes[:3] + codes[4:]
    assert remove_code(codes, "nope") is None
    assert decode_backup_codes('{"not": "a list"}', keyring, "plain") is None
    assert decode_backup_codes("not json", keyring, "plain") is None
