"""``SSRTokenCache``: the JWT for a session, exchanged once and reused while server-side rendering.

Rendering a page on the server often needs a JWT for the signed-in user (to call an API, or Convex, on their
behalf). Exchanging the session for one on every request costs a session read and a signature each time; this
cache keeps the token per session:

* entries are keyed by an HMAC of the session token (the store never sees a token that could be replayed as
  a cookie) and live no longer than the JWT itself (until ``exp - margin``);
* a miss makes **one** exchange per session however many requests want it at once: concurrent callers in a
  process share a task, and across processes (Redis) the exchange holds a lock that others wait on;
* ``memo`` (a dict per request) answers repeated calls within one request without touching the store;
* revocation really invalidates: attached to a ``Tessera`` (``ssr_token_cache()`` plugin or
  ``attach``), sign-out, revoke-session(s), revoke-other-sessions, delete-user, any change to the user row and
  password changes (change, set, and reset — also a reset that keeps the sessions) purge every affected entry
  — and an exchange that started before the revocation can never write its token back afterwards (sequence
  markers checked atomically on write, see ``_store.py``);
* while a purge this process started is still on its way to Redis, reads wait for it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..jwt.jws import decode_unverified
from ..session.revocation import RevocationEvent
from ._store import Entry, MemoryTokenStore, TokenStore

logger = logging.getLogger("tessera.ssr")

Exchange = Callable[[str], Awaitable[str | None]]
_MISS = object()


class SSRTokenCache:
    """``await cache.get(session_token, memo=request_memo)`` → a JWT, or ``None`` without a valid session."""

    def __init__(
        self,
        *,
        exchange: Exchange,
        secret: str | bytes,
        store: TokenStore | None = None,
        margin: float = 30.0,
        min_ttl: float = 5.0,
        lock_timeout: float = 10.0,
        poll_interval: float = 0.02,
        user_claim: str = "sub",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.exchange = exchange
        self.store: TokenStore = store if store is not None else MemoryTokenStore()
        key = secret.encode() if isinstance(secret, str) else secret
        # a purpose-specific key: the entries' names reveal nothing usable elsewhere
        self._mac = hmac.new(hmac.new(key, b"tessera:ssr-token-cache:v1", hashlib.sha256).digest(), digestmod=hashlib.sha256)
        self.margin = margin
        self.min_ttl = min_ttl
        self.lock_ms = int(lock_timeout * 1000)
        self.poll_interval = poll_interval
        self.user_claim = user_claim
        self.clock = clock
        self._inflight: dict[str, asyncio.Task[str | None]] = {}
        self._purges: set[asyncio.Task[None]] = set()
        #: exchanges made by this process (for tests and metrics)
        self.exchanges = 0

    def key(self, session_token: str) -> str:
        mac = self._mac.copy()
        mac.update(session_token.encode())
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    # -- reading ---------------------------------------------------------------------------------------

    async def get(self, session_token: str, *, memo: MutableMapping[str, Any] | None = None) -> str | None:
        if memo is not None:
            hit = memo.get(session_token, _MISS)
            if hit is not _MISS:
                return hit  # type: ignore[no-any-return]
        key = self.key(session_token)
        token = await self._cached(key)
        if token is None:
            task = self._inflight.get(key)
            if task is None:
                task = asyncio.get_running_loop().create_task(self._fill(key, session_token))
                self._inflight[key] = task
                task.add_done_callback(lambda done, k=key: self._forget(k, done))  # type: ignore[misc]
            token = await asyncio.shield(task)
        if memo is not None:
            memo[session_token] = token
        return token

    def _forget(self, key: str, task: asyncio.Task[str | None]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]

    async def _cached(self, key: str) -> str | None:
        if self._purges:
            await self.flush()
        entry = await self.store.get(key)
        if entry is None or entry.exp - self.margin <= self.clock():
            return None
        return entry.token

    async def _fill(self, key: str, session_token: str) -> str | None:
        deadline = time.monotonic() + self.lock_ms / 1000
        ticket = await self.store.begin(key, self.lock_ms)
        while True:
            if ticket is not None:
                # another instance may have written the entry between our read and our lock
                token = await self._cached(key)
                if token is None:
                    break
                await self.store.release(key, ticket)
                return token
            # another instance is exchanging this session: its token will appear shortly
            await asyncio.sleep(self.poll_interval)
            token = await self._cached(key)
            if token is not None:
                return token
            if time.monotonic() > deadline:
                break  # it is taking too long: exchange ourselves, without caching the result
            if not await self.store.locked(key):
                ticket = await self.store.begin(key, self.lock_ms)
        self.exchanges += 1
        try:
            token = await self.exchange(session_token)
        except BaseException:
            if ticket is not None:
                await self.store.release(key, ticket)
            raise
        if ticket is None:
            return token
        if token is None:
            await self.store.release(key, ticket)
            return None
        entry = self._entry(token)
        ttl = entry.exp - self.margin - self.clock()
        if ttl < self.min_ttl or not await self.store.commit(key, ticket, entry, int(ttl * 1000)):
            await self.store.release(key, ticket)
        return token

    def _entry(self, token: str) -> Entry:
        _, claims = decode_unverified(token)
        exp = claims.get("exp")
        user = claims.get(self.user_claim)
        return Entry(token, float(exp) if isinstance(exp, int | float) else 0.0, str(user) if user is not None else None)

    # -- invalidation ----------------------------------------------------------------------------------

    async def clear_auth_cache(self, session_token: str) -> None:
        """Forget the token of this session (the application knows it changed)."""
        await self.store.purge([self.key(session_token)])

    async def clear_user(self, user_id: str, *, except_session_token: str | None = None) -> None:
        """Forget every token of the user's sessions (but ``except_session_token``'s); exchanges already running
        may still answer their callers but cannot write back, and new callers do not join them."""
        except_key = self.key(except_session_token) if except_session_token else None
        self._inflight.clear()
        await self.store.purge_user(user_id, except_key)

    def on_revocation(self, event: RevocationEvent) -> None:
        """A ``Revocations`` listener: purge what the revocation touched (in the background; reads wait)."""
        if event.remote and self.store.shared:
            return  # the instance that revoked has purged the shared store already
        keys = [self.key(t) for t in event.tokens]
        except_key = self.key(event.except_token) if event.except_token else None
        # callers arriving from now on must not join an exchange that started before the revocation
        if event.user_id is not None:
            self._inflight.clear()
        for key in keys:
            self._inflight.pop(key, None)
        if isinstance(self.store, MemoryTokenStore):
            if keys:
                self.store.purge_now(keys)
            if event.user_id is not None:
                self.store.purge_user_now(event.user_id, except_key)
            return
        work: list[Awaitable[None]] = []
        if keys:
            work.append(self.store.purge(keys))
        if event.user_id is not None:
            work.append(self.store.purge_user(event.user_id, except_key))
        for item in work:
            self._schedule(item)

    def _schedule(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                logger.exception("purging the SSR token cache failed; entries expire with their tokens")

        try:
            task = asyncio.get_running_loop().create_task(run())
        except RuntimeError:
            logger.error("a revocation outside an event loop could not purge the SSR token cache")
            return
        self._purges.add(task)
        task.add_done_callback(self._purges.discard)

    async def flush(self) -> None:
        """Wait until purges started by revocations in this process have reached the store."""
        while self._purges:
            await asyncio.wait(list(self._purges))
