"""Sessions (and verification values) in secondary storage, laid out as Better Auth 1.7 lays them out, so a
Node deployment and tessera can share one Redis:

====================================  ===========================================  ================================
key                                   value                                        TTL
====================================  ===========================================  ================================
``<token>``                           ``{"session": {…}, "user": {…}}``             until ``session.expiresAt``
``active-sessions-<userId>``          ``[{"token", "expiresAt": ms}]`` by expiry   until the furthest ``expiresAt``
``revoked-sessions-before-<userId>``  ms; sessions created earlier are revoked     ``max(expires_in, 1 day)``
``verification:<identifier>``         the verification row                         until ``expiresAt``
====================================  ===========================================  ================================

With ``session.store_session_in_database`` sessions are written to the table too (reads come from the store,
falling back to the table unless ``preserve_session_in_database``); likewise verifications with
``verification.store_in_database``.

Where it does better than Better Auth (and stays readable by it):

* the ``active-sessions`` list is changed with compare-and-set (a Lua script on Redis), so concurrent sign-ins
  and sign-outs of one user never lose an entry. Better Auth's own writers still read-modify-write; the
  ``revoked-sessions-before`` marker, honoured on every read, covers sessions they drop from the list;
* a session read is one round trip (value and marker together) on storages offering ``AtomicStorage``;
* every key it writes has a TTL; sign-in does not re-read the user it already has; a profile update rewrites
  the user's session values with one multi-get instead of a get per session.

Storages without ``AtomicStorage`` (a user-written backend with only the five Better Auth methods) get Better
Auth's behaviour: read-modify-write list maintenance and two reads per session lookup.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .. import _json
from ..db.adapter import Adapter, Row
from ..db.hooks import HookVeto
from ..db.schema import Schema
from ..db.store import Store, session_fields
from ..storage.base import AtomicStorage, SecondaryStorage
from .codec import RowCodec, to_ms
from .model import SessionData

logger = logging.getLogger("tessera")

ACTIVE_SESSIONS = "active-sessions-"
REVOKED_BEFORE = "revoked-sessions-before-"
VERIFICATION = "verification:"
_CAS_ATTEMPTS = 32
#: parsed session values remembered per store (one per active session, ~2 KB each)
READ_VALUES = 2048


@dataclass(slots=True)
class _ReadValue:
    """A session value as read: its public rows (never handed out: callers get copies), get-session's body,
    and the session's creation time for the revocation marker."""

    session: dict[str, Any]
    user: dict[str, Any]
    body: bytes
    created_ms: int | None


def _ttl_until(expires_ms: int, now_ms: int) -> int:
    """Whole seconds from now until ``expires_ms`` (Better Auth's ``getTTLSeconds``)."""
    return max((expires_ms - now_ms) // 1000, 0)


class SecondaryStorageStore(Store):
    """The ``Store`` used when a ``secondary_storage`` is configured: session and verification verbs go to the
    key-value store; everything else (users, accounts) stays on the database adapter."""

    def __init__(
        self,
        adapter: Adapter,
        schema: Schema,
        *,
        storage: SecondaryStorage,
        models: Schema,
        sessions_in_database: bool,
        preserve_sessions_in_database: bool,
        verifications_in_database: bool,
        expires_in: int,
        generate_id: Callable[[str], str],
        clock: Callable[[], datetime],
        **options: Any,
    ) -> None:
        super().__init__(adapter, schema, generate_id=generate_id, clock=clock, **options)
        self.storage = storage
        self.models = models
        # sessions have an output shape even when the database has no session table
        self._output_fields = {t.name: (*tuple(f.name for f in t.fields if f.returned), "id") for t in models}
        self._codec = RowCodec(models)
        self._atomic = storage if isinstance(storage, AtomicStorage) else None
        #: session values by their text, parsed: a value changes only when it is written, and a busy session is
        #: read far more often, so a repeated read parses, revives and renders nothing (bounded, oldest first)
        self._read_values: dict[str, _ReadValue] = {}
        self._sessions_in_db = sessions_in_database
        # preserve_session_in_database keeps revoked rows in the table (for audit): never read back, never deleted
        self._db_fallback = sessions_in_database and not preserve_sessions_in_database
        self._verifications_in_db = verifications_in_database
        self._marker_ttl = max(expires_in, 86400)
        self._session_defaults = tuple(
            (f.name, f) for f in models["session"].fields if f.default is not None
        )

    def _stamp(self, data: Mapping[str, Any], model: str) -> dict[str, Any]:
        now = self.clock()
        row = dict(data)
        row.setdefault("id", self.generate_id(model))
        table = self.models[model]
        if table.has("createdAt"):
            row.setdefault("createdAt", now)
        if table.has("updatedAt"):
            row.setdefault("updatedAt", now)
        return row

    def _now_ms(self) -> int:
        return to_ms(self.clock())

    # -- the session value ---------------------------------------------------------------------------

    def _session_value(self, session: Mapping[str, Any], user: Mapping[str, Any]) -> str:
        return _json.dumps_str({"session": self.public("session", session), "user": user})

    def _parse(self, raw: str | None) -> tuple[dict[str, Any], dict[str, Any]] | None:
        if raw is None:
            return None
        try:
            doc = _json.loads(raw)
            session, user = doc["session"], doc["user"]
            if not isinstance(session, dict) or not isinstance(user, dict):
                return None
            self._codec.revive("session", session)
            self._codec.revive("user", user)
        except (ValueError, KeyError, TypeError):
            return None
        return session, user

    async def _write_value(self, key: str, current: str | None, value: str, ttl: int) -> bool:
        if self._atomic is not None:
            return await self._atomic.compare_and_set(key, current, value, ttl)
        await self.storage.set(key, value, ttl)
        return True

    # -- the active-sessions list --------------------------------------------------------------------

    async def _update_list(
        self, user_id: str, *, add: tuple[str, int] | None = None, remove: Sequence[str] = ()
    ) -> None:
        key = ACTIVE_SESSIONS + user_id
        gone = set(remove)
        if add is not None:
            gone.add(add[0])
        for _ in range(_CAS_ATTEMPTS):
            raw = await self.storage.get(key)
            now = self._now_ms()
            entries: list[dict[str, Any]] = []
            if raw:
                try:
                    parsed = _json.loads(raw)
                    entries = [e for e in parsed if isinstance(e, dict)] if isinstance(parsed, list) else []
                except ValueError:
                    entries = []
            kept = [
                {"token": e["token"], "expiresAt": e["expiresAt"]}
                for e in entries
                if isinstance(e.get("expiresAt"), int | float) and e["expiresAt"] > now and e.get("token") not in gone
            ]
            if add is not None:
                kept.append({"token": add[0], "expiresAt": add[1]})
            kept.sort(key=lambda e: e["expiresAt"])
            value = _json.dumps_str(kept) if kept else None
            if value == raw:
                return
            ttl = math.ceil((kept[-1]["expiresAt"] - now) / 1000) if kept else 0
            if self._atomic is None:
                if value is None:
                    await self.storage.delete(key)
                else:
                    await self.storage.set(key, value, ttl)
                return
            if await self._atomic.compare_and_set(key, raw, value, ttl if value is not None else None):
                return
        logger.warning("active-sessions list of %s kept changing; gave up after %d attempts", user_id, _CAS_ATTEMPTS)

    async def _list_tokens(self, user_id: str) -> list[str]:
        raw = await self.storage.get(ACTIVE_SESSIONS + user_id)
        if not raw:
            return []
        try:
            entries = _json.loads(raw)
        except ValueError:
            return []
        now = self._now_ms()
        tokens: list[str] = []
        for e in entries if isinstance(entries, list) else []:
            if not (isinstance(e, dict) and isinstance(e.get("token"), str)):
                continue
            expires = e.get("expiresAt")
            if isinstance(expires, int | float) and expires > now and e["token"] not in tokens:
                tokens.append(e["token"])
        return tokens

    async def _get_many(self, keys: Sequence[str]) -> list[str | None]:
        if self._atomic is not None:
            return await self._atomic.get_many(keys)
        return list(await asyncio.gather(*(self.storage.get(k) for k in keys)))

    # -- sessions ------------------------------------------------------------------------------------

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
        chain = None
        if self._sessions_in_db:
            row = await super().create_session(
                user_id, token, expires_at=expires_at, ip_address=ip_address, user_agent=user_agent,
                extra=extra, adapter=adapter,
            )
        else:
            row = self._stamp(
                session_fields(user_id, token, expires_at, ip_address, user_agent, extra), "session"
            )
            for name, f in self._session_defaults:
                if name not in row:
                    row[name] = f.default_value()
            chain = self.hooks.chain("session", "create")
            if chain is not None:
                hooked = await chain.run_before(row)
                if hooked is None:
                    raise HookVeto("session")
                row = hooked
        if user is None:
            user = await self.find_user_by_id(user_id) or {"id": user_id}
        expires_ms = to_ms(row["expiresAt"])
        now = self._now_ms()
        ttl = _ttl_until(expires_ms, now)
        if ttl > 0:
            await self.storage.set(token, self._session_value(row, self.public("user", user)), ttl)
            await self._update_list(user_id, add=(token, expires_ms))
        if chain is not None:
            await chain.run_after(row)
        return row

    async def find_session(self, token: str) -> SessionData | None:
        if self._atomic is not None:
            raw, marker = await self._atomic.get_session(token, REVOKED_BEFORE)
            known = self._read_values.get(raw) if raw is not None else None
            if known is not None:
                created_ms = known.created_ms
                if marker is not None and marker.isdigit() and (created_ms is None or created_ms < int(marker)):
                    return None  # revoked in bulk after this session was made (the same rule as below)
                return SessionData(dict(known.session), dict(known.user), known.body)
            parsed = self._parse(raw)
        else:
            raw = await self.storage.get(token)
            parsed = self._parse(raw)
            marker = await self.storage.get(REVOKED_BEFORE + str(parsed[0].get("userId"))) if parsed else None
        if parsed is None:
            return await super().find_session(token) if raw is None and self._db_fallback else None
        session, user = parsed
        if marker is not None and marker.isdigit():
            created = session.get("createdAt")
            if not isinstance(created, datetime) or to_ms(created) < int(marker):
                return None  # revoked in bulk (by either side) after this session was made
        public_session, public_user = self.public("session", session), self.public("user", user)
        if self._atomic is None or raw is None:
            return SessionData(public_session, public_user)
        created = session.get("createdAt")
        known = _ReadValue(
            public_session, public_user, _json.dumps({"session": public_session, "user": public_user}),
            to_ms(created) if isinstance(created, datetime) else None,
        )
        values = self._read_values
        if len(values) >= READ_VALUES:
            del values[next(iter(values))]
        values[raw] = known
        return SessionData(dict(public_session), dict(public_user), known.body)

    async def update_session(self, token: str, data: Mapping[str, Any]) -> Row | None:
        db_row = await super().update_session(token, data) if self._sessions_in_db else None
        chain = None if self._sessions_in_db else self.hooks.chain("session", "update")
        changes: Mapping[str, Any] = {**data, "updatedAt": self.clock()}
        if chain is not None:
            hooked = await chain.run_before(dict(changes))
            if hooked is None:
                return None
            changes = hooked
        for _ in range(_CAS_ATTEMPTS):
            raw = await self.storage.get(token)
            parsed = self._parse(raw)
            if parsed is None:
                return db_row
            merged = {**parsed[0], **changes}
            expires_ms = to_ms(merged["expiresAt"])
            ttl = _ttl_until(expires_ms, self._now_ms())
            if ttl <= 0:
                return db_row
            raw_user = _json.loads(raw or "{}")["user"]  # as stored: fields tessera does not know are kept
            if await self._write_value(token, raw, self._session_value(merged, raw_user), ttl):
                break
        else:
            return db_row
        await self._update_list(str(merged["userId"]), add=(token, expires_ms))
        if chain is not None:
            await chain.run_after(merged)
        return db_row or merged

    async def delete_session(self, token: str) -> Row | None:
        chain = None if self._sessions_in_db else self.hooks.chain("session", "delete")
        raw = await self.storage.get_and_delete(token)  # of concurrent deleters, one gets the row
        parsed = self._parse(raw)
        row: Row | None = None
        if parsed is not None:
            row = self.public("session", parsed[0])
            if chain is not None and chain.before and not await chain.allows(row):
                ttl = _ttl_until(to_ms(parsed[0]["expiresAt"]), self._now_ms())
                await self.storage.set(token, raw or "", ttl)  # vetoed: put it back
                return None
            await self._update_list(str(row["userId"]), remove=(token,))
        if self._db_fallback:
            db_row = await super().delete_session(token)
            row = row or db_row
        elif row is not None and chain is not None:
            await chain.run_after(row)
        return row

    async def delete_session_if_owned(self, token: str, user_id: str) -> Row | None:
        parsed = self._parse(await self.storage.get(token))
        if parsed is not None:
            return await self.delete_session(token) if parsed[0].get("userId") == user_id else None
        if self._db_fallback:
            return await super().delete_session_if_owned(token, user_id)
        return None

    async def list_sessions(self, user_id: str) -> list[Row]:
        tokens = await self._list_tokens(user_id)
        now = self.clock()
        sessions: list[Row] = []
        for raw in await self._get_many(tokens) if tokens else []:
            parsed = self._parse(raw)
            if parsed is not None and isinstance(parsed[0].get("expiresAt"), datetime) and parsed[0]["expiresAt"] > now:
                sessions.append(self.public("session", parsed[0]))
        sessions.sort(key=lambda s: s.get("createdAt") or now)
        return sessions

    async def delete_sessions(
        self, user_id: str, *, except_token: str | None = None, adapter: Adapter | None = None
    ) -> int:
        tokens = await self._list_tokens(user_id)
        doomed = [t for t in tokens if t != except_token]
        await asyncio.gather(*(self.storage.delete(t) for t in doomed))
        if except_token is None:
            # sessions missing from the list (dropped by a racing writer) are revoked by the marker
            await self.storage.set(REVOKED_BEFORE + user_id, str(self._now_ms()), self._marker_ttl)
            await self.storage.delete(ACTIVE_SESSIONS + user_id)
        else:
            await self._update_list(user_id, remove=doomed)
        if self._db_fallback:
            in_db = await super().delete_sessions(user_id, except_token=except_token, adapter=adapter)
            return max(len(doomed), in_db)
        return len(doomed)

    # -- users ---------------------------------------------------------------------------------------

    async def update_user(self, user_id: str, data: Mapping[str, Any]) -> Row | None:
        row = await super().update_user(user_id, data)
        if row is not None:
            await self._refresh_user_sessions(user_id, self.public("user", row))
        return row

    async def _refresh_user_sessions(self, user_id: str, user: Mapping[str, Any]) -> None:
        """Every session value embeds the user: rewrite them (one multi-get, then one write each)."""
        tokens = await self._list_tokens(user_id)
        if not tokens:
            return
        raws = await self._get_many(tokens)
        now = self._now_ms()

        async def rewrite(token: str, raw: str | None) -> None:
            for _ in range(_CAS_ATTEMPTS):
                parsed = self._parse(raw)
                if parsed is None:
                    return
                ttl = _ttl_until(to_ms(parsed[0]["expiresAt"]), now)
                if ttl <= 0 or await self._write_value(token, raw, self._session_value(parsed[0], user), ttl):
                    return
                raw = await self.storage.get(token)

        await asyncio.gather(*(rewrite(t, r) for t, r in zip(tokens, raws, strict=True)))

    async def delete_user(self, user_id: str) -> bool:
        deleted = await super().delete_user(user_id)
        if deleted:
            await self.delete_sessions(user_id)
        return deleted

    # -- verifications -------------------------------------------------------------------------------

    async def create_verification(self, identifier: str, value: str, expires_in: int) -> Row:
        if self._verifications_in_db:
            row = await super().create_verification(identifier, value, expires_in)
        else:
            row = self._stamp(
                {"identifier": identifier, "value": value, "expiresAt": self.clock() + timedelta(seconds=expires_in)},
                "verification",
            )
        await self.storage.set(VERIFICATION + identifier, _json.dumps_str(row), expires_in)
        return row

    def _verification(self, raw: str | None) -> Row | None:
        if raw is None:
            return None
        try:
            row = self._codec.revive("verification", _json.loads(raw))
        except (ValueError, TypeError, AttributeError):
            return None
        expires = row.get("expiresAt")
        return row if isinstance(expires, datetime) and expires > self.clock() else None

    async def find_verification(self, identifier: str) -> Row | None:
        raw = await self.storage.get(VERIFICATION + identifier)
        if raw is None and self._verifications_in_db:
            return await super().find_verification(identifier)
        return self._verification(raw)

    async def consume_verification(self, identifier: str, adapter: Adapter | None = None) -> Row | None:
        raw = await self.storage.get_and_delete(VERIFICATION + identifier)
        if self._verifications_in_db:
            return await super().consume_verification(identifier, adapter)  # the table decides the single winner
        return self._verification(raw)

    async def delete_verifications(self, identifiers: Sequence[str]) -> int:
        await asyncio.gather(*(self.storage.delete(VERIFICATION + i) for i in identifiers))
        if self._verifications_in_db:
            return await super().delete_verifications(identifiers)
        return len(identifiers)
