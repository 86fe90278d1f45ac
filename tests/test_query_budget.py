"""SQL statements per hot operation, held to budget on PostgreSQL (and SQLite).

Budgets (``tessera.db.store``): get-session 1 (session JOIN user), sign-in 2 (user JOIN its credential
account; insert session), sign-up at most 4 inside one transaction, sign-out at most 2. Better Auth 1.7.24
(core only) needs 2, 3, 4 (+transaction) and 5 for the same operations (measured with the shared
reference's ``tools/count_sql.py``).

Statements are recorded from the adapter's own report (``SQLAlchemyAdapter.statement_listeners``), which covers
both paths: SQLAlchemy's ``Connection`` and the direct driver reads, which an engine event would not see. Each
carries whether it ran in autocommit or inside a transaction, and on which connection. Commits are counted with
an engine event: only the SQLAlchemy path opens transactions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event

from tessera import Tessera
from tessera.adapters.sqlalchemy import SQLAlchemyAdapter
from tessera.adapters.sqlalchemy.adapter import Statement
from tessera.plugins.base import Plugin
from tessera.plugins.two_factor import two_factor
from tests._helpers import Client, make_auth
from tests._services import AdapterPool

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class Recorder:
    """Every statement sent through an engine: its SQL, whether it was autocommit, and its connection."""

    statements: list[tuple[str, bool, int]] = field(default_factory=list)
    direct: list[bool] = field(default_factory=list)
    commits: int = 0

    def on_statement(self, statement: Statement) -> None:
        if statement.sql.lstrip().upper().startswith(_CONTROL):
            return
        self.statements.append((" ".join(statement.sql.split()), statement.autocommit, statement.connection))
        self.direct.append(statement.direct)

    def on_commit(self, conn: Any) -> None:
        if not (
            conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
            or conn.get_execution_options().get("tessera_autocommit")
        ):
            self.commits += 1

    def reset(self) -> None:
        self.statements.clear()
        self.direct.clear()
        self.commits = 0

    def sql(self) -> str:
        return "\n".join(f"  {'auto' if a else 'tx  '} {s[:160]}" for s, a, _ in self.statements)


@pytest.fixture(params=["postgresql", "sqlite"])
def adapters(request: pytest.FixtureRequest) -> AdapterPool:
    pool: AdapterPool = request.getfixturevalue(f"{request.param}_adapters")
    return pool


@asynccontextmanager
async def recorded(adapters: AdapterPool, plugins: Sequence[Plugin] = ()) -> AsyncIterator[tuple[Tessera, Recorder]]:
    """A ``Tessera`` (with ``plugins``) on a fresh database of the pool, and the recorder of its statements."""
    adapter: SQLAlchemyAdapter = await adapters.get(make_auth(plugins=list(plugins)).schema)
    recorder = Recorder()
    engine = adapter.engine.sync_engine
    adapter.statement_listeners.append(recorder.on_statement)
    event.listen(engine, "commit", recorder.on_commit)
    try:
        yield make_auth(database=adapter, plugins=list(plugins)), recorder
    finally:
        adapter.statement_listeners.remove(recorder.on_statement)
        event.remove(engine, "commit", recorder.on_commit)


@pytest.fixture
async def app(adapters: AdapterPool) -> AsyncIterator[tuple[Tessera, Recorder]]:
    async with recorded(adapters) as recorded_app:
        yield recorded_app


async def measure(recorder: Recorder, call: Any) -> int:
    recorder.reset()
    await call
    return len(recorder.statements)


async def test_get_session_is_one_statement(app: tuple[Tessera, Recorder]) -> None:
    auth, rec = app
    client = Client(auth)
    assert (await client.sign_up()).status == 200
    for _ in range(3):  # the first call builds and caches the statement; every call is one round trip
        n = await measure(rec, client.get("/get-session"))
        assert n == 1, rec.sql()
    assert rec.statements[0][1], "a session read runs in autocommit, no BEGIN/COMMIT round trips"
    assert rec.direct == [True], "a session read takes the direct driver path"


async def test_get_session_without_cookie_is_no_statement(app: tuple[Tessera, Recorder]) -> None:
    auth, rec = app
    assert await measure(rec, Client(auth).get("/get-session")) == 0, rec.sql()


async def test_sign_in_is_two_statements(app: tuple[Tessera, Recorder]) -> None:
    auth, rec = app
    await Client(auth).sign_up()
    client = Client(auth)
    rec.reset()
    assert (await client.sign_in()).status == 200
    assert len(rec.statements) == 2, rec.sql()
    assert rec.direct == [True, False], "the user lookup is a direct read, the session insert is not"


async def test_sign_in_with_two_factor_installed_is_two_statements_for_a_user_without_it(
    adapters: AdapterPool,
) -> None:
    """The two-factor plugin's session hook reads the user the sign-in has just read, not the database."""
    async with recorded(adapters, [two_factor()]) as (auth, rec):
        await Client(auth).sign_up()
        client = Client(auth)
        rec.reset()
        response = await client.sign_in()
        assert response.status == 200 and "twoFactorRedirect" not in response.json_body()
        assert len(rec.statements) == 2, rec.sql()


async def test_failed_sign_in_is_one_statement(app: tuple[Tessera, Recorder]) -> None:
    auth, rec = app
    await Client(auth).sign_up()
    rec.reset()
    assert (await Client(auth).sign_in(password="wrong-password-1")).status == 401
    assert (await Client(auth).sign_in(email="nobody@example.com")).status == 401
    assert len(rec.statements) == 2, rec.sql()


async def test_sign_up_is_at_most_four_statements_in_one_transaction(app: tuple[Tessera, Recorder]) -> None:
    auth, rec = app
    rec.reset()
    assert (await Client(auth).sign_up()).status == 200
    assert len(rec.statements) <= 4, rec.sql()
    writes = [s for s in rec.statements if s[0].upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes and not any(autocommit for _, autocommit, _ in writes), rec.sql()
    assert len({conn for _, _, conn in writes}) == 1, "all writes on one connection"
    assert rec.commits == 1, f"one COMMIT expected, saw {rec.commits}:\n{rec.sql()}"


async def test_duplicate_sign_up_writes_nothing_that_stays(app: tuple[Tessera, Recorder]) -> None:
    auth, rec = app
    await Client(auth).sign_up()
    rec.reset()
    assert (await Client(auth).sign_up()).status == 422
    assert len(rec.statements) <= 4, rec.sql()
    assert rec.commits == 0, "the failed sign-up's transaction is rolled back"
    assert await auth.adapter.count("user") == 1


async def test_sign_out_is_at_most_two_statements(app: tuple[Tessera, Recorder]) -> None:
    auth, rec = app
    client = Client(auth)
    await client.sign_up()
    rec.reset()
    assert (await client.post("/sign-out")).status == 200
    assert len(rec.statements) <= 2, rec.sql()
    assert (await client.get("/get-session")).body == b"null"
