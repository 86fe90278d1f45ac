"""The password policy on every path that sets a password, and how passwords are compared.

NIST SP 800-63B-4 §3.1.1.2 and ASVS v5.0.0-6.2.1 (>= 8), 6.2.9 (64 accepted), 6.2.5 (no composition rules),
6.2.8 (verified exactly: no truncation, no case folding), 6.2.3 (change needs the current password),
11.4.2 (a memory-hard KDF). Unicode is NFKC-normalised before hashing, as NIST asks and Better Auth does.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests._helpers import Client, make_auth

from tessera import ScryptHasher
from tessera.config import EmailAndPasswordConfig


async def test_length_policy_holds_on_sign_up_change_and_reset() -> None:
    """ASVS v5.0.0-6.2.1/6.2.9: 7 characters refused, 8 and 64 (and the 128 cap) accepted on every path."""
    mail: list[dict[str, Any]] = []

    async def record(**kwargs: Any) -> None:
        mail.append(kwargs)

    auth = make_auth(email_and_password={"send_reset_password": record})
    browser = Client(auth)
    assert (await browser.sign_up(password="1234567")).json_body()["code"] == "PASSWORD_TOO_SHORT"
    assert (await browser.sign_up(password="x" * 129)).json_body()["code"] == "PASSWORD_TOO_LONG"
    assert (await browser.sign_up(password="12345678")).status == 200
    for new in ("1234567", "y" * 129):
        r = await browser.post("/change-password", {"currentPassword": "12345678", "newPassword": new})
        assert r.status == 400, new
    r = await browser.post("/change-password", {"currentPassword": "12345678", "newPassword": "z" * 64})
    assert r.status == 200
    await Client(auth).post("/request-password-reset", {"email": "alice@example.com"})
    token = mail[-1]["token"]
    r = await Client(auth).post("/reset-password", {"token": token, "newPassword": "1234567"})
    assert r.json_body()["code"] == "PASSWORD_TOO_SHORT"
    r = await Client(auth).post("/reset-password", {"token": token, "newPassword": "w" * 128})
    assert r.status == 200
    assert (await Client(auth).sign_in(password="w" * 128)).status == 200


@pytest.mark.parametrize("password", ["aaaaaaaa", "12345678", "correct horse battery staple", "ÄÖÜäöüß€", "🔑🔑🔑🔑🔑🔑🔑🔑"])
async def test_no_composition_rules(password: str) -> None:
    """ASVS v5.0.0-6.2.5, NIST SHALL NOT: any 8 code points will do — spaces, one class, non-ASCII, emoji."""
    auth = make_auth()
    assert (await Client(auth).sign_up(password=password)).status == 200
    assert (await Client(auth).sign_in(password=password)).status == 200


async def test_passwords_are_verified_whole_and_case_sensitively() -> None:
    """ASVS v5.0.0-6.2.8: no truncation (bcrypt's 72 bytes), no case folding; only the last character differs."""
    auth = make_auth()
    long = "p" * 127 + "A"
    await Client(auth).sign_up(password=long)
    assert (await Client(auth).sign_in(password="p" * 127 + "B")).status == 401
    assert (await Client(auth).sign_in(password="p" * 127 + "a")).status == 401
    assert (await Client(auth).sign_in(password=long.upper())).status == 401
    assert (await Client(auth).sign_in(password=long)).status == 200


async def test_unicode_passwords_are_nfkc_normalised() -> None:
    """NIST 800-63B §3.1.1.2: the same password typed with a different Unicode form verifies."""
    auth = make_auth()
    await Client(auth).sign_up(password="\ufb01ne-passw\u00f6rd")  # "ﬁ" ligature, precomposed "ö"
    assert (await Client(auth).sign_in(password="fine-passwo\u0308rd")).status == 200  # "fi", o + combining ¨


async def test_changing_a_password_needs_the_current_one() -> None:
    """ASVS v5.0.0-6.2.3: a stolen session alone cannot change the password."""
    auth = make_auth()
    browser = Client(auth)
    await browser.sign_up()
    r = await browser.post("/change-password", {"currentPassword": "not-the-password", "newPassword": "new-password-1"})
    assert r.status in (400, 401)
    r = await browser.post("/change-password", {"newPassword": "new-password-1"})
    assert r.status == 400
    assert (await Client(auth).sign_in()).status == 200


def test_the_default_hasher_is_memory_hard_scrypt() -> None:
    """ASVS v5.0.0-11.4.2: scrypt N=16384, r=16 (Better Auth's parameters, ~32 MiB per hash)."""
    hasher = EmailAndPasswordConfig().password
    assert isinstance(hasher, ScryptHasher)
    assert (hasher.n, hasher.r, hasher.p) == (16384, 16, 1)
    assert 128 * hasher.n * hasher.r >= 32 * 1024 * 1024
