"""The adapter contract, run against every backend: memory, SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest

from tessera.testing.adapter_contract import CHECKS, SCHEMA, ContractCheck
from tests._services import AdapterFactory


@pytest.mark.parametrize("check", CHECKS, ids=str)
async def test_adapter_contract(adapter_factory: AdapterFactory, check: ContractCheck) -> None:
    await check(await adapter_factory(SCHEMA))
