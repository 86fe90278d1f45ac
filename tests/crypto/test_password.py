import asyncio

import pytest

from tessera.crypto.password import Argon2Hasher, ScryptHasher

# computed by Node's crypto.scrypt with Better Auth's parameters (N=16384 r=16 p=1 dkLen=64, NFKC, hex salt)
BA_HASH = (
    "0123456789abcdef0123456789abcdef:68b228eae069737062c56fbe239acdc9517ba0c0ed53447e2697faa281de7aab"
    "26e6e87571f29175a258c42d8a9fde39d6cd344c160472b76897c7bcfe0a1f53"
)
BA_HASH_UNICODE = (
    "0123456789abcdef0123456789abcdef:7daaf11981732893a8a382ee79154efe022344a9f261f1c8ecc9579216b76d4b"
    "a4e84990eb385d040924552c72a417984c0ba9d1001a13e4aaa8bb03036d75e2"
)


async def test_verifies_hashes_written_by_better_auth() -> None:
    hasher = ScryptHasher()
    assert await hasher.verify(BA_HASH, "correct-horse-battery")
    assert not await hasher.verify(BA_HASH, "correct-horse-batterY")


async def test_normalises_passwords_with_nfkc_like_better_auth() -> None:
    hasher = ScryptHasher()
    assert await hasher.verify(BA_HASH_UNICODE, "pässwörd-ﬁ")
    assert await hasher.verify(BA_HASH_UNICODE, "pässwörd-fi")  # the ligature folds to "fi"


async def test_new_hashes_use_better_auths_format() -> None:
    stored = await ScryptHasher().hash("hunter2-but-longer")
    salt, key = stored.split(":")
    assert len(salt) == 32 and len(key) == 128
    assert int(salt, 16) >= 0 and int(key, 16) >= 0
    assert await ScryptHasher().verify(stored, "hunter2-but-longer")


async def test_malformed_stored_hashes_never_verify() -> None:
    hasher = ScryptHasher(n=1024, r=8)
    for stored in ["", "nocolon", ":abc", "abc:", "zz:zz"]:
        assert not await hasher.verify(stored, "whatever-password")


async def test_hashing_runs_off_the_event_loop() -> None:
    hasher = ScryptHasher()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    await hasher.hash("a-password-that-takes-time")
    task.cancel()
    assert ticks >= 5  # the loop kept running while scrypt worked


async def test_argon2_is_available_and_reads_scrypt_hashes_for_migration() -> None:
    pytest.importorskip("argon2")
    hasher = Argon2Hasher(time_cost=1, memory_cost=8192)
    stored = await hasher.hash("correct-horse-battery")
    assert stored.startswith("$argon2id$")
    assert await hasher.verify(stored, "correct-horse-battery")
    assert not await hasher.verify(stored, "wrong-horse-battery")
    assert await hasher.verify(BA_HASH, "correct-horse-battery")
    assert hasher.needs_rehash(BA_HASH)
    assert ScryptHasher().needs_rehash(stored)
