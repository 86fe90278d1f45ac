"""Token holders: reuse until near exp, one refresh for many callers, back-off, drop on 401/403."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tessera.client import AsyncTokenHolder, AuthenticationError, TokenHolder, TransientError
from tessera.jwt import encode, generate_jwk

KEY = generate_jwk("EdDSA", kid="k")


class Clock:
    def __init__(self) -> None:
        self.t = 1_900_000_000.0

    def __call__(self) -> float:
        return self.t


def make_token(clock: Clock, lifetime: int = 900, n: int = 0) -> str:
    return encode({"sub": "u", "n": n, "iat": int(clock.t), "exp": int(clock.t) + lifetime}, KEY)


class Issuer:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.calls = 0
        self.fail: Exception | None = None
        self.delay = 0.0

    async def fetch(self) -> str:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        return make_token(self.clock, n=self.calls)

    def fetch_sync(self) -> str:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return make_token(self.clock, n=self.calls)


async def test_reuses_until_shortly_before_exp() -> None:
    clock = Clock()
    issuer = Issuer(clock)
    holder = AsyncTokenHolder(issuer.fetch, refresh_margin=30, clock=clock)
    first = await holder.get()
    clock.t += 869
    assert await holder.get() == first and issuer.calls == 1
    clock.t += 1  # 30 s before exp
    assert await holder.get() != first and issuer.calls == 2


async def test_concurrent_callers_share_one_refresh() -> None:
    clock = Clock()
    issuer = Issuer(clock)
    issuer.delay = 0.02
    holder = AsyncTokenHolder(issuer.fetch, clock=clock)
    tokens = await asyncio.gather(*(holder.get() for _ in range(50)))
    assert len(set(tokens)) == 1 and issuer.calls == 1


async def test_backs_off_on_transient_errors_and_keeps_a_valid_token() -> None:
    clock = Clock()
    issuer = Issuer(clock)
    holder = AsyncTokenHolder(issuer.fetch, refresh_margin=30, clock=clock)
    token = await holder.get()
    clock.t += 880  # refresh due, token still valid for 20 s
    issuer.fail = TransientError(503, None, "down")
    assert await holder.get() == token  # the attempt failed; the old token is still good
    calls = issuer.calls
    for _ in range(10):
        assert await holder.get() == token
    assert issuer.calls == calls  # no hammering during the back-off
    clock.t += 25  # the old token expired, the issuer is still down
    with pytest.raises(TransientError):
        await holder.get()
    clock.t += 60
    issuer.fail = None
    assert await holder.get() != token


async def test_without_a_token_errors_fail_fast_during_back_off() -> None:
    clock = Clock()
    issuer = Issuer(clock)
    issuer.fail = TransientError(0, "NETWORK_ERROR", "refused")
    holder = AsyncTokenHolder(issuer.fetch, clock=clock)
    for _ in range(5):
        with pytest.raises(TransientError):
            await holder.get()
    assert issuer.calls == 1


async def test_drops_the_token_on_401_and_403() -> None:
    clock = Clock()
    issuer = Issuer(clock)
    holder = AsyncTokenHolder(issuer.fetch, refresh_margin=30, clock=clock)
    await holder.get()
    clock.t += 880
    issuer.fail = AuthenticationError(401, "UNAUTHORIZED", "Unauthorized")
    with pytest.raises(AuthenticationError):
        await holder.get()  # never the old token again, though it has not expired
    assert holder.token is None
    with pytest.raises(AuthenticationError):
        await holder.get()  # and no back-off: a new session may exist by now
    assert issuer.calls == 3


async def test_a_refresh_started_before_invalidate_cannot_bring_the_token_back() -> None:
    clock = Clock()
    issuer = Issuer(clock)
    issuer.delay = 0.05
    holder = AsyncTokenHolder(issuer.fetch, clock=clock)
    pending = asyncio.ensure_future(holder.get())
    await asyncio.sleep(0.01)
    holder.invalidate()  # e.g. sign-out while the refresh is in flight
    with pytest.raises(TransientError):
        await pending
    assert holder.token is None


def test_sync_holder_single_flight_across_threads() -> None:
    clock = Clock()
    issuer = Issuer(clock)
    holder = TokenHolder(issuer.fetch_sync, clock=clock)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(holder.get())) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and issuer.calls == 1
    issuer.fail = AuthenticationError(403, "FORBIDDEN", "no")
    clock.t += 900
    with pytest.raises(AuthenticationError):
        holder.get()
    assert holder.token is None
