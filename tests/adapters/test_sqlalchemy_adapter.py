"""SQLAlchemyAdapter construction: URL normalisation, dialect names, engine ownership."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tessera.adapters.sqlalchemy import SQLAlchemyAdapter, normalize_url
from tessera.db.adapter import Adapter, Where
from tessera.db.schema import Schema, core_tables


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///auth.db", "sqlite+aiosqlite:///auth.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgres://u:p@db:5432/app", "postgresql+asyncpg://u:***@db:5432/app"),
        ("postgresql://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("mysql://root@db/app", "mysql+asyncmy://root@db/app"),
        ("mariadb://root@db/app", "mysql+asyncmy://root@db/app"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),  # an explicit driver is kept
    ],
)
def test_urls_get_an_async_driver(url: str, expected: str) -> None:
    assert str(normalize_url(url)) == expected


@pytest.mark.parametrize(
    ("url", "dialect"),
    [("sqlite://", "sqlite"), ("postgres://u@127.0.0.1/x", "postgresql"), ("mariadb://u@127.0.0.1/x", "mysql")],
)
async def test_dialect_names(url: str, dialect: str) -> None:
    adapter = SQLAlchemyAdapter(url)  # engines connect lazily: nothing is contacted here
    assert adapter.dialect == dialect
    assert isinstance(adapter, Adapter)
    await adapter.close()


async def test_close_disposes_only_an_engine_the_adapter_created(tmp_path: Path) -> None:
    schema = Schema.merge(core_tables())
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'own.db'}")
    borrowed = SQLAlchemyAdapter(engine)
    borrowed.bind(schema)
    async with engine.begin() as conn:
        await conn.run_sync(borrowed.metadata.create_all)
    await borrowed.create("user", {"id": "u1", "name": "A", "email": "a@example.com"})
    counted = borrowed.statement_count
    await borrowed.close()
    assert engine.sync_engine.pool.checkedin() == 1  # the caller's pool is left alone
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SELECT 1")
    assert borrowed.statement_count == counted  # and no longer counted once closed

    owned = SQLAlchemyAdapter(f"sqlite:///{tmp_path / 'own.db'}")
    owned.bind(schema)
    assert await owned.find_one("user", [Where("id", "u1")]) is not None
    assert owned.engine.sync_engine.pool.checkedout() == 1  # kept by the direct read lane
    await owned.close()
    assert owned.engine.sync_engine.pool.checkedout() == 0  # the lane gave it back
    assert owned.engine.sync_engine.pool.checkedin() == 0  # disposed
    await engine.dispose()
