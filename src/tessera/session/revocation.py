"""Revocation that the cookie cache cannot outrun.

A cookie cache is a signed copy of the session held by the browser; on its own it stays valid after the
session is revoked, for up to ``max_age`` (Better Auth's documented trade-off). Here every instance keeps, in
memory, what it has been told was revoked, and the cache is only believed when none of it applies:

* ``revoked tokens``: sign-out, revoke-session — the cache of that token is never accepted again;
* ``per-user markers``: revoke-sessions, revoke-other-sessions, password change, delete-user, ban, and any
  change to the user row — caches of that user whose data was read before the marker are re-checked against the
  store (which then refuses a revoked session, or returns fresh data for the one kept);
* ``the feed marker``: caches whose data was read before this instance's revocation feed last became live are
  re-checked, since revocations published while it was not listening were missed.

Instances tell each other through the secondary storage's pub/sub (``PubSubStorage``); a message reaches every
subscribed instance in milliseconds. While the feed is not live (not started yet, reconnecting, or silent past
its heartbeat) caches are not believed at all, so a lost connection costs store reads, never a missed revocation.

Entries are kept for ``hold`` seconds (the longest a cache issued before the revocation can live, plus slack)
and expire in insertion order, so each operation is O(1). The set is bounded: past ``max_entries`` it is
emptied and replaced by a marker for everyone, which keeps the guarantee at the price of one store read per
active session. Nothing here can make a session valid: the store has the last word, the sets only decide when
the cache may answer without asking it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import _json
from ..storage.base import PubSubStorage, Subscription
from .codec import to_ms

logger = logging.getLogger("tessera.revocation")

CHANNEL = "tessera:revocations"
HEARTBEAT_SECONDS = 1.0
#: the feed counts as silent (not live) when nothing, not even a pong, arrived for this long
STALE_AFTER_SECONDS = 3.0


class FeedSilent(Exception):
    """The subscription stopped answering heartbeats."""


@dataclass(frozen=True, slots=True)
class RevocationEvent:
    """What listeners hear: sessions ended (``tokens``), or a user's sessions revoked or the user changed
    (``user_id``, all sessions but ``except_token``). ``remote``: learnt from another instance."""

    tokens: tuple[str, ...] = ()
    user_id: str | None = None
    except_token: str | None = None
    remote: bool = False


RevocationListener = Callable[[RevocationEvent], None]


class Revocations:
    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        hold: int,
        feed: PubSubStorage | None = None,
        channel: str = CHANNEL,
        skew_ms: int = 2000,
        max_entries: int = 100_000,
    ) -> None:
        self._clock = clock
        self.hold_ms = hold * 1000
        self.feed = feed
        self.channel = channel
        #: allowance for clock differences between instances and for a store read in flight during a revocation
        self.skew_ms = skew_ms
        self.max_entries = max_entries
        self.instance = uuid.uuid4().hex
        #: token -> when the entry may be forgotten (ms); insertion order is expiry order
        self._tokens: dict[str, int] = {}
        #: user id -> (data read before this is re-checked, forget after) in ms
        self._users: dict[str, tuple[int, int]] = {}
        #: caches with data read before this are re-checked (feed (re)connections, overflow)
        self._everyone_before = 0
        self._live = False
        self._seen = 0.0
        self._task: asyncio.Task[None] | None = None
        self._live_event: asyncio.Event | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        #: other caches of session-derived data (the SSR token cache) hear every revocation here
        self._listeners: list[RevocationListener] = []

    def _now_ms(self) -> int:
        return to_ms(self._clock())

    # -- asked by the cookie cache (hot path: a few dict lookups) ----------------------------------------

    @property
    def live(self) -> bool:
        """Whether every revocation made anywhere reaches this instance (so a cache may be re-issued
        without asking the store). Never true without a feed: other processes could be revoking."""
        return self._live and time.monotonic() - self._seen < STALE_AFTER_SECONDS

    def bypass(self, token: str, user_id: str, read_at_ms: int) -> bool:
        """Whether a cache holding ``token`` of ``user_id``, with data read at ``read_at_ms``, must not answer."""
        if self.feed is not None and not self.live:
            self.ensure_started()
            return True
        if read_at_ms < self._everyone_before or token in self._tokens:
            return True
        marker = self._users.get(user_id)
        return marker is not None and read_at_ms < marker[0]

    def token_revoked(self, token: str) -> bool:
        return token in self._tokens

    # -- told by the core (synchronous: publishing happens in the background) ----------------------------

    def revoke(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """These sessions were deleted: their caches must never answer again."""
        tokens = [str(r["token"]) for r in rows if r.get("token")]
        if not tokens:
            return
        self._add_tokens(tokens, self._now_ms())
        self._notify(RevocationEvent(tokens=tuple(tokens)))
        self._publish({"t": "s", "k": tokens})

    def revoke_user(self, user_id: str, *, except_token: str | None = None) -> None:
        """All (or all but one) sessions of the user were deleted: re-check that user's caches."""
        self._user_changed(user_id, except_token)

    def user_changed(self, user_id: str) -> None:
        """The user row changed (or their sessions were revoked): caches read before now are stale."""
        self._user_changed(user_id, None)

    def _user_changed(self, user_id: str, except_token: str | None) -> None:
        before = self._now_ms() + self.skew_ms
        self._mark_user(user_id, before, self._now_ms())
        self._notify(RevocationEvent(user_id=user_id, except_token=except_token))
        self._publish({"t": "u", "u": user_id, "b": before})

    # -- listeners ---------------------------------------------------------------------------------------

    def add_listener(self, listener: RevocationListener) -> None:
        """Call ``listener(event)`` (synchronously; keep it quick) on every revocation, local or remote."""
        self._listeners.append(listener)

    def remove_listener(self, listener: RevocationListener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def _notify(self, event: RevocationEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                logger.exception("a revocation listener failed")

    # -- bookkeeping -------------------------------------------------------------------------------------

    def _add_tokens(self, tokens: Iterable[str], now_ms: int) -> None:
        until = now_ms + self.hold_ms
        for token in tokens:
            self._tokens.pop(token, None)
            self._tokens[token] = until
        self._expire(now_ms)

    def _mark_user(self, user_id: str, before_ms: int, now_ms: int) -> None:
        previous = self._users.pop(user_id, None)
        if previous is not None:
            before_ms = max(before_ms, previous[0])
        self._users[user_id] = (before_ms, now_ms + self.hold_ms)
        self._expire(now_ms)

    def _mark_everyone(self, before_ms: int) -> None:
        self._everyone_before = max(self._everyone_before, before_ms)

    def _expire(self, now_ms: int) -> None:
        for table in (self._tokens, self._users):
            while table:
                key = next(iter(table))
                entry = table[key]
                until = entry if isinstance(entry, int) else entry[1]
                if until > now_ms:
                    break
                del table[key]
        if len(self._tokens) + len(self._users) > self.max_entries:
            # too much to remember: forget it all, and re-check every cache read until now instead
            logger.warning("revocation set overflow (%d entries): re-checking every cookie cache once",
                           len(self._tokens) + len(self._users))
            self._mark_everyone(now_ms + self.skew_ms)
            self._tokens.clear()
            self._users.clear()

    # -- the feed ----------------------------------------------------------------------------------------

    def _publish(self, message: dict[str, Any]) -> None:
        if self.feed is None:
            return
        payload = _json.dumps_str({**message, "i": self.instance})
        try:
            task = asyncio.get_running_loop().create_task(self._send(payload))
        except RuntimeError:  # no event loop: nothing else can be listening in this process either
            return
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _send(self, payload: str) -> None:
        assert self.feed is not None
        try:
            await self.feed.publish(self.channel, payload)
        except Exception:
            logger.exception("could not publish a revocation; other instances learn of it when their caches expire")

    def _apply(self, raw: str | None) -> None:
        try:
            message = _json.loads(raw or "")
            if message.get("i") == self.instance:
                return
            now = self._now_ms()
            if message["t"] == "s":
                tokens = [str(t) for t in message["k"]]
                self._add_tokens(tokens, now)
                self._notify(RevocationEvent(tokens=tuple(tokens), remote=True))
            elif message["t"] == "u":
                self._mark_user(str(message["u"]), int(message["b"]), now)
                self._notify(RevocationEvent(user_id=str(message["u"]), remote=True))
        except (ValueError, KeyError, TypeError, AttributeError):
            # not its text: a revocation message names session tokens, which never go to the logs
            logger.warning("ignoring a malformed revocation message (%d characters)", len(raw or ""))

    def ensure_started(self) -> None:
        """Start listening (lazily, from the first request, if ``start`` was not called)."""
        if self.feed is None or self._task is not None:
            return
        with contextlib.suppress(RuntimeError):
            self._task = asyncio.get_running_loop().create_task(self._listen())

    async def start(self, wait: float = 2.0) -> None:
        """Start listening and wait (up to ``wait`` seconds) until the feed is live."""
        self.ensure_started()
        if self._task is None:
            return
        if not self.live:
            self._live_event = event = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await event.wait()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task], timeout=2)
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=2)
        self._live = False

    async def _listen(self) -> None:
        assert self.feed is not None
        backoff = 0.05
        while True:
            sub: Subscription | None = None
            try:
                sub = await self.feed.subscribe(self.channel)
                pinged = 0.0
                heard = time.monotonic()
                while True:
                    if time.monotonic() - pinged >= HEARTBEAT_SECONDS:
                        pinged = time.monotonic()
                        await sub.ping()
                    event = await sub.receive(HEARTBEAT_SECONDS)
                    if event is None:
                        if time.monotonic() - heard >= STALE_AFTER_SECONDS:
                            # no pong: a connection that no longer carries anything (a partition, a peer gone
                            # without a reset) is given up for a new one, not waited on until TCP gives up
                            raise FeedSilent(f"nothing heard for {STALE_AFTER_SECONDS:g} s")
                        continue
                    self._seen = heard = time.monotonic()
                    if event.kind == "message":
                        self._apply(event.data)
                    elif event.kind == "live":
                        # whatever was published before this moment may have been missed
                        self._mark_everyone(self._now_ms() + self.skew_ms)
                        self._live = True
                        backoff = 0.05
                        if self._live_event is not None:
                            self._live_event.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("revocation feed lost (%s); cookie caches are bypassed until it is back", exc)
            finally:
                self._live = False
                if sub is not None:
                    with contextlib.suppress(Exception):
                        await sub.close()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
