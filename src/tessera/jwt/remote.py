"""``RemoteJWKS``: an issuer's published key set, cached so that verifying a token does no I/O.

The policy, decided by a small sans-I/O core (``_plan``) and driven by an async or a sync fetcher:

* **Fresh** (younger than the ``Cache-Control: max-age`` the issuer sent, clamped to ``[min_ttl, max_ttl]``,
  ``default_ttl`` without one): keys are used as they are.
* **Stale** (older, but less than ``max_stale``): keys are still used, and one refresh starts in the
  background; a failing issuer therefore costs nothing but log lines, until ``max_stale`` is reached and
  verification fails closed (``KeySetUnavailable``) so that a key the issuer withdrew cannot live forever.
* **Unknown ``kid``**: one refetch, awaited, at most once per ``unknown_kid_cooldown`` — a flood of
  tokens with made-up ``kid`` values costs one request per cooldown, not one per token.
* **Single flight**: however many callers need a refresh at once, one request is made and all share it.
* Failures back off exponentially (1 s … 60 s) before the next attempt; ``ETag``/``If-None-Match`` is used
  when the issuer sends one.

``httpx`` is needed only here (``pip install 'tessera-auth[client]'``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from .errors import InvalidKey, KeySetUnavailable
from .keyset import KeySet

logger = logging.getLogger("tessera.jwt")

MAX_JWKS_BYTES = 512 * 1024


class _Plan(Enum):
    USE = 1
    USE_AND_REVALIDATE = 2
    FETCH = 3
    FAIL = 4


def cache_ttl(headers: Mapping[str, str], *, default: float, minimum: float, maximum: float) -> float:
    """Seconds to keep a response: ``max-age`` minus ``Age``, ``0`` for ``no-store``/``no-cache``, clamped."""
    ttl: float | None = None
    for directive in headers.get("cache-control", "").lower().split(","):
        name, _, value = directive.strip().partition("=")
        if name in ("no-store", "no-cache"):
            ttl = 0
            break
        if name == "max-age":
            try:
                ttl = float(int(value.strip().strip('"')))
            except ValueError:
                ttl = None
    if ttl is None:
        ttl = default
    else:
        age = headers.get("age", "")
        if age.isdigit():
            ttl -= int(age)
    return max(minimum, min(maximum, ttl))


def _httpx() -> Any:
    try:
        import httpx
    except ImportError as exc:  # pragma: no cover - depends on installed extras
        raise ImportError("a remote JWKS needs httpx: pip install 'tessera-auth[client]'") from exc
    return httpx


class RemoteJWKS:
    """The key set published at ``url``, cached within bounds. Share one instance per issuer."""

    def __init__(
        self,
        url: str,
        *,
        min_ttl: float = 30.0,
        max_ttl: float = 86400.0,
        default_ttl: float = 300.0,
        max_stale: float = 86400.0,
        unknown_kid_cooldown: float = 30.0,
        timeout: float = 5.0,
        headers: Mapping[str, str] | None = None,
        client: Any = None,
        sync_client: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("the JWKS URL must be http(s)")
        if not 0 <= min_ttl <= default_ttl <= max_ttl:
            raise ValueError("need 0 <= min_ttl <= default_ttl <= max_ttl")
        self.url = url
        self.min_ttl, self.max_ttl, self.default_ttl = min_ttl, max_ttl, default_ttl
        self.max_stale = max_stale
        self.unknown_kid_cooldown = unknown_kid_cooldown
        self.timeout = timeout
        self.headers = {"accept": "application/json", **(headers or {})}
        self._client = client
        self._sync_client = sync_client
        self._clock = clock
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._fresh_until = 0.0
        self._last_attempt = -1e18
        self._next_retry = -1e18
        self._failures = 0
        self._etag: str | None = None
        self._inflight: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()
        #: requests made so far (for tests and metrics)
        self.fetches = 0

    @property
    def keys(self) -> KeySet | None:
        """The cached key set, if any (no I/O)."""
        return self._keys

    # -- the sans-I/O core -----------------------------------------------------------------------------

    def _plan(self, now: float, kid: str | None) -> _Plan:
        keys = self._keys
        can_fetch = now >= self._next_retry
        if keys is None:
            return _Plan.FETCH if can_fetch else _Plan.FAIL
        if kid is not None and kid not in keys and can_fetch and now - self._last_attempt >= self.unknown_kid_cooldown:
            return _Plan.FETCH
        if now < self._fresh_until:
            return _Plan.USE
        if now - self._fetched_at > self.max_stale:
            return _Plan.FETCH if can_fetch else _Plan.FAIL
        return _Plan.USE_AND_REVALIDATE if can_fetch else _Plan.USE

    def _apply(self, status: int, headers: Mapping[str, str], body: bytes, started: float) -> None:
        now = self._clock()
        if status == 304 and self._keys is not None:
            keys = self._keys
        elif status == 200:
            if len(body) > MAX_JWKS_BYTES:
                raise KeySetUnavailable("the JWKS response is too large")
            try:
                keys = KeySet.from_jwks(body, strict=False)
            except InvalidKey as exc:
                raise KeySetUnavailable(f"the JWKS at {self.url} is unusable: {exc}") from None
            if not len(keys):
                raise KeySetUnavailable(f"the JWKS at {self.url} has no usable keys")
        else:
            raise KeySetUnavailable(f"GET {self.url} answered {status}")
        self._keys = keys
        self._etag = headers.get("etag") or self._etag
        self._fetched_at = started
        self._fresh_until = started + cache_ttl(
            headers, default=self.default_ttl, minimum=self.min_ttl, maximum=self.max_ttl
        )
        self._failures = 0
        self._next_retry = now

    def _failed(self, exc: BaseException) -> None:
        self._failures += 1
        self._next_retry = self._clock() + min(60.0, 2.0 ** (self._failures - 1))
        logger.warning("fetching the JWKS at %s failed (%s); attempt %d", self.url, exc, self._failures)

    def _request_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self._etag and self._keys is not None:
            headers["if-none-match"] = self._etag
        return headers

    def _result(self) -> KeySet:
        if self._keys is None or self._clock() - self._fetched_at > self.max_stale:
            raise KeySetUnavailable(f"no usable JWKS from {self.url}")
        return self._keys

    # -- async -----------------------------------------------------------------------------------------

    async def get(self, kid: str | None = None) -> KeySet:
        """The key set to verify a token with ``kid``; no I/O while it is fresh and knows the ``kid``."""
        plan = self._plan(self._clock(), kid)
        if plan is _Plan.USE:
            return self._keys  # type: ignore[return-value]
        if plan is _Plan.USE_AND_REVALIDATE:
            self._revalidate_in_background()
            return self._keys  # type: ignore[return-value]
        if plan is _Plan.FETCH:
            await self.refresh()
        return self._result()

    async def refresh(self) -> None:
        """Fetch now, joining a fetch already under way instead of starting another."""
        task = self._inflight
        loop = asyncio.get_running_loop()
        if task is None or task.done() or task.get_loop() is not loop:
            task = self._inflight = loop.create_task(self._fetch_async())
        await asyncio.shield(task)

    def _revalidate_in_background(self) -> None:
        if self._inflight is not None and not self._inflight.done():
            return
        task = asyncio.get_running_loop().create_task(self.refresh())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _fetch_async(self) -> None:
        started = self._clock()
        self._last_attempt = started
        self.fetches += 1
        try:
            client = self._client
            if client is None:
                httpx = _httpx()
                client = self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
            response = await client.get(self.url, headers=self._request_headers())
            self._apply(response.status_code, response.headers, response.content, started)
        except Exception as exc:
            self._failed(exc)

    async def aclose(self) -> None:
        for task in list(self._background):
            task.cancel()
        if self._client is not None:
            await self._client.aclose()

    # -- sync ------------------------------------------------------------------------------------------

    def get_sync(self, kid: str | None = None) -> KeySet:
        """``get`` for threads: one thread fetches, the others wait (or keep using stale keys)."""
        plan = self._plan(self._clock(), kid)
        if plan is _Plan.USE:
            return self._keys  # type: ignore[return-value]
        if plan is _Plan.USE_AND_REVALIDATE:
            if self._lock.acquire(blocking=False):
                try:
                    self._fetch_sync()
                finally:
                    self._lock.release()
            return self._keys  # type: ignore[return-value]
        if plan is _Plan.FETCH:
            fetches = self.fetches
            with self._lock:
                if self.fetches == fetches:  # nobody fetched while we waited for the lock
                    self._fetch_sync()
        return self._result()

    def _fetch_sync(self) -> None:
        started = self._clock()
        self._last_attempt = started
        self.fetches += 1
        try:
            client = self._sync_client
            if client is None:
                httpx = _httpx()
                client = self._sync_client = httpx.Client(timeout=self.timeout, follow_redirects=False)
            response = client.get(self.url, headers=self._request_headers())
            self._apply(response.status_code, response.headers, response.content, started)
        except Exception as exc:
            self._failed(exc)

    def close(self) -> None:
        if self._sync_client is not None:
            self._sync_client.close()
