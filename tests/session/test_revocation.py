"""Revocation reaches every instance's cookie cache within about a second, while a cache hit does no I/O.

Two ``Tessera`` instances in one process, each with its own in-memory revocation state, share one secondary
storage (MemoryStorage, and a real Redis with real pub/sub) and one database.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tessera.adapters.memory import MemoryAdapter
from tessera.session import revocation
from tessera.session.revocation import Revocations
from tessera.storage import MemoryStorage
from tessera.storage.base import Event
from tests._helpers import Client, make_auth
from tests._redis import STORAGE_BACKENDS, storage_for, wait_until_live
from tests.session.test_kv_sessions import Counting

DATA = "better-auth.session_data"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=STORAGE_BACKENDS)
def shared(request: pytest.FixtureRequest) -> Counting:
    return Counting(storage_for(request))


@pytest.fixture
async def pair(shared: Counting) -> AsyncIterator[tuple[Any, Any, Counting]]:
    database = MemoryAdapter()
    instances = []
    for _ in range(2):
        auth = make_auth(database=database, secondary_storage=shared, session={"cookie_cache": {"enabled": True}})
        auth.revocations.skew_ms = 0  # one process, one clock: no allowance needed (tests would wait for it)
        await auth.startup()
        await wait_until_live(auth)
        instances.append(auth)
    try:
        yield instances[0], instances[1], shared
    finally:
        for auth in instances:
            await auth.shutdown()


def on(auth: Any, client: Client) -> Client:
    """The same browser, talking to another instance."""
    other = Client(auth)
    other.cookies = client.cookies
    return other


async def refused_within(client: Client, seconds: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if (await client.get("/get-session")).body == b"null":
            return time.monotonic() - start
        await asyncio.sleep(0.01)
    raise AssertionError(f"still accepted after {seconds} s")


async def test_sign_out_on_one_instance_is_refused_on_the_other_within_a_second(pair: Any) -> None:
    a, b, storage = pair
    phone = Client(a)
    await phone.sign_up()
    laptop = Client(a)
    await laptop.sign_in()
    on_b = on(b, laptop)
    await asyncio.sleep(0.01)  # caches minted after b's feed went live are believed at once
    await on_b.get("/get-session")
    storage.calls.clear()
    ops = len(a.adapter.operations)
    for _ in range(5):
        assert (await on_b.get("/get-session")).json_body()["user"]["email"] == "alice@example.com"
    assert storage.calls == {} and a.adapter.operations[ops:] == []  # cache hits: no I/O at all
    stolen = dict(laptop.cookies)
    await laptop.post("/sign-out")
    replay = Client(b)
    replay.cookies = stolen
    assert await refused_within(replay, 1.0) < 1.0
    assert (await on(b, phone).get("/get-session")).json_body() is not None


async def test_revoke_other_sessions_and_password_change_reach_the_other_instance(pair: Any) -> None:
    a, b, _ = pair
    phone = Client(a)
    await phone.sign_up()
    laptop, tablet = Client(a), Client(a)
    await laptop.sign_in()
    await tablet.sign_in()
    await asyncio.sleep(0.01)
    assert (await on(b, laptop).get("/get-session")).json_body() is not None
    await phone.post("/revoke-other-sessions")
    await refused_within(on(b, laptop), 1.0)
    assert (await on(b, phone).get("/get-session")).json_body() is not None  # the one kept re-validates
    await Client(a).sign_in()  # a new device
    r = await phone.post("/change-password", {"currentPassword": "correct-horse-battery",
                                              "newPassword": "battery-staple-horse", "revokeOtherSessions": True})
    assert r.status == 200
    await refused_within(on(b, tablet), 1.0)


async def test_a_profile_change_is_seen_by_the_other_instance(pair: Any) -> None:
    a, b, _ = pair
    phone = Client(a)
    await phone.sign_up()
    laptop = Client(a)
    await laptop.sign_in()
    await asyncio.sleep(0.01)
    assert (await on(b, laptop).get("/get-session")).json_body()["user"]["name"] == "Alice"
    await phone.post("/update-user", {"name": "Alice Liddell"})
    start = time.monotonic()
    while (await on(b, laptop).get("/get-session")).json_body()["user"]["name"] != "Alice Liddell":
        assert time.monotonic() - start < 1.0
        await asyncio.sleep(0.01)


async def test_while_the_feed_is_down_caches_are_not_believed(pair: Any) -> None:
    a, b, storage = pair
    client = Client(a)
    await client.sign_up()
    await asyncio.sleep(0.01)
    on_b = on(b, client)
    await on_b.get("/get-session")
    await b.revocations.stop()  # b stops hearing about revocations
    storage.calls.clear()
    assert (await on_b.get("/get-session")).json_body() is not None
    assert storage.calls["get_session"] == 1  # asked the store instead of trusting the cookie
    await wait_until_live(b)
    await on_b.get("/get-session")  # caches from before the feed came back are re-validated once...
    await asyncio.sleep(0.01)
    storage.calls.clear()
    await on_b.get("/get-session")
    assert storage.calls == {}  # ...then believed again


async def test_a_live_feed_lets_the_cache_be_reissued_without_any_io() -> None:
    clock = Clock()
    storage = Counting(MemoryStorage())
    auth = make_auth(secondary_storage=storage, clock=clock, session={"cookie_cache": {"enabled": True}})
    auth.revocations.skew_ms = 0
    await auth.startup()
    try:
        client = Client(auth)
        await client.sign_up()
        first = json.loads(base64.urlsafe_b64decode(client.cookies[DATA] + "==="))
        clock.now += timedelta(seconds=250)  # in the last fifth of the cache's life
        storage.calls.clear()
        ops = len(auth.adapter.operations)
        r = await client.get("/get-session")
        assert "Max-Age=300" in r.set_cookies[DATA]
        assert storage.calls == {} and auth.adapter.operations[ops:] == []
        second = json.loads(base64.urlsafe_b64decode(client.cookies[DATA] + "==="))
        assert second["expiresAt"] > first["expiresAt"]
        assert second["session"] == first["session"]  # same data, same read time: only the expiry moved
        clock.now += timedelta(seconds=250)
        await client.post("/sign-out", headers=[])  # revoked: never re-issued, never accepted
        stale = Client(auth)
        stale.cookies = {**client.cookies, DATA: r.set_cookies[DATA].split(";")[0].split("=", 1)[1]}
        assert (await stale.get("/get-session")).body == b"null"
    finally:
        await auth.shutdown()


class GoesSilent(MemoryStorage):
    """Pub/sub whose subscriptions made before ``silence()`` stop carrying anything, pongs included, without an
    error: a connection across a network partition."""

    def __init__(self) -> None:
        super().__init__()
        self.subscriptions = 0
        self.muted: set[Any] = set()

    async def subscribe(self, channel: str) -> Any:
        self.subscriptions += 1
        sub = await super().subscribe(channel)
        muted = self.muted

        async def ping() -> None:
            if sub not in muted:
                sub.queue.put_nowait(Event("pong"))

        sub.ping = ping  # type: ignore[method-assign]
        return sub

    def silence(self) -> None:
        for subs in self._channels.values():
            self.muted.update(subs)
            subs.clear()  # nothing published reaches them any more


async def test_a_feed_that_goes_silent_is_replaced_by_a_new_subscription(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(revocation, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(revocation, "STALE_AFTER_SECONDS", 0.3)
    storage = GoesSilent()
    auth = make_auth(secondary_storage=storage, session={"cookie_cache": {"enabled": True}})
    auth.revocations.skew_ms = 0
    await auth.startup()
    try:
        await wait_until_live(auth)
        client = Client(auth)
        await client.sign_up()
        storage.silence()
        deadline = time.monotonic() + 5
        while storage.subscriptions < 2 or not auth.revocations.live:
            assert time.monotonic() < deadline, "the silent subscription was waited on, not replaced"
            await asyncio.sleep(0.02)
        # the new subscription hears revocations made elsewhere: the cache cookie is refused at once
        other = make_auth(database=auth.adapter, secondary_storage=storage)
        await other.startup()
        try:
            await on(other, client).post("/sign-out", headers=[])
            assert await refused_within(client, 1) < 1
        finally:
            await other.shutdown()
    finally:
        await auth.shutdown()


# -- the in-process set ---------------------------------------------------------------------------------------


def test_entries_are_forgotten_once_no_cache_from_before_can_be_alive() -> None:
    clock = Clock()
    revocations = Revocations(clock=clock, hold=360)
    revocations.revoke([{"token": "t1"}])
    revocations.revoke_user("u1")
    assert revocations.bypass("t1", "u9", 0) and revocations.bypass("t2", "u1", 0)
    clock.now += timedelta(seconds=361)
    revocations.revoke([{"token": "t2"}])  # bookkeeping happens as entries are added
    assert not revocations.token_revoked("t1") and "u1" not in revocations._users


def test_the_set_is_bounded_and_overflow_rechecks_everyone() -> None:
    clock = Clock()
    revocations = Revocations(clock=clock, hold=360, max_entries=100, skew_ms=0)
    for n in range(150):
        revocations.revoke([{"token": f"t{n}"}])
    assert len(revocations._tokens) <= 100
    now_ms = int(clock.now.timestamp() * 1000)
    assert revocations.bypass("t0", "u", now_ms - 1)  # older caches: re-checked against the store
    assert not revocations.bypass("fresh", "u", now_ms + 1)


def test_malformed_messages_are_ignored() -> None:
    revocations = Revocations(clock=Clock(), hold=360)
    for raw in ["", "[]", '{"t": "s"}', '{"t": "u", "u": "x", "b": "soon"}', "null", '{"t":"s","k":5}']:
        revocations._apply(raw)
    assert revocations._tokens == {} and revocations._users == {}
