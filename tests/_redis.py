"""Redis for tests (pytest plugin, loaded by ``tests/conftest.py``).

``redis_storage(prefix="")`` makes a ``RedisStorage`` on 127.0.0.1:6379 (``TESSERA_TEST_REDIS`` overrides) under a
key prefix unique to this test run; every key under it is deleted at the end of the session. Tests using it are
skipped, with the reason, when Redis is not reachable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

REDIS_URL = os.environ.get("TESSERA_TEST_REDIS", "redis://127.0.0.1:6379/0")
RUN_PREFIX = f"tessera-test:{secrets.token_hex(4)}:"


@pytest.fixture(scope="session")
async def redis_run() -> AsyncIterator[list[Any]]:
    try:
        from tessera.storage.redis import RedisStorage
    except ImportError as exc:
        pytest.skip(f"redis-py is not installed: {exc}")
    probe = RedisStorage(REDIS_URL, key_prefix=RUN_PREFIX, socket_connect_timeout=2)
    try:
        await probe.client.ping()
    except Exception as exc:
        await probe.close()
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc!r}")
    made: list[Any] = [probe]
    yield made
    async for key in probe.client.scan_iter(match=RUN_PREFIX + "*", count=500):
        await probe.client.delete(key)
    for storage in made:
        await storage.close()


@pytest.fixture
def redis_storage(redis_run: list[Any]) -> Callable[..., Any]:
    """A factory: ``redis_storage()`` is a storage on a fresh prefix; ``redis_storage(prefix)`` shares one."""
    from tessera.storage.redis import RedisStorage

    def make(prefix: str | None = None) -> Any:
        storage = RedisStorage(REDIS_URL, key_prefix=RUN_PREFIX + (prefix or secrets.token_hex(4)) + ":")
        redis_run.append(storage)
        return storage

    return make
