"""Backends going away and coming back: a 503 while they are gone, nothing granted, and recovery without a restart.

The Redis cases run a private ``redis-server`` (killed and restarted on the same port, its data saved to disk
first, as a restart with persistence would keep it); the database cases terminate every connection the app holds
on PostgreSQL and MariaDB from the server side, as a restart or a failover does.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tessera import Tessera, outage
from tessera.adapters.sqlalchemy import SQLAlchemyAdapter
from tessera.adapters.sqlalchemy.migrate import apply, plan_migration
from tessera.errors import APIError, BaseErrorCodes
from tessera.outage import outage_cause
from tests._helpers import Client, make_auth
from tests._redis_cluster import BOOT_TIMEOUT, REDIS, answers_ping, cli, free_port_pair, start_server
from tests._services import DatabaseServer

PASSWORD = "correct-horse-battery"
UNAVAILABLE = {"message": "Service Unavailable", "code": "SERVICE_UNAVAILABLE"}


def test_outages_are_told_apart_from_bugs() -> None:
    redis = pytest.importorskip("redis")
    refused = redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379")
    assert outage_cause(refused) is refused
    try:
        try:
            raise ConnectionResetError(104, "reset by peer")
        except ConnectionResetError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as wrapped:
        assert isinstance(outage_cause(wrapped), ConnectionResetError)
    assert outage_cause(redis.exceptions.ReadOnlyError("replica")) is not None  # a failed-over primary
    assert outage_cause(redis.exceptions.ResponseError("WRONGTYPE")) is None
    assert outage_cause(ValueError("bug")) is None
    assert outage_cause(APIError(400, BaseErrorCodes.INVALID_TOKEN)) is None


def test_valkey_py_outages_are_outages_too() -> None:
    # valkey-py, redis-py's fork that a Valkey user may hand to RedisStorage(client=...), raises its own classes
    valkey = pytest.importorskip("valkey")
    assert outage_cause(valkey.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379")) is not None
    assert outage_cause(valkey.exceptions.ReadOnlyError("replica")) is not None
    assert outage_cause(valkey.exceptions.ResponseError("WRONGTYPE")) is None


# -- Redis ----------------------------------------------------------------------------------------------


class PrivateRedis:
    """A ``redis-server`` of this test's own, killed and started again on the same port (``tests._redis_cluster``
    starts it: no persistence but an explicit ``SAVE``, so a restart finds what was saved)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port_pair()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_server(REDIS, self.port, self.directory)
        answers_ping(REDIS, self.port, time.monotonic() + BOOT_TIMEOUT)

    def crash_after_saving(self) -> None:
        assert cli(REDIS, self.port, "SAVE").strip() == "OK"
        self.stop()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    pytest.importorskip("redis")
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.skip("redis-server/redis-cli not on PATH: the Redis outage tests need their own server")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def redis_app(private_redis: PrivateRedis) -> AsyncIterator[Tessera]:
    from tessera.storage.redis import RedisStorage

    storage = RedisStorage(f"redis://127.0.0.1:{private_redis.port}/0", socket_connect_timeout=1)
    auth = make_auth(secondary_storage=storage, session={"cookie_cache": {"enabled": True}})
    await auth.startup()
    yield auth
    await auth.shutdown()
    await storage.close()


async def test_redis_down_is_a_503_that_grants_nothing_then_sessions_come_back(
    redis_app: Tessera, private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outage, "_throttle", outage._Throttle())  # an earlier test's outage line is not this one's
    alice = Client(redis_app)
    await alice.sign_up()
    before = (await alice.get("/get-session")).json_body()
    private_redis.crash_after_saving()

    with caplog.at_level(logging.WARNING, logger="tessera"):
        for _ in range(5):
            r = await alice.get("/get-session")  # the feed is gone, so the cookie cache is not believed
            assert (r.status, r.json_body(), r.header("retry-after")) == (503, UNAVAILABLE, "1")
        r = await Client(redis_app).post("/sign-in/email", {"email": "alice@example.com", "password": PASSWORD})
        assert (r.status, r.json_body()) == (503, UNAVAILABLE)  # not "wrong password", not a 500
        assert not r.set_cookies.get("better-auth.session_token", "").split(";")[0].split("=", 1)[-1]
    unavailable = [rec for rec in caplog.records if "backend unavailable" in rec.getMessage()]
    assert len(unavailable) == 1 and unavailable[0].exc_info is None  # one line a second, no traceback
    assert "redis.exceptions.ConnectionError" in unavailable[0].getMessage()
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]

    private_redis.start()
    deadline = time.monotonic() + 10
    while (r := await alice.get("/get-session")).status != 200:
        assert time.monotonic() < deadline, r.body
        await asyncio.sleep(0.05)
    assert r.json_body()["session"]["token"] == before["session"]["token"]
    while not redis_app.revocations.live:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    r = await Client(redis_app).post("/sign-in/email", {"email": "alice@example.com", "password": PASSWORD})
    assert r.status == 200


# -- the database ---------------------------------------------------------------------------------------


@pytest.fixture(params=["postgresql", "mysql"])
def sql_server(request: pytest.FixtureRequest) -> DatabaseServer:
    server: DatabaseServer = request.getfixturevalue(f"{request.param}_server")
    return server


async def _terminate_connections(server: DatabaseServer, database: str) -> int:
    admin = create_async_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            if server.is_postgres:
                result = await conn.execute(
                    sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
                    {"db": database},
                )
                return len(result.all())
            ids = (await conn.execute(
                sa.text("SELECT id FROM information_schema.processlist WHERE db = :db"), {"db": database}
            )).scalars().all()
            for connection_id in ids:
                await conn.execute(sa.text(f"KILL {int(connection_id)}"))
            return len(ids)
    finally:
        await admin.dispose()


async def migrated_app(url: str | sa.URL, **engine_options: object) -> tuple[Tessera, SQLAlchemyAdapter]:
    """An app on ``url`` with its tables created."""
    adapter = SQLAlchemyAdapter(url, **engine_options)
    auth = make_auth(database=adapter)
    adapter.bind(auth.schema)
    await apply(await plan_migration(adapter.engine, auth.schema))
    return auth, adapter


async def test_reads_survive_the_database_dropping_every_connection(sql_server: DatabaseServer) -> None:
    url = await sql_server.create()
    auth, adapter = await migrated_app(url)
    try:
        alice = Client(auth)
        await alice.sign_up()
        for _ in range(10):  # warm the pool and the direct-read lane: several connections to lose
            assert (await alice.get("/get-session")).status == 200
        database = sa.make_url(url).database
        assert database is not None
        assert await _terminate_connections(sql_server, database) > 0
        # every pooled connection is dead: the first read finds out, the pool is renewed, the read repeated
        statuses = [(await alice.get("/get-session")).status for _ in range(10)]
        assert statuses == [200] * 10
        await _terminate_connections(sql_server, database)
        r = await Client(auth).post("/sign-in/email", {"email": "alice@example.com", "password": PASSWORD})
        assert r.status == 200
        await _terminate_connections(sql_server, database)
        assert (await alice.post("/update-user", {"name": "Alice L."})).status == 200
        assert (await alice.get("/get-session")).json_body()["user"]["name"] == "Alice L."
    finally:
        await auth.shutdown()
        await adapter.close()


async def test_an_unreachable_database_is_a_503_not_a_session() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    auth = make_auth(database=f"postgresql://postgres@127.0.0.1:{port}/nowhere_{secrets.token_hex(2)}")
    r = await Client(auth).post("/sign-in/email", {"email": "alice@example.com", "password": PASSWORD})
    assert (r.status, r.json_body()) == (503, UNAVAILABLE)
    r = await Client(auth).post("/sign-up/email", {"email": "bob@example.com", "password": PASSWORD, "name": "B"})
    assert (r.status, r.json_body()) == (503, UNAVAILABLE)
    await auth.adapter.close()
