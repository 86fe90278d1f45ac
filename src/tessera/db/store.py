"""Domain verbs over the adapter: what endpoints ask for, each a fixed, small number of statements.

Budgets (held by tests): a session read is 1 statement (session JOIN user); sign-in is 2 (user JOIN its
credential account; insert session); sign-up is 3 inside one transaction (insert user, account, session);
sign-out is 1 (``DELETE … RETURNING``).

Every write goes through the database hooks (``db/hooks.py``); with none configured for that model and action
the write is the bare adapter call, so the budgets hold.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from ..db.adapter import Adapter, Join, Row, SortBy, Where
from ..db.schema import Schema, Table
from ..session.model import SessionData
from ..validation import column_issue, validation_error
from .hooks import AfterQueue, DatabaseHooks, HookVeto, Vetoed, pending_after

CREDENTIAL = "credential"


def session_fields(
    user_id: str,
    token: str,
    expires_at: datetime,
    ip_address: str | None,
    user_agent: str | None,
    extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The fields of a new session row, wherever it is kept (an unknown address or agent is ``""``)."""
    return {
        "expiresAt": expires_at,
        "token": token,
        "ipAddress": ip_address if ip_address is not None else "",
        "userAgent": user_agent if user_agent is not None else "",
        "userId": user_id,
        **(extra or {}),
    }


class Store:
    def __init__(
        self,
        adapter: Adapter,
        schema: Schema,
        *,
        generate_id: Callable[[str], str],
        clock: Callable[[], datetime],
        find_many_limit: int = 100,
        hooks: DatabaseHooks | None = None,
    ) -> None:
        self.adapter = adapter
        self.hooks = hooks if hooks is not None else DatabaseHooks()
        self.schema = schema
        self.generate_id = generate_id
        self.clock = clock
        self.find_many_limit = find_many_limit
        self._output_fields = {
            t.name: (*tuple(f.name for f in t.fields if f.returned), "id") for t in schema
        }
        #: per model, (field, type, keyed) of the fields whose values a backend may refuse (``column_issue``)
        self._checked_fields = {t.name: _checked_fields(t) for t in schema}
        self._credential_join = (Join("account", (Where("providerId", CREDENTIAL),)),)
        self._user_join = (Join("user"),)
        #: called with the user id after the user row changed (cookie caches elsewhere must re-read it)
        self.user_listeners: list[Callable[[str], None]] = []
        #: ``await guard(user_id, tx)`` inside ``delete_user``'s unit of work, before anything is deleted: a
        #: plugin refuses the deletion by raising (``APIError``), and may lock rows in ``tx`` to decide
        self.user_delete_guards: list[Callable[[str, Adapter], Awaitable[None]]] = []

    # -- output ---------------------------------------------------------------------------------------

    def public(self, model: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """The row as the API returns it: schema order, ``returned=False`` fields dropped, ``id`` last."""
        return {name: row.get(name) for name in self._output_fields[model]}

    def _stamp(self, data: Mapping[str, Any], model: str) -> dict[str, Any]:
        now = self.clock()
        row = dict(data)
        row.setdefault("id", self.generate_id(model))
        table = self.schema[model]
        if table.has("createdAt"):
            row.setdefault("createdAt", now)
        if table.has("updatedAt"):
            row.setdefault("updatedAt", now)
        return row

    def unsaved(self, model: str, data: Mapping[str, Any]) -> Row:
        """The row ``create`` would write for ``data`` (id, timestamps, schema defaults), without writing it.

        An enumeration-safe answer about a row that was not created must look like one that was: a field with a
        default (a plugin's ``role``, an application's ``plan``) left ``null`` would tell the two apart.
        """
        row = self._stamp(data, model)
        for f in self.schema[model].fields:
            if f.name not in row:
                row[f.name] = f.default_value()
        return row

    def _check_storable(self, model: str, data: Mapping[str, Any]) -> None:
        """Refuse, as a 400, a value some backend cannot store (a NUL, a string or number too big for its column):
        the client sent it, and the statement would otherwise fail as a 500 on that backend only."""
        for name, kind, keyed in self._checked_fields[model]:
            if name in data:
                issue = column_issue(kind, keyed, data[name])
                if issue is not None:
                    raise validation_error([f"[{model}.{name}] {issue}"])

    # -- units of work and hooked writes --------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self, adapter: Adapter | None = None) -> AsyncIterator[Adapter]:
        """``adapter.transaction()`` whose database after-hooks run once it commits, never if it rolls back.

        Nested units are savepoints of the outermost one, which runs the after-hooks of all of them.
        """
        db = adapter or self.adapter
        outer = pending_after.get()
        if outer is not None and not outer.closed:
            async with db.transaction() as tx:
                yield tx
            return
        queue = AfterQueue()
        token = pending_after.set(queue)
        try:
            async with db.transaction() as tx:
                yield tx
        finally:
            queue.closed = True
            pending_after.reset(token)
        for chain, row in queue:
            await chain.run_after(row)

    async def _create(self, model: str, data: Mapping[str, Any], adapter: Adapter | None) -> Row:
        db = adapter or self.adapter
        row = self._stamp(data, model)
        chain = self.hooks.chain(model, "create")
        if chain is None:
            self._check_storable(model, row)
            return await db.create(model, row)
        hooked = await chain.run_before(row)
        if hooked is None:
            raise HookVeto(model)
        self._check_storable(model, hooked)
        created = await db.create(model, hooked)
        await chain.run_after(created)
        return created

    async def _update(
        self, model: str, where: Sequence[Where], data: Mapping[str, Any], adapter: Adapter | None = None
    ) -> Row | None:
        """A vetoed update changes nothing and answers ``None``, as when no row matched."""
        db = adapter or self.adapter
        chain = self.hooks.chain(model, "update")
        if chain is None:
            self._check_storable(model, data)
            return await db.update(model, where, data)
        hooked = await chain.run_before(dict(data))
        if hooked is None:
            return None
        self._check_storable(model, hooked)
        row = await db.update(model, where, hooked)
        if row is not None:
            await chain.run_after(row)
        return row

    async def _delete(
        self, model: str, where: Sequence[Where], *, consume: bool = False,
        adapter: Adapter | None = None, veto_raises: bool = False,
    ) -> Row | None:
        """Delete one row (``DELETE … RETURNING``). A veto restores it and answers ``None`` — or, with
        ``veto_raises``, raises ``Vetoed`` to cancel the caller's whole unit of work."""
        db = adapter or self.adapter
        chain = self.hooks.chain(model, "delete")
        if chain is None:
            return await (db.consume_one if consume else db.delete)(model, where)
        if not chain.before:
            row = await (db.consume_one if consume else db.delete)(model, where)
        elif veto_raises:
            row = await (db.consume_one if consume else db.delete)(model, where)
            if row is not None and not await chain.allows(row):
                raise Vetoed
        else:
            # no read before the delete: the row comes back from the delete itself, and a veto rolls it back
            try:
                async with self.transaction(db) as tx:
                    row = await (tx.consume_one if consume else tx.delete)(model, where)
                    if row is not None and not await chain.allows(row):
                        raise Vetoed
            except Vetoed:
                return None
        if row is not None:
            await chain.run_after(row)
        return row

    async def _delete_many(self, model: str, where: Sequence[Where], adapter: Adapter | None = None) -> int:
        """With a delete hook the rows are read first (same transaction) so each hook sees each row;
        vetoed rows stay."""
        db = adapter or self.adapter
        chain = self.hooks.chain(model, "delete")
        if chain is None:
            return await db.delete_many(model, where)
        async with self.transaction(db) as tx:
            rows = await tx.find_many(model, where)
            doomed = [row for row in rows if await chain.allows(row)]
            if doomed:
                await tx.delete_many(model, [Where("id", [row["id"] for row in doomed], "in")])
        for row in doomed:
            await chain.run_after(row)
        return len(doomed)

    # -- users ----------------------------------------------------------------------------------------

    async def create_user(self, data: Mapping[str, Any], adapter: Adapter | None = None) -> Row:
        return await self._create("user", data, adapter)

    async def find_user_by_email(self, email: str, *, with_credential: bool = False) -> Row | None:
        join = self._credential_join if with_credential else ()
        return await self.adapter.find_one("user", [Where("email", email.lower())], join=join)

    async def find_user_by_id(self, user_id: str) -> Row | None:
        return await self.adapter.find_one("user", [Where("id", user_id)])

    async def update_user(self, user_id: str, data: Mapping[str, Any]) -> Row | None:
        row = await self._update("user", [Where("id", user_id)], {**data, "updatedAt": self.clock()})
        if row is not None:
            for listener in self.user_listeners:
                listener(user_id)
        return row

    async def delete_user(self, user_id: str) -> bool:
        """Sessions, accounts, then the user, as one unit: a vetoed user delete keeps all of them, and a
        guard (``user_delete_guards``) that raises refuses it with its error."""
        try:
            async with self.transaction() as tx:
                for guard in self.user_delete_guards:
                    await guard(user_id, tx)
                if "session" in self.schema:
                    await self._delete_many("session", [Where("userId", user_id)], tx)
                await self._delete_many("account", [Where("userId", user_id)], tx)
                user = await self._delete("user", [Where("id", user_id)], adapter=tx, veto_raises=True)
                return user is not None
        except Vetoed:
            return False

    # -- accounts -------------------------------------------------------------------------------------

    async def create_account(self, data: Mapping[str, Any], adapter: Adapter | None = None) -> Row:
        return await self._create("account", data, adapter)

    async def find_accounts(self, user_id: str) -> list[Row]:
        return await self.adapter.find_many("account", [Where("userId", user_id)], limit=self.find_many_limit)

    async def find_credential_account(self, user_id: str, adapter: Adapter | None = None) -> Row | None:
        return await (adapter or self.adapter).find_one(
            "account", [Where("userId", user_id), Where("providerId", CREDENTIAL)]
        )

    async def delete_account(self, account_id: str, user_id: str) -> Row | None:
        """Delete the account row ``account_id`` only if it belongs to ``user_id``."""
        return await self._delete("account", [Where("id", account_id), Where("userId", user_id)])

    async def set_password(self, user_id: str, password_hash: str, adapter: Adapter | None = None) -> Row | None:
        return await self._update(
            "account",
            [Where("userId", user_id), Where("providerId", CREDENTIAL)],
            {"password": password_hash, "updatedAt": self.clock()},
            adapter,
        )

    # -- OAuth accounts (provider identities) ---------------------------------------------------------

    async def find_account_by_key(self, provider_id: str, account_id: str) -> Row | None:
        """The account of one provider identity with its user under ``"user"`` — one statement, on the
        ``account(providerId, accountId)`` index. Identities are keyed by (provider, subject), never by email."""
        return await self.adapter.find_one(
            "account", [Where("providerId", provider_id), Where("accountId", account_id)], join=self._user_join
        )

    async def update_account(self, account_row_id: str, data: Mapping[str, Any]) -> Row | None:
        return await self.adapter.update("account", [Where("id", account_row_id)], {**data, "updatedAt": self.clock()})

    # -- sessions -------------------------------------------------------------------------------------

    async def create_session(
        self,
        user_id: str,
        token: str,
        *,
        expires_at: datetime,
        ip_address: str | None,
        user_agent: str | None,
        extra: Mapping[str, Any] | None = None,
        adapter: Adapter | None = None,
        user: Mapping[str, Any] | None = None,
    ) -> Row:
        """``user`` (the session's user row, when the caller has it) spares secondary storage a lookup."""
        data = session_fields(user_id, token, expires_at, ip_address, user_agent, extra)
        return await self._create("session", data, adapter)

    async def find_session(self, token: str) -> SessionData | None:
        row = await self.adapter.find_one("session", [Where("token", token)], join=self._user_join)
        if row is None:
            return None
        user = row.pop("user", None)
        if user is None:
            return None
        return SessionData(self.public("session", row), self.public("user", user))

    async def update_session(self, token: str, data: Mapping[str, Any]) -> Row | None:
        return await self._update("session", [Where("token", token)], {**data, "updatedAt": self.clock()})

    async def delete_session(self, token: str) -> Row | None:
        return await self._delete("session", [Where("token", token)])

    async def list_sessions(self, user_id: str) -> list[Row]:
        rows = await self.adapter.find_many(
            "session",
            [Where("userId", user_id), Where("expiresAt", self.clock(), "gt")],
            limit=self.find_many_limit,
            sort_by=SortBy("createdAt", "asc"),
        )
        return [self.public("session", r) for r in rows]

    async def delete_sessions(
        self, user_id: str, *, except_token: str | None = None, adapter: Adapter | None = None
    ) -> int:
        where = [Where("userId", user_id)]
        if except_token is not None:
            where.append(Where("token", except_token, "ne"))
        return await self._delete_many("session", where, adapter)

    async def delete_session_if_owned(self, token: str, user_id: str) -> Row | None:
        return await self._delete("session", [Where("token", token), Where("userId", user_id)])

    # -- verifications --------------------------------------------------------------------------------

    async def create_verification(self, identifier: str, value: str, expires_in: int) -> Row:
        data = {"identifier": identifier, "value": value, "expiresAt": self.clock() + timedelta(seconds=expires_in)}
        return await self._create("verification", data, None)

    async def find_verification(self, identifier: str) -> Row | None:
        row = await self.adapter.find_one(
            "verification", [Where("identifier", identifier), Where("expiresAt", self.clock(), "gt")]
        )
        return row

    async def consume_verification(self, identifier: str, adapter: Adapter | None = None) -> Row | None:
        """Single use: exactly one concurrent caller receives the row, and only if it has not expired."""
        where = [Where("identifier", identifier), Where("expiresAt", self.clock(), "gt")]
        return await self._delete("verification", where, consume=True, adapter=adapter)

    async def delete_verifications(self, identifiers: Sequence[str]) -> int:
        return await self._delete_many("verification", [Where("identifier", list(identifiers), "in")])

    # -- maintenance ----------------------------------------------------------------------------------

    async def sweep_expired(self) -> dict[str, int]:
        """Delete expired sessions and verifications (run by the background sweeper, never inline).

        Housekeeping, not a user action: database delete hooks do not run for swept rows."""
        now = self.clock()
        removed: dict[str, int] = {}
        for model in ("session", "verification"):
            if model in self.schema:
                removed[model] = await self.adapter.delete_many(model, [Where("expiresAt", now, "lt")])
        return removed


def _checked_fields(table: Table) -> tuple[tuple[str, str, bool], ...]:
    keyed = table.keyed_fields()
    return tuple((f.name, f.type, f.name in keyed) for f in table.fields if f.type in ("string", "number", "bigint"))
