"""Token holders: reuse a JWT until shortly before its ``exp``, one refresh at a time, back off on trouble.

The policy lives in a sans-I/O core (``_TokenState``) shared by the async and the sync holder:

* **reuse**: the held token is returned as long as ``exp - now > refresh_margin`` (the margin is
  ``min(refresh_margin, lifetime / 4)``, so short-lived tokens are not refreshed constantly);
* **single flight**: when a refresh is due, one caller fetches and every concurrent caller waits for that
  same fetch (an ``asyncio`` task, or a lock for threads);
* **back-off on transient errors** (network, 5xx, 429): the attempt fails, the next one waits 0.5 s, 1 s, 2 s …
  up to 30 s (with jitter); meanwhile a token that has not actually expired is still handed out, so a blip
  at the issuer costs nothing while the old token lasts, and callers never hammer it;
* **drop on 401/403**: the session is gone or not allowed; the token is discarded at once (never reused)
  and ``AuthenticationError`` raised. ``invalidate()`` does the same when a downstream service refuses it.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Awaitable, Callable
from enum import Enum

from ..jwt.jws import decode_unverified
from ._errors import AuthenticationError, ClientError, TransientError


class _Plan(Enum):
    USE = 1
    FETCH = 2
    FAIL = 3


def token_expiry(token: str) -> tuple[float, float | None]:
    """``(exp, iat)`` read from the token without verifying it (the holder only schedules refreshes)."""
    try:
        _, claims = decode_unverified(token)
    except Exception:
        raise ClientError(0, "INVALID_TOKEN", "the server returned something that is not a JWT") from None
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise ClientError(0, "INVALID_TOKEN", "the token has no exp")
    return float(exp), float(iat) if isinstance(iat, int | float) and not isinstance(iat, bool) else None


class _TokenState:
    def __init__(self, refresh_margin: float, max_backoff: float, clock: Callable[[], float]) -> None:
        self.refresh_margin = refresh_margin
        self.max_backoff = max_backoff
        self.clock = clock
        self.token: str | None = None
        self.exp = 0.0
        self.refresh_at = 0.0
        self.failures = 0
        self.retry_at = 0.0
        self.last_error: ClientError | None = None
        self.generation = 0  # bumped when the token is dropped, so an older fetch cannot bring it back

    def plan(self) -> _Plan:
        now = self.clock()
        if self.token is not None and now < self.refresh_at:
            return _Plan.USE
        if now < self.retry_at:
            # backing off: keep using a token that still works, else fail fast
            return _Plan.USE if self.token is not None and now < self.exp else _Plan.FAIL
        return _Plan.FETCH

    def accept(self, token: str, generation: int) -> None:
        if generation != self.generation:
            return  # dropped while this fetch was running
        exp, iat = token_expiry(token)
        lifetime = exp - (iat if iat is not None else self.clock())
        margin = min(self.refresh_margin, max(lifetime, 0) / 4)
        self.token, self.exp, self.refresh_at = token, exp, exp - margin
        self.failures, self.retry_at, self.last_error = 0, 0.0, None

    def failed(self, error: ClientError) -> None:
        if isinstance(error, AuthenticationError):
            self.drop()
            return
        self.failures += 1
        delay = min(self.max_backoff, 0.5 * 2 ** (self.failures - 1))
        self.retry_at = self.clock() + delay * random.uniform(0.8, 1.2)
        self.last_error = error

    def drop(self) -> None:
        self.token, self.exp, self.refresh_at = None, 0.0, 0.0
        self.generation += 1

    def current(self) -> str:
        if self.token is not None and self.clock() < self.exp:
            return self.token
        raise self.last_error or TransientError(0, "UNAVAILABLE", "no token")


class AsyncTokenHolder:
    """Hands out a JWT from ``fetch`` (``async () -> str``), refreshing it as described above."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[str]],
        *,
        refresh_margin: float = 30.0,
        max_backoff: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._state = _TokenState(refresh_margin, max_backoff, clock)
        self._inflight: asyncio.Task[None] | None = None
        #: fetches started so far (for tests and metrics)
        self.fetches = 0

    @property
    def token(self) -> str | None:
        return self._state.token

    async def get(self) -> str:
        state = self._state
        plan = state.plan()
        if plan is _Plan.USE:
            return state.current()
        if plan is _Plan.FETCH:
            task = self._inflight
            if task is None or task.done():
                task = self._inflight = asyncio.get_running_loop().create_task(self._refresh())
            await asyncio.shield(task)
        return state.current()

    async def _refresh(self) -> None:
        state = self._state
        generation = state.generation
        self.fetches += 1
        try:
            token = await self._fetch()
        except ClientError as exc:
            state.failed(exc)
            if isinstance(exc, AuthenticationError):
                raise
            return
        state.accept(token, generation)

    def offer(self, token: str) -> None:
        """Take a token obtained another way (the ``set-auth-jwt`` header of get-session)."""
        self._state.accept(token, self._state.generation)

    def invalidate(self) -> None:
        """Forget the token (a service refused it); the next ``get`` fetches a new one."""
        self._state.drop()


class TokenHolder:
    """``AsyncTokenHolder`` for threads: ``fetch`` is ``() -> str``; one thread refreshes, the others wait."""

    def __init__(
        self,
        fetch: Callable[[], str],
        *,
        refresh_margin: float = 30.0,
        max_backoff: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._state = _TokenState(refresh_margin, max_backoff, clock)
        self._lock = threading.Lock()
        self.fetches = 0

    @property
    def token(self) -> str | None:
        return self._state.token

    def get(self) -> str:
        state = self._state
        if state.plan() is _Plan.USE:
            return state.current()
        with self._lock:
            plan = state.plan()  # another thread may have refreshed while we waited
            if plan is _Plan.FETCH:
                generation = state.generation
                self.fetches += 1
                try:
                    token = self._fetch()
                except ClientError as exc:
                    state.failed(exc)
                    if isinstance(exc, AuthenticationError):
                        raise
                else:
                    state.accept(token, generation)
            return state.current()

    def offer(self, token: str) -> None:
        with self._lock:
            self._state.accept(token, self._state.generation)

    def invalidate(self) -> None:
        with self._lock:
            self._state.drop()

