"""``SQLAlchemyAdapter``: the adapter protocol on SQLAlchemy Core with an ``AsyncEngine``.

Statements per operation (``statement_count`` holds tests to these; BEGIN/COMMIT/SAVEPOINT not counted):

===============  ===========  ==========  =============================================
operation        PostgreSQL   SQLite      MySQL / MariaDB
===============  ===========  ==========  =============================================
create           1            1           1 (``RETURNING`` on MariaDB ≥ 10.5)
find_one (+join) 1            1           1
update           1            1           2: ``SELECT … FOR UPDATE`` + ``UPDATE``
delete           1            1           1 on MariaDB (``DELETE … LIMIT 1 RETURNING``), 2 on MySQL
consume_one      1            1           as ``delete``
increment_one    1            1           2: ``SELECT … FOR UPDATE`` + ``UPDATE``
===============  ===========  ==========  =============================================

Statements are built once per *shape* of call (model, fields, operators, NULLs, joins) and kept, so a
repeated call costs parameter binding and one round trip; SQLAlchemy's compiled cache does the rest.
Single operations outside ``transaction()`` run in autocommit on PostgreSQL and SQLite (no BEGIN/COMMIT
round trips), and in a short transaction on MySQL.

Direct reads (``direct.py``): ``find_one`` outside ``transaction()`` on asyncpg, aiosqlite or asyncmy runs its
statement, compiled once, straight on a driver connection borrowed from the engine's pool, skipping
SQLAlchemy's per-execute machinery; rows are decoded by the same type processors. Measured in process on
PostgreSQL (one session JOIN user, CPU per call): generic path 0.32 ms; checking a connection out of the
pool per call and calling asyncpg on it 0.135 ms (a dedicated ``asyncpg.Pool`` costs the same, 0.19 ms with
its default reset); a connection kept in the adapter's ``ReadLane`` 0.07 ms, the bare asyncpg round trip.
Inside a transaction every read takes the transaction's connection (read-your-writes). On asyncpg, lookups
by one unique string key (session token, user email or id) that arrive while every lane connection is busy
are coalesced: one ``= ANY(...)`` statement answers all of them, counted and reported once.

Every statement the adapter runs, on either path, is reported once to ``statement_listeners`` and counted
in ``statement_count``: tests hold the budgets above with them, not with engine events the direct path
would bypass.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql import Executable
from sqlalchemy.util import greenlet_spawn

from ...db.adapter import Adapter, Join, Row, SortBy, UniqueViolation, Where
from ...db.schema import Schema
from .conditions import Shape, clause, is_pinned, shape_of
from .direct import DirectBatch, DirectReadFailed, DirectStatement, ReadLane
from .engine import dialect_name, install_liveness_check, install_sqlite_hooks, normalize_url
from .tables import TableMap, build_tables

T = TypeVar("T")
StatementT = TypeVar("StatementT", sa.Select[Any], sa.Update, sa.Delete)
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class _Counter:
    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement the adapter sent to the database, as reported to ``statement_listeners``."""

    sql: str
    #: ran outside any transaction (no BEGIN/COMMIT around it)
    autocommit: bool
    #: ``id()`` of the driver connection it ran on
    connection: int
    #: ran on the direct read path (``direct.py``) rather than through SQLAlchemy's ``Connection``
    direct: bool


def _is_unique_violation(error: exc.IntegrityError, dialect: str) -> bool:
    orig = error.orig
    if dialect == "postgresql":
        return getattr(orig, "sqlstate", None) == "23505"
    if dialect == "mysql":
        return bool(getattr(orig, "args", ())[:1] == (1062,))  # ER_DUP_ENTRY
    name = getattr(orig, "sqlite_errorname", None)
    if name is not None:
        return name in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")
    return "UNIQUE constraint failed" in str(orig)


class SQLAlchemyAdapter(Adapter):
    """Tessera's tables in SQLite, PostgreSQL or MySQL/MariaDB.

    ``url_or_engine`` is a URL (``sqlite:///auth.db``, ``postgresql://…``, ``mysql://…``; drivers are
    filled in: aiosqlite, asyncpg, asyncmy) or an ``AsyncEngine`` you own; ``close()`` disposes only an
    engine the adapter created. The adapter never creates tables: run ``tessera migrate`` or
    ``tessera.adapters.sqlalchemy.migrate``.

    ``direct_reads`` is how many pooled connections the direct read path may keep (at most half the pool);
    0 sends every read through SQLAlchemy's ``Connection``.
    """

    dialect: str

    def __init__(
        self,
        url_or_engine: str | sa.URL | AsyncEngine,
        *,
        pool_size: int = 10,
        max_overflow: int = 10,
        direct_reads: int = 4,
        **engine_options: Any,
    ) -> None:
        if isinstance(url_or_engine, AsyncEngine):
            self.engine = url_or_engine
            self._owns_engine = False
        else:
            url = normalize_url(url_or_engine)
            options = dict(engine_options)
            if url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:"):
                options.setdefault("pool_size", pool_size)
                options.setdefault("max_overflow", max_overflow)
            if url.get_backend_name() in ("mysql", "mariadb"):
                options.setdefault("pool_recycle", 1800)
                # asyncmy cannot tell a connection the server dropped without asking: a ping (no SQL) at
                # checkout, so a restart or failover costs no request an error
                options.setdefault("pool_pre_ping", True)
            self.engine = create_async_engine(url, **options)
            self._owns_engine = True
        self.dialect = dialect_name(self.engine)
        install_liveness_check(self.engine)
        if self.dialect == "sqlite":
            install_sqlite_hooks(self.engine)
            # autocommit per statement, and writers queue for the lock at BEGIN instead of failing later
            self._single = self.engine.execution_options(tessera_autocommit=True)
            self._tx_engine = self.engine.execution_options(tessera_begin="BEGIN IMMEDIATE")
        elif self.dialect == "postgresql":
            self._single = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            self._tx_engine = self.engine
        else:
            # switching MySQL connections to autocommit costs more round trips than it saves
            self._single = self._tx_engine = self.engine
        self._conn: AsyncConnection | None = None
        self._counter = _Counter()
        #: called with every statement the adapter runs, on either path (transaction control included)
        self.statement_listeners: list[Callable[[Statement], None]] = []
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._count)
        self._lane = self._read_lane(direct_reads)
        self.schema = Schema({})
        self.metadata = sa.MetaData()
        self.tables: dict[str, TableMap] = {}
        self._statements: dict[tuple[Any, ...], Executable] = {}
        #: reads by shape: the statement, and its direct form (``None`` when it must take the generic path)
        self._reads: dict[tuple[Any, ...], tuple[Executable, DirectStatement | None]] = {}

    def _read_lane(self, size: int) -> ReadLane | None:
        if size <= 0 or not ReadLane.supported(self.engine):
            return None
        pool = self.engine.sync_engine.pool
        if isinstance(pool, sa.QueuePool):
            size = min(size, max(1, pool.size() // 2))
        return ReadLane(self.engine, size)

    # -- plumbing -------------------------------------------------------------------------------------

    @property
    def statement_count(self) -> int:
        """SQL statements executed through this adapter's engine so far (transaction control excluded)."""
        return self._counter.n

    def _count(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith(_CONTROL):
            self._counter.n += 1
        if self.statement_listeners:
            options = conn.get_execution_options()
            autocommit = options.get("isolation_level") == "AUTOCOMMIT" or bool(options.get("tessera_autocommit"))
            self._report(Statement(statement, autocommit, id(conn.connection.driver_connection), direct=False))

    def _report(self, statement: Statement) -> None:
        for listener in self.statement_listeners:
            listener(statement)

    def bind(self, schema: Schema) -> None:
        self.schema = schema
        self.metadata = sa.MetaData()
        self.tables = build_tables(schema, self.metadata)
        self._statements.clear()
        self._reads.clear()

    def _table(self, model: str) -> TableMap:
        try:
            return self.tables[model]
        except KeyError:
            raise KeyError(f"unknown model {model!r}") from None

    def _cached(self, key: tuple[Any, ...], build: Callable[[], Executable]) -> Any:
        stmt = self._statements.get(key)
        if stmt is None:
            stmt = self._statements[key] = build()
        return stmt

    def _run_sync(self, stmt: Executable, params: Mapping[str, Any], fetch: Callable[[Any], T]) -> T:
        with self._single.sync_engine.begin() as conn:
            return fetch(conn.execute(stmt, params))

    async def _run(self, stmt: Executable, params: Mapping[str, Any], fetch: Callable[[Any], T]) -> T:
        try:
            if self._conn is not None:
                return fetch(await self._conn.execute(stmt, params))
            # checkout, execute, fetch and release in one greenlet: the async API would switch into
            # SQLAlchemy's sync core once per step (connect, execute, commit, close)
            return await greenlet_spawn(self._run_sync, stmt, params, fetch)
        except exc.IntegrityError as e:
            if _is_unique_violation(e, self.dialect):
                raise UniqueViolation(str(e.orig)) from e
            raise

    async def _read(self, stmt: Executable, params: Mapping[str, Any], fetch: Callable[[Any], T]) -> T:
        """A SELECT, repeated once when its pooled connection turned out dead (the database restarted or failed
        over; SQLAlchemy has invalidated the whole pool by then, so the repeat runs on a new connection). Only
        reads outside a transaction: a write may have committed before its connection dropped."""
        try:
            return await self._run(stmt, params, fetch)
        except exc.DBAPIError as e:
            if self._conn is not None or not e.connection_invalidated:
                raise
        return await self._run(stmt, params, fetch)

    @asynccontextmanager
    async def _unit(self) -> AsyncIterator[AsyncConnection]:
        """One connection in a transaction, for the MySQL operations that need two statements."""
        if self._conn is not None:
            yield self._conn
            return
        async with self._tx_engine.begin() as conn:
            yield conn

    async def _run_in(self, conn: AsyncConnection, stmt: Executable, params: Mapping[str, Any]) -> Any:
        try:
            return await conn.execute(stmt, params)
        except exc.IntegrityError as e:
            if _is_unique_violation(e, self.dialect):
                raise UniqueViolation(str(e.orig)) from e
            raise

    @staticmethod
    def _row(tm: TableMap, values: Sequence[Any] | None) -> Row | None:
        return None if values is None else dict(zip(tm.names, values, strict=True))

    def _shape(self, tm: TableMap, where: Sequence[Where], params: dict[str, Any], prefix: str = "w") -> Shape:
        return shape_of(tm, where, prefix, params, self.dialect)

    def _matching(self, stmt: StatementT, columns: Any, shape: Shape) -> StatementT:
        """``stmt`` limited to the rows ``shape`` matches over ``columns`` (unchanged for no conditions)."""
        cond = clause(columns, shape, self.dialect)
        return stmt if cond is None else stmt.where(cond)

    def _target(self, tm: TableMap, shape: Shape) -> sa.ColumnElement[bool]:
        """WHERE for "the first matching row": the conditions themselves when they pin one row."""
        pinned = clause(tm.table.c, shape, self.dialect) if is_pinned(tm, shape) else None
        if pinned is not None:
            return pinned
        inner = tm.table.alias("_first")
        sub = self._matching(sa.select(inner.c.id).limit(1), inner.c, shape)
        return tm.table.c.id == sub.scalar_subquery()

    def _values(self, tm: TableMap, values: Mapping[str, Any]) -> dict[str, Any]:
        """Update values as the database will hand them back (the MySQL paths build rows without a read)."""
        out: dict[str, Any] = {}
        for key, value in values.items():
            kind = tm.types.get(key)
            if kind is None:
                raise KeyError(f"{tm.model}.{key}")
            if value is not None and kind == "date" and isinstance(value, datetime):
                value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
                value = value.replace(microsecond=value.microsecond // 1000 * 1000)
            elif value is not None and kind == "boolean":
                value = bool(value)
            out[key] = value
        return out

    def _returning(self, kind: str) -> bool:
        return bool(getattr(self.engine.dialect, f"{kind}_returning", False))

    # -- reads ----------------------------------------------------------------------------------------

    async def find_one(self, model: str, where: Sequence[Where], *, join: Sequence[Join] = ()) -> Row | None:
        tm = self._table(model)
        params: dict[str, Any] = {}
        shape = self._shape(tm, where, params)
        joins = tuple(
            (j.model, self._shape(self._table(j.model), j.where, params, f"j{i}_")) for i, j in enumerate(join)
        )
        key = ("find_one", model, shape, joins)
        read = self._reads.get(key)
        if read is None:
            read = self._reads[key] = self._prepare_find_one(tm, shape, joins)
        values = await self._read_first(read, params)
        if values is None:
            return None
        row = dict(zip(tm.names, values, strict=False))
        start = len(tm.names)
        for name, _ in joins:
            names = self.tables[name].names
            part = values[start : start + len(names)]
            start += len(names)
            row[name] = None if part[-1] is None else dict(zip(names, part, strict=True))
        return row

    def _prepare_find_one(
        self, tm: TableMap, shape: Shape, joins: tuple[tuple[str, Shape], ...]
    ) -> tuple[Executable, DirectStatement | None]:
        """The statement, its direct form, and for a lookup by one unique string key the batch form."""
        stmt = self._build_find_one(tm, shape, joins)
        if self._lane is None:
            return stmt, None
        direct = DirectStatement.compile(stmt, self.engine)
        if direct is not None and self._lane.batches and len(shape) == 1:
            field, kind, _, lower, name = shape[0]
            if kind == "eq" and not lower and field in tm.unique and tm.types[field] == "string":
                many = DirectStatement.compile(self._build_find_one(tm, shape, joins, many=True), self.engine)
                if many is not None:
                    direct.batch = DirectBatch(many, name, tm.names.index(field))
        return stmt, direct

    async def _read_first(self, read: tuple[Executable, DirectStatement | None], params: dict[str, Any]) -> Any:
        """The first row of a SELECT: on the direct path when it applies, else through SQLAlchemy.

        Never direct inside ``transaction()``: the lane's connections would not see the transaction's
        uncommitted writes.
        """
        stmt, direct = read
        lane = self._lane
        if direct is not None and lane is not None and self._conn is None:
            try:
                row, connection, sql = await lane.fetch_one(direct, params)
            except DirectReadFailed:
                pass  # the connection is discarded; the generic path reads and reports the error, if any
            else:
                if sql is not None:  # None: answered by a coalesced statement another call reported
                    self._counter.n += 1
                    if self.statement_listeners:
                        self._report(Statement(sql, True, connection, direct=True))
                return row
        return await self._read(stmt, params, lambda r: r.first())

    def _build_find_one(
        self, tm: TableMap, shape: Shape, joins: tuple[tuple[str, Shape], ...], *, many: bool = False
    ) -> Executable:
        """``many``: for a shape of one ``eq``, every row whose key is in a list (``= ANY``), no LIMIT."""
        base = tm.table
        columns: list[Any] = list(tm.columns)
        source: sa.FromClause = base
        for i, (name, join_shape) in enumerate(joins):
            other = self.tables[name]
            alias = other.table.alias(f"_j{i}")
            on = self._relation(tm, other, base, alias)
            cond = clause(alias.c, join_shape, self.dialect)
            source = source.outerjoin(alias, on if cond is None else sa.and_(on, cond))
            columns.extend(alias.c[n] for n in other.names)
        stmt = sa.select(*columns).select_from(source)
        if many:
            field, _, _, _, name = shape[0]
            column = base.c[field]
            return stmt.where(column == sa.any_(sa.bindparam(name, type_=sa.ARRAY(column.type))))
        return self._matching(stmt.limit(1), base.c, shape)

    def _relation(self, tm: TableMap, other: TableMap, base: Any, alias: Any) -> sa.ColumnElement[bool]:
        base_field, other_field = self.schema.join_fields(tm.model, other.model)
        return alias.c[other_field] == base.c[base_field]  # type: ignore[no-any-return]

    async def find_many(
        self,
        model: str,
        where: Sequence[Where] = (),
        *,
        limit: int | None = None,
        offset: int | None = None,
        sort_by: SortBy | None = None,
    ) -> list[Row]:
        tm = self._table(model)
        params: dict[str, Any] = {}
        shape = self._shape(tm, where, params)
        sort = (sort_by.field, sort_by.direction) if sort_by else None
        if sort and sort[0] not in tm.types:
            raise KeyError(f"{model}.{sort[0]}")
        if limit is not None:
            params["_limit"] = limit
        if offset is not None:
            params["_offset"] = offset
        key = ("find_many", model, shape, sort, limit is not None, offset is not None)
        stmt = self._cached(
            key, lambda: self._build_find_many(tm, shape, sort, "_limit" in params, "_offset" in params)
        )
        rows = await self._read(stmt, params, lambda r: r.all())
        return [dict(zip(tm.names, r, strict=True)) for r in rows]

    def _build_find_many(
        self, tm: TableMap, shape: Shape, sort: tuple[str, str] | None, limit: bool, offset: bool
    ) -> Executable:
        stmt = self._matching(sa.select(*tm.columns), tm.table.c, shape)
        if sort:
            column = tm.table.c[sort[0]]
            ordered = column.desc() if sort[1] == "desc" else column.asc()
            if self.dialect == "mysql":  # no NULLS LAST in MySQL: sort on "is null" first
                stmt = stmt.order_by(column.is_(None), ordered)
            else:
                stmt = stmt.order_by(ordered.nulls_last())
        if limit:
            stmt = stmt.limit(sa.bindparam("_limit", type_=sa.Integer()))
        if offset:
            stmt = stmt.offset(sa.bindparam("_offset", type_=sa.Integer()))
        return stmt

    async def count(self, model: str, where: Sequence[Where] = ()) -> int:
        tm = self._table(model)
        params: dict[str, Any] = {}
        shape = self._shape(tm, where, params)

        def build() -> Executable:
            return self._matching(sa.select(sa.func.count()).select_from(tm.table), tm.table.c, shape)

        stmt = self._cached(("count", model, shape), build)
        return int(await self._read(stmt, params, lambda r: r.scalar_one()))

    # -- writes ---------------------------------------------------------------------------------------

    async def create(self, model: str, data: Mapping[str, Any]) -> Row:
        tm = self._table(model)
        params = {f.name: data[f.name] if f.name in data else f.default_value() for f in tm.fields}
        params["id"] = data["id"]
        if self._returning("insert"):
            stmt = self._cached(("create", model, True), lambda: sa.insert(tm.table).returning(*tm.columns))
            row = await self._run(stmt, params, lambda r: r.first())
            return dict(zip(tm.names, row, strict=True))
        stmt = self._cached(("create", model, False), lambda: sa.insert(tm.table))
        await self._run(stmt, params, lambda r: None)
        return self._values(tm, params)

    def _set(self, tm: TableMap, keys: Sequence[str], prefix: str = "u_") -> dict[Any, Any]:
        table = tm.table
        for key in keys:
            if key not in tm.types:
                raise KeyError(f"{tm.model}.{key}")
        return {table.c[k]: sa.bindparam(f"{prefix}{k}", type_=table.c[k].type) for k in keys}

    async def update(self, model: str, where: Sequence[Where], update: Mapping[str, Any]) -> Row | None:
        if not where:
            return None
        if not update:
            return await self.find_one(model, where)
        tm = self._table(model)
        params: dict[str, Any] = {}
        shape = self._shape(tm, where, params)
        keys = tuple(update)
        params.update({f"u_{k}": v for k, v in update.items()})
        return await self._update_first(
            tm, shape, params, ("update", "update_by_id"), (keys,),
            values=lambda: self._set(tm, keys),
            updated=lambda current: {**current, **self._values(tm, update)},
        )

    async def _update_first(
        self,
        tm: TableMap,
        shape: Shape,
        params: Mapping[str, Any],
        names: tuple[str, str],
        variant: tuple[Any, ...],
        *,
        values: Callable[[], dict[Any, Any]],
        updated: Callable[[Row], Row],
    ) -> Row | None:
        """UPDATE the first row ``shape`` matches with ``values()`` and answer it as updated, or ``None``.

        One ``UPDATE … RETURNING`` where the dialect has it; else (MySQL) ``SELECT … FOR UPDATE``, an update by
        id in the same transaction, and ``updated(current)``. ``names`` (with ``RETURNING``, by id) and
        ``variant`` key the statement cache."""
        if self._returning("update"):
            stmt = self._cached(
                (names[0], tm.model, shape, *variant),
                lambda: sa.update(tm.table).where(self._target(tm, shape)).values(values()).returning(*tm.columns),
            )
            return self._row(tm, await self._run(stmt, params, lambda r: r.first()))
        async with self._unit() as conn:
            current = await self._lock_first(conn, tm, shape, params)
            if current is None:
                return None
            stmt = self._cached(
                (names[1], tm.model, *variant),
                lambda: sa.update(tm.table).where(tm.table.c.id == sa.bindparam("_id")).values(values()),
            )
            await self._run_in(conn, stmt, {**params, "_id": current["id"]})
            return updated(current)

    async def _lock_first(
        self, conn: AsyncConnection, tm: TableMap, shape: Shape, params: Mapping[str, Any]
    ) -> Row | None:
        def build() -> Executable:
            return self._matching(sa.select(*tm.columns).limit(1).with_for_update(), tm.table.c, shape)

        stmt = self._cached(("lock_first", tm.model, shape), build)
        return self._row(tm, (await conn.execute(stmt, params)).first())

    async def update_many(self, model: str, where: Sequence[Where], update: Mapping[str, Any]) -> int:
        if not update:
            return await self.count(model, where)
        tm = self._table(model)
        params: dict[str, Any] = {}
        shape = self._shape(tm, where, params)
        keys = tuple(update)
        params.update({f"u_{k}": v for k, v in update.items()})

        def build() -> Executable:
            return self._matching(sa.update(tm.table).values(self._set(tm, keys)), tm.table.c, shape)

        stmt = self._cached(("update_many", model, shape, keys), build)
        return await self._run(stmt, params, _rowcount)

    async def delete(self, model: str, where: Sequence[Where]) -> Row | None:
        tm = self._table(model)
        params: dict[str, Any] = {}
        shape = self._shape(tm, where, params)
        if self._returning("delete"):
            stmt = self._cached(("delete", model, shape), lambda: self._build_delete(tm, shape))
            return self._row(tm, await self._run(stmt, params, lambda r: r.first()))
        async with self._unit() as conn:
            current = await self._lock_first(conn, tm, shape, params)
            if current is None:
                return None
            stmt = self._cached(
                ("delete_by_id", model),
                lambda: sa.delete(tm.table).where(tm.table.c.id == sa.bindparam("_id")),
            )
            await conn.execute(stmt, {"_id": current["id"]})
            return current

    def _build_delete(self, tm: TableMap, shape: Shape) -> Executable:
        if self.dialect == "mysql":
            # MariaDB: DELETE … LIMIT 1 RETURNING, one atomic statement (no subquery on the same table)
            stmt = sa.delete(tm.table).returning(*tm.columns).with_dialect_options(mysql_limit=1)
            return self._matching(stmt, tm.table.c, shape)
        return sa.delete(tm.table).where(self._target(tm, shape)).returning(*tm.columns)

    async def delete_many(self, model: str, where: Sequence[Where]) -> int:
        tm = self._table(model)
        params: dict[str, Any] = {}
        shape = self._shape(tm, where, params)

        def build() -> Executable:
            return self._matching(sa.delete(tm.table), tm.table.c, shape)

        stmt = self._cached(("delete_many", model, shape), build)
        return await self._run(stmt, params, _rowcount)

    async def consume_one(self, model: str, where: Sequence[Where]) -> Row | None:
        # One DELETE … RETURNING: of concurrent callers, only the one whose DELETE removed the row gets
        # it. Without RETURNING (MySQL) the row is locked by SELECT … FOR UPDATE before it is deleted.
        return await self.delete(model, where)

    async def increment_one(
        self,
        model: str,
        where: Sequence[Where],
        increment: Mapping[str, int],
        set: Mapping[str, Any] | None = None,
    ) -> Row | None:
        tm = self._table(model)
        assign = dict(set or {})
        counters = tuple(k for k in increment if k not in assign)
        if not counters and not assign:
            return await self.find_one(model, where)
        params: dict[str, Any] = {}
        shape = self._shape(tm, where, params)
        keys = tuple(assign)
        params.update({f"u_{k}": v for k, v in assign.items()})
        params.update({f"i_{k}": increment[k] for k in counters})

        def values() -> dict[Any, Any]:
            out = self._set(tm, keys)
            for column in self._set(tm, counters, "i_"):
                out[column] = sa.func.coalesce(column, 0) + sa.bindparam(f"i_{column.key}", type_=column.type)
            return out

        def updated(current: Row) -> Row:
            changes = {k: (current.get(k) or 0) + increment[k] for k in counters}
            return {**current, **changes, **self._values(tm, assign)}

        return await self._update_first(
            tm, shape, params, ("increment", "increment_by_id"), (counters, keys), values=values, updated=updated
        )

    # -- lifecycle ------------------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SQLAlchemyAdapter]:
        """Yield an adapter bound to one connection and transaction; nested calls use a SAVEPOINT.

        The yielded adapter is for the task that opened the transaction: one connection serves one
        statement at a time.
        """
        if self._conn is not None:
            async with self._conn.begin_nested():
                yield self
            return
        async with self._tx_engine.begin() as conn:
            bound = copy.copy(self)
            bound._conn = conn
            yield bound

    async def close(self) -> None:
        if self._conn is not None:
            return
        if self._lane is not None:
            await self._lane.close()
        if event.contains(self.engine.sync_engine, "before_cursor_execute", self._count):
            event.remove(self.engine.sync_engine, "before_cursor_execute", self._count)
        if self._owns_engine:
            await self.engine.dispose()


def _rowcount(result: Result[Any]) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
