"""Domain verbs over the adapter: what endpoints ask for, each a fixed, small number of statements.

Budgets (held by tests): a session read is 1 statement (session JOIN user); sign-in is 2 (user JOIN its
credential account; insert session); sign-up is 3 inside one transaction (insert user, account, session);
sign-out is 1 (``DELETE … RETURNING``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from ..db.adapter import Adapter, Join, Row, SortBy, Where
from ..db.schema import Schema
from ..session.model import SessionData

CREDENTIAL = "credential"


class Store:
    def __init__(
        self,
        adapter: Adapter,
        schema: Schema,
        *,
        generate_id: Callable[[str], str],
        clock: Callable[[], datetime],
        find_many_limit: int = 100,
    ) -> None:
        self.adapter = adapter
        self.schema = schema
        self.generate_id = generate_id
        self.clock = clock
        self.find_many_limit = find_many_limit
        self._output_fields = {
            t.name: (*tuple(f.name for f in t.fields if f.returned), "id") for t in schema
        }
        self._credential_join = (Join("account", (Where("providerId", CREDENTIAL),)),)
        self._user_join = (Join("user"),)

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

    # -- users ----------------------------------------------------------------------------------------

    async def create_user(self, data: Mapping[str, Any], adapter: Adapter | None = None) -> Row:
        return await (adapter or self.adapter).create("user", self._stamp(data, "user"))

    async def find_user_by_email(self, email: str, *, with_credential: bool = False) -> Row | None:
        join = self._credential_join if with_credential else ()
        return await self.adapter.find_one("user", [Where("email", email.lower())], join=join)

    async def find_user_by_id(self, user_id: str) -> Row | None:
        return await self.adapter.find_one("user", [Where("id", user_id)])

    async def update_user(self, user_id: str, data: Mapping[str, Any]) -> Row | None:
        return await self.adapter.update(
            "user", [Where("id", user_id)], {**data, "updatedAt": self.clock()}
        )

    async def delete_user(self, user_id: str) -> None:
        async with self.adapter.transaction() as tx:
            if "session" in self.schema:
                await tx.delete_many("session", [Where("userId", user_id)])
            await tx.delete_many("account", [Where("userId", user_id)])
            await tx.delete("user", [Where("id", user_id)])

    # -- accounts -------------------------------------------------------------------------------------

    async def create_account(self, data: Mapping[str, Any], adapter: Adapter | None = None) -> Row:
        return await (adapter or self.adapter).create("account", self._stamp(data, "account"))

    async def find_accounts(self, user_id: str) -> list[Row]:
        return await self.adapter.find_many("account", [Where("userId", user_id)], limit=self.find_many_limit)

    async def find_credential_account(self, user_id: str) -> Row | None:
        return await self.adapter.find_one(
            "account", [Where("userId", user_id), Where("providerId", CREDENTIAL)]
        )

    async def delete_account(self, account_id: str, user_id: str) -> Row | None:
        """Delete the account row ``account_id`` only if it belongs to ``user_id``."""
        return await self.adapter.delete("account", [Where("id", account_id), Where("userId", user_id)])

    async def set_password(self, user_id: str, password_hash: str) -> Row | None:
        return await self.adapter.update(
            "account",
            [Where("userId", user_id), Where("providerId", CREDENTIAL)],
            {"password": password_hash, "updatedAt": self.clock()},
        )

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
    ) -> Row:
        data = {
            "expiresAt": expires_at,
            "token": token,
            "ipAddress": ip_address if ip_address is not None else "",
            "userAgent": user_agent if user_agent is not None else "",
            "userId": user_id,
            **(extra or {}),
        }
        return await (adapter or self.adapter).create("session", self._stamp(data, "session"))

    async def find_session(self, token: str) -> SessionData | None:
        row = await self.adapter.find_one("session", [Where("token", token)], join=self._user_join)
        if row is None:
            return None
        user = row.pop("user", None)
        if user is None:
            return None
        return SessionData(self.public("session", row), self.public("user", user))

    async def update_session(self, token: str, data: Mapping[str, Any]) -> Row | None:
        return await self.adapter.update("session", [Where("token", token)], {**data, "updatedAt": self.clock()})

    async def delete_session(self, token: str) -> Row | None:
        return await self.adapter.delete("session", [Where("token", token)])

    async def list_sessions(self, user_id: str) -> list[Row]:
        rows = await self.adapter.find_many(
            "session",
            [Where("userId", user_id), Where("expiresAt", self.clock(), "gt")],
            limit=self.find_many_limit,
            sort_by=SortBy("createdAt", "asc"),
        )
        return [self.public("session", r) for r in rows]

    async def delete_sessions(self, user_id: str, *, except_token: str | None = None) -> int:
        where = [Where("userId", user_id)]
        if except_token is not None:
            where.append(Where("token", except_token, "ne"))
        return await self.adapter.delete_many("session", where)

    async def delete_session_if_owned(self, token: str, user_id: str) -> Row | None:
        return await self.adapter.delete("session", [Where("token", token), Where("userId", user_id)])

    # -- verifications --------------------------------------------------------------------------------

    async def create_verification(self, identifier: str, value: str, expires_in: int) -> Row:
        data = {"identifier": identifier, "value": value, "expiresAt": self.clock() + timedelta(seconds=expires_in)}
        return await self.adapter.create("verification", self._stamp(data, "verification"))

    async def find_verification(self, identifier: str) -> Row | None:
        row = await self.adapter.find_one(
            "verification", [Where("identifier", identifier), Where("expiresAt", self.clock(), "gt")]
        )
        return row

    async def consume_verification(self, identifier: str) -> Row | None:
        """Single use: exactly one concurrent caller receives the row, and only if it has not expired."""
        return await self.adapter.consume_one(
            "verification", [Where("identifier", identifier), Where("expiresAt", self.clock(), "gt")]
        )

    async def delete_verifications(self, identifiers: Sequence[str]) -> int:
        return await self.adapter.delete_many("verification", [Where("identifier", list(identifiers), "in")])

    # -- maintenance ----------------------------------------------------------------------------------

    async def sweep_expired(self) -> dict[str, int]:
        """Delete expired sessions and verifications (run by the background sweeper, never inline)."""
        now = self.clock()
        removed: dict[str, int] = {}
        for model in ("session", "verification"):
            if model in self.schema:
                removed[model] = await self.adapter.delete_many(model, [Where("expiresAt", now, "lt")])
        return removed
