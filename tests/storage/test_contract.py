"""The secondary-storage contract, run against MemoryStorage and a real Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tessera.storage import MemoryStorage
from tessera.testing.storage_contract import CHECKS, ContractCheck


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return MemoryStorage()
    make: Callable[..., Any] = request.getfixturevalue("redis_storage")
    return make()


@pytest.mark.parametrize("check", CHECKS, ids=str)
async def test_storage_contract(storage: Any, check: ContractCheck) -> None:
    await check(storage)
