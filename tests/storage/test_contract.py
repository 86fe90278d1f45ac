"""The secondary-storage contract, run against MemoryStorage, a single Redis and a Redis Cluster."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.testing.storage_contract import CHECKS, ContractCheck
from tests._redis import STORAGE_BACKENDS, storage_for


@pytest.fixture(params=STORAGE_BACKENDS)
def storage(request: pytest.FixtureRequest) -> Any:
    return storage_for(request)


@pytest.mark.parametrize("check", CHECKS, ids=str)
async def test_storage_contract(storage: Any, check: ContractCheck) -> None:
    await check(storage)
