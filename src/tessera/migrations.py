"""Schema migrations for a ``Tessera`` object, whatever its adapter (SQLAlchemy imported only when used)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .auth import Tessera


async def migrate(auth: Tessera, *, apply: bool) -> list[str]:
    """Plan (and with ``apply`` run) the additive migration; returns one human-readable line per step."""
    adapter = auth.adapter
    if adapter.dialect == "memory":
        return []
    from .adapters.sqlalchemy.migrate import apply as apply_plan
    from .adapters.sqlalchemy.migrate import plan_migration

    plan = await plan_migration(adapter.engine, auth.schema)  # type: ignore[attr-defined]
    lines = plan.describe()
    if apply and not plan.is_empty:
        await apply_plan(plan)
    return lines


def generate(auth: Tessera, *, dialect: str, alembic: bool = False) -> str:
    from .adapters.sqlalchemy.migrate import generate_alembic, generate_sql

    return generate_alembic(auth.schema) if alembic else generate_sql(auth.schema, dialect)
