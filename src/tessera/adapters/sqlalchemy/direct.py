"""Direct reads: hot SELECTs compiled once by SQLAlchemy, run on the driver connection itself.

A session read through SQLAlchemy's async API costs ~0.3 ms of CPU, of which the database round trip on
asyncpg is ~0.07 ms: the rest is the greenlet bridge, the pool checkout/checkin and the execution context
and result machinery, paid again on every call for the same statement. For the adapter's reads outside a
transaction none of that varies per call, so it is done once:

* ``DirectStatement``: SQLAlchemy compiles the statement for the engine's dialect (SQL text in the driver's
  paramstyle, bind casts, the order of positional parameters) and hands over the bind and result processors
  of its parameters and columns. Executing it is: bind the values in order, one driver call, run the result
  processors. Rows come out exactly as ``Connection.execute`` would produce them, because they are decoded
  by the same processors on connections SQLAlchemy set up (asyncpg's JSON codecs, SQLite's hooks).
* ``ReadLane``: a few driver connections *borrowed from the engine's own pool* and kept, handed out per
  statement from a list. Borrowing them (rather than opening a separate asyncpg pool from the URL) keeps
  one source of truth for how to connect (URL, ``connect_args``, ``creator``, SSL, on-connect hooks and
  codecs) and keeps them counted against ``pool_size``. Checking a connection out of SQLAlchemy's pool for
  each call was measured and rejected: the checkout/checkin alone costs as much as the round trip (see the
  ``SQLAlchemyAdapter`` docstring for the numbers).

Only single, read-only statements run here, and only outside ``SQLAlchemyAdapter.transaction()`` (the
lane's connections cannot see a transaction's uncommitted writes). A driver error discards the connection
and the caller repeats the read on the generic path, so error types and SQLAlchemy's disconnect handling
stay those of the generic path.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool, QueuePool
from sqlalchemy.sql import Executable
from sqlalchemy.util import greenlet_spawn

Processor = Callable[[Any], Any]

#: most calls one coalesced statement answers; more start the next batch
MAX_BATCH = 256
#: (decoded row or None, id of the driver connection, SQL when this call is the one that ran it)
_Fetched = tuple[list[Any] | None, int, str | None]


class DirectStatement:
    """One SELECT compiled for one dialect: SQL text, positional parameter order and value processors.

    ``None`` from ``compile`` when the statement needs per-call rendering (expanding ``IN`` lists,
    literal-execute or post-compile parameters): those stay on the generic path.
    """

    __slots__ = ("_binds", "_defaults", "_names", "_results", "batch", "sql")

    def __init__(
        self,
        sql: str,
        names: tuple[str, ...],
        binds: tuple[Processor | None, ...],
        results: tuple[Processor | None, ...],
        defaults: dict[str, Any],
    ) -> None:
        self.sql = sql
        self._names = names
        self._binds = binds
        self._results = results
        self._defaults = defaults
        #: the same read for many keys at once, when the lane may coalesce concurrent calls
        self.batch: DirectBatch | None = None

    @classmethod
    def compile(cls, stmt: Executable, engine: AsyncEngine) -> DirectStatement | None:
        if not isinstance(stmt, sa.Select):
            return None
        dialect = engine.dialect
        compiled = stmt.compile(dialect=dialect)
        if compiled.positiontup is None or compiled.literal_execute_params or compiled.post_compile_params:
            return None
        if any(bp.expanding for bp in compiled.binds.values()):
            return None
        names = tuple(compiled.positiontup)
        binds = tuple(compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names)
        results = tuple(
            col.type.dialect_impl(dialect).result_processor(dialect, None) for col in stmt.selected_columns
        )
        # values fixed in the statement (``LIMIT 1`` is a bound parameter)
        defaults = {n: bp.value for n, bp in compiled.binds.items() if not bp.required and bp.callable is None}
        return cls(compiled.string, names, binds, results, defaults)

    def args(self, params: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        defaults = self._defaults
        for name, process in zip(self._names, self._binds, strict=True):
            value = params[name] if name in params else defaults[name]
            out.append(value if process is None else process(value))
        return out

    def row(self, values: Sequence[Any]) -> list[Any]:
        return [v if p is None else p(v) for p, v in zip(self._results, values, strict=True)]


@dataclass(frozen=True, slots=True)
class DirectBatch:
    """A pinned read (one ``eq`` on a unique column) for a list of keys: ``WHERE key = ANY(:keys)``.

    ``key`` names the parameter that takes the list, ``column`` is the key's position in a result row.
    """

    stmt: DirectStatement
    key: str
    column: int


class _Batch:
    """Concurrent calls of one pinned read waiting for a connection, answered by a single statement."""

    __slots__ = ("group", "info", "params", "wanted")

    def __init__(self, group: tuple[Any, ...], info: DirectBatch, params: dict[str, Any]) -> None:
        self.group = group
        self.info = info
        self.params = params
        self.wanted: list[tuple[Any, asyncio.Future[_Fetched]]] = []


def _fresh(row: list[Any]) -> list[Any]:
    # a second caller for the same key gets its own JSON documents (the driver decoded them once)
    return [copy.deepcopy(v) if isinstance(v, dict | list) else v for v in row]


class _Driver:
    """How to run one statement on a driver connection, and how to lend the connection out and back."""

    async def fetch(self, conn: Any, sql: str, args: list[Any]) -> Sequence[Any] | None:
        raise NotImplementedError

    async def fetch_all(self, conn: Any, sql: str, args: list[Any]) -> Sequence[Sequence[Any]]:
        raise NotImplementedError

    async def lend(self, conn: Any) -> None:
        """Prepare a connection just borrowed from the pool for autocommit reads."""

    async def give_back(self, conn: Any) -> None:
        """Undo ``lend`` before the connection returns to the pool."""


class _Asyncpg(_Driver):
    # outside an explicit transaction asyncpg runs each statement in autocommit; asyncpg's own statement
    # cache (keyed by the SQL text) keeps it prepared on the server
    async def fetch(self, conn: Any, sql: str, args: list[Any]) -> Sequence[Any] | None:
        row = await conn.fetchrow(sql, *args)
        return None if row is None else tuple(row)

    async def fetch_all(self, conn: Any, sql: str, args: list[Any]) -> Sequence[Sequence[Any]]:
        return await conn.fetch(sql, *args)  # type: ignore[no-any-return]


class _Aiosqlite(_Driver):
    # one hop to the connection's thread; tessera's checkout hook put the connection in autocommit
    async def fetch(self, conn: Any, sql: str, args: list[Any]) -> Sequence[Any] | None:
        rows = await conn.execute_fetchall(sql, args)
        return next(iter(rows), None)


class _Asyncmy(_Driver):
    # SQLAlchemy keeps MySQL connections out of autocommit: a lone SELECT would open a transaction whose
    # REPEATABLE READ snapshot every later read on the connection would see. Lent connections autocommit.
    async def fetch(self, conn: Any, sql: str, args: list[Any]) -> Sequence[Any] | None:
        async with conn.cursor() as cursor:
            await cursor.execute(sql, args)
            row = await cursor.fetchone()
        return None if row is None else tuple(row)

    async def lend(self, conn: Any) -> None:
        await conn.autocommit(True)

    async def give_back(self, conn: Any) -> None:
        await conn.autocommit(False)


_DRIVERS: dict[str, Callable[[], _Driver]] = {"asyncpg": _Asyncpg, "aiosqlite": _Aiosqlite, "asyncmy": _Asyncmy}


class _Lent:
    __slots__ = ("conn", "fairy", "since")

    def __init__(self, fairy: Any, since: float) -> None:
        self.fairy = fairy
        self.conn = fairy.driver_connection
        self.since = since


class DirectReadFailed(Exception):
    """The driver call failed; its connection is gone from the lane. The caller reads on the generic path."""


class ReadLane:
    """Up to ``size`` driver connections borrowed from ``engine``'s pool, lent out one statement at a time.

    Connections are borrowed on demand (an idle process holds none beyond the first), returned to the pool
    after ``recycle`` seconds (the pool's own ``pool_recycle``, if set) and on ``close()``. When all are
    busy a caller waits for the next one to come back: a lent connection is held for one statement only.

    Coalescing (asyncpg): calls of a read that has a ``DirectBatch`` form, arriving while every connection
    is busy, queue as one batch instead of one waiter each; the next free connection answers the whole
    batch with one ``= ANY(...)`` statement. A call never waits for a batch to fill: it only joins one
    when it would have waited for a connection anyway. Under load this turns N round trips into one
    (asyncpg: ~128 µs of CPU per single-row read against ~23 µs per row in a batch of 8).
    """

    def __init__(self, engine: AsyncEngine, size: int) -> None:
        self._engine = engine
        self._driver = _DRIVERS[engine.dialect.driver]()
        self.size = size
        #: whether reads may be coalesced on this driver (``= ANY(array)`` is PostgreSQL's)
        self.batches = engine.dialect.driver == "asyncpg"
        self._idle: list[_Lent] = []
        self._borrowed = 0
        self._waiters: deque[asyncio.Future[_Lent | None] | _Batch] = deque()
        self._pending: dict[tuple[Any, ...], _Batch] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        pool_recycle = getattr(engine.sync_engine.pool, "_recycle", -1)
        self._recycle = float(pool_recycle) if pool_recycle and pool_recycle > 0 else None
        self._closed = False

    @staticmethod
    def supported(engine: AsyncEngine) -> bool:
        """True for a supported driver on a pool that hands each checkout its own connection.

        ``StaticPool``/``SingletonThreadPool`` (SQLite ``:memory:``) share one connection with every
        caller: a read lent there could run inside another task's transaction.
        """
        pool = engine.sync_engine.pool
        return engine.dialect.driver in _DRIVERS and isinstance(pool, QueuePool | NullPool)

    @property
    def borrowed(self) -> int:
        """Connections currently taken from the engine's pool (idle in the lane or lent)."""
        return self._borrowed

    async def fetch_one(self, stmt: DirectStatement, params: dict[str, Any]) -> _Fetched:
        """The first row of ``stmt`` (decoded), the driver connection's id, and the SQL if this call ran it.

        The SQL is ``None`` for a call answered by a batch another call reported.
        """
        if stmt.batch is not None and not self._idle and self._borrowed >= self.size and not self._closed:
            joined = self._join_batch(stmt.batch, params)
            if joined is not None:
                return await joined
        lent = await self._acquire()
        try:
            raw = await self._driver.fetch(lent.conn, stmt.sql, stmt.args(params))
        except Exception as e:
            await self._discard(lent)
            raise DirectReadFailed(str(e)) from e
        except BaseException:
            # cancelled mid-statement: the connection's protocol state is unknown, never reuse it
            self._discard_now(lent)
            raise
        self._release(lent)
        return (None if raw is None else stmt.row(raw)), id(lent.conn), stmt.sql

    def _join_batch(self, info: DirectBatch, params: dict[str, Any]) -> asyncio.Future[_Fetched] | None:
        """Queue this call on the pending batch of the same read and parameters; ``None`` if it cannot be."""
        try:
            group = (info, *(v for k, v in params.items() if k != info.key))
            hash(group)
        except TypeError:
            return None
        batch = self._pending.get(group)
        if batch is None or len(batch.wanted) >= MAX_BATCH:
            batch = self._pending[group] = _Batch(group, info, params)
            self._waiters.append(batch)
        future: asyncio.Future[_Fetched] = asyncio.get_running_loop().create_future()
        batch.wanted.append((params[info.key], future))
        return future

    async def _run_batch(self, batch: _Batch, lent: _Lent | None) -> None:
        info = batch.info
        try:
            if lent is None:  # handed a free slot rather than a connection
                if self._closed:
                    raise DirectReadFailed("read lane closed")
                self._borrowed += 1
                try:
                    lent = await self._borrow()
                except BaseException:
                    self._borrowed -= 1
                    self._wake(None)
                    raise
            keys = list(dict.fromkeys(key for key, future in batch.wanted if not future.done()))
            if not keys:
                self._release(lent)
                return
            args = info.stmt.args({**batch.params, info.key: keys})
            try:
                raws = await self._driver.fetch_all(lent.conn, info.stmt.sql, args)
            except Exception:
                await self._discard(lent)
                raise
            except BaseException:
                self._discard_now(lent)
                raise
            self._release(lent)
        except BaseException as e:
            failed = e if isinstance(e, DirectReadFailed) else DirectReadFailed(str(e))
            for _, future in batch.wanted:
                if not future.done():
                    future.set_exception(failed)
            if not isinstance(e, Exception):
                raise
            return
        by_key: dict[Any, Sequence[Any]] = {}
        for raw in raws:
            by_key.setdefault(raw[info.column], raw)  # several rows per key (a one-to-many join): the first
        connection, answered = id(lent.conn), set()
        sql: str | None = info.stmt.sql
        for key, future in batch.wanted:
            if future.done():
                continue
            found = by_key.get(key)
            row = None if found is None else info.stmt.row(found)
            if row is not None and key in answered:
                row = _fresh(row)
            answered.add(key)
            future.set_result((row, connection, sql))
            sql = None  # one statement, reported once

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _acquire(self) -> _Lent:
        while True:
            if self._closed:
                raise DirectReadFailed("read lane closed")
            if self._idle:
                lent = self._idle.pop()  # LIFO: the warmest connection; the others may age out
                if self._recycle is None or time.monotonic() - lent.since < self._recycle:
                    return lent
                await self._give_back(lent)
                continue
            if self._borrowed < self.size and not self._closed:
                self._borrowed += 1
                try:
                    return await self._borrow()
                except BaseException:
                    self._borrowed -= 1
                    self._wake(None)
                    raise
            waiter: asyncio.Future[_Lent | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                lent_or_slot = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled() and (handed := waiter.result()) is not None:
                    self._release(handed)
                raise
            if lent_or_slot is not None:
                return lent_or_slot
            # a connection was discarded: its slot is free, loop to borrow a new one

    async def _borrow(self) -> _Lent:
        pool = self._engine.sync_engine.pool
        fairy = await greenlet_spawn(pool.connect)
        lent = _Lent(fairy, time.monotonic())
        try:
            await self._driver.lend(lent.conn)
        except BaseException:
            await greenlet_spawn(fairy.invalidate)
            raise
        return lent

    def _wake(self, value: _Lent | None) -> bool:
        """Hand a connection (or, with ``None``, a free slot) to the oldest waiter; False if none waits."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if isinstance(waiter, _Batch):
                if self._pending.get(waiter.group) is waiter:
                    del self._pending[waiter.group]
                if all(future.done() for _, future in waiter.wanted):
                    continue  # every caller of the batch was cancelled
                self._spawn(self._run_batch(waiter, value))
                return True
            if not waiter.done():
                waiter.set_result(value)
                return True
        return False

    def _release(self, lent: _Lent) -> None:
        if self._closed:
            self._discard_now(lent)
        elif not self._wake(lent):
            self._idle.append(lent)

    async def _give_back(self, lent: _Lent) -> None:
        self._borrowed -= 1
        try:
            await self._driver.give_back(lent.conn)
            await greenlet_spawn(lent.fairy.close)
        except Exception:
            await greenlet_spawn(lent.fairy.invalidate)
        finally:
            self._wake(None)

    async def _discard(self, lent: _Lent) -> None:
        self._borrowed -= 1
        try:
            await greenlet_spawn(lent.fairy.invalidate)
        finally:
            self._wake(None)

    def _discard_now(self, lent: _Lent) -> None:
        """Drop a connection from a cancelled (or closing) caller, without awaiting in the caller.

        The slot is free at once; the connection is invalidated in the background, inside a greenlet, so
        SQLAlchemy closes it gracefully and the driver can settle the cancelled statement (a forced
        terminate leaves asyncpg's cancel futures with unretrieved errors).
        """
        self._borrowed -= 1
        self._wake(None)
        self._spawn(self._invalidate(lent))

    @staticmethod
    async def _invalidate(lent: _Lent) -> None:
        with contextlib.suppress(Exception):  # the connection is being dropped either way
            await greenlet_spawn(lent.fairy.invalidate)

    async def close(self) -> None:
        """Return every idle connection to the pool and wait for background work; connections still lent
        are dropped when released."""
        self._closed = True
        idle, self._idle = self._idle, []
        for lent in idle:
            await self._give_back(lent)
        if self._tasks:  # batches in flight and connections being dropped
            await asyncio.gather(*self._tasks, return_exceptions=True)
