"""Password hashing.

The default is Better Auth's exact format so a Node deployment and tessera can share one database:
scrypt N=16384 r=16 p=1 dkLen=64 over the NFKC-normalised password, stored as ``saltHex:keyHex`` where the
*hex string* of 16 random bytes is the salt. argon2id (``$argon2id$…``, self-describing) is available by
configuration; ``verify_password`` accepts both formats, so a deployment can move from one to the other and
upgrade hashes on sign-in (``needs_rehash``).

Hashing is CPU-bound (~0.1 s) and runs in a thread pool sized to the machine so the event loop keeps serving
session reads while sign-ins hash. ``hashlib.scrypt`` releases the GIL.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, runtime_checkable

_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="tessera-hash")
    return _POOL


@runtime_checkable
class PasswordHasher(Protocol):
    """Turns passwords into stored hashes and checks them. Implementations must be constant-time."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, stored: str, password: str) -> bool: ...

    def needs_rehash(self, stored: str) -> bool:
        """True when ``stored`` should be replaced by a fresh ``hash`` at the next successful sign-in."""


class ScryptHasher:
    """Better Auth's scrypt format. Lower ``n``/``r`` only in tests: the format does not record them."""

    def __init__(self, *, n: int = 16384, r: int = 16, p: int = 1, dklen: int = 64) -> None:
        self.n, self.r, self.p, self.dklen = n, r, p, dklen

    def _derive(self, password: str, salt_hex: str) -> bytes:
        normalised = unicodedata.normalize("NFKC", password).encode()
        return hashlib.scrypt(
            normalised, salt=salt_hex.encode(), n=self.n, r=self.r, p=self.p,
            dklen=self.dklen, maxmem=128 * self.n * self.r * 2 + 1024 * 1024,
        )

    def hash_sync(self, password: str) -> str:
        salt_hex = secrets.token_hex(16)
        return f"{salt_hex}:{self._derive(password, salt_hex).hex()}"

    def verify_sync(self, stored: str, password: str) -> bool:
        salt_hex, sep, key_hex = stored.partition(":")
        if not sep or not salt_hex or not key_hex:
            return False
        derived = self._derive(password, salt_hex).hex()
        return hmac.compare_digest(derived.encode(), key_hex.encode())

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(_pool(), self.hash_sync, password)

    async def verify(self, stored: str, password: str) -> bool:
        return await asyncio.get_running_loop().run_in_executor(_pool(), self.verify_sync, stored, password)

    def needs_rehash(self, stored: str) -> bool:
        return stored.startswith("$argon2")


class Argon2Hasher:
    """argon2id via ``argon2-cffi`` (``pip install 'tessera-auth[argon2]'``); verifies scrypt hashes too."""

    def __init__(self, *, time_cost: int = 2, memory_cost: int = 19456, parallelism: int = 1) -> None:
        try:
            from argon2 import PasswordHasher as _Argon2
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("argon2 hashing needs: pip install 'tessera-auth[argon2]'") from exc
        # OWASP's minimum for argon2id: m=19 MiB, t=2, p=1
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        self._scrypt = ScryptHasher()

    def hash_sync(self, password: str) -> str:
        return str(self._argon2.hash(unicodedata.normalize("NFKC", password)))

    def verify_sync(self, stored: str, password: str) -> bool:
        if not stored.startswith("$argon2"):
            return self._scrypt.verify_sync(stored, password)
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return bool(self._argon2.verify(stored, unicodedata.normalize("NFKC", password)))
        except (VerificationError, InvalidHashError):
            return False

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(_pool(), self.hash_sync, password)

    async def verify(self, stored: str, password: str) -> bool:
        return await asyncio.get_running_loop().run_in_executor(_pool(), self.verify_sync, stored, password)

    def needs_rehash(self, stored: str) -> bool:
        return not stored.startswith("$argon2") or bool(self._argon2.check_needs_rehash(stored))
