"""``RemoteJWKS``: Cache-Control within bounds, single flight, stale when the issuer is down, unknown kid."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from tessera.jwt import KeySet, KeySetUnavailable, RemoteJWKS, UnknownKey, Verifier, encode, generate_jwk
from tessera.jwt.remote import cache_ttl

URL = "https://auth.example.com/api/auth/jwks"
ISS = AUD = "https://auth.example.com"
K1 = generate_jwk("EdDSA", kid="k1")
K2 = generate_jwk("EdDSA", kid="k2")


class Issuer:
    """A fake issuer behind ``httpx.MockTransport``: counts requests, can fail or serve another set."""

    def __init__(self, *keys: Any, cache_control: str = "public, max-age=300") -> None:
        self.keys = list(keys)
        self.cache_control = cache_control
        self.down = False
        self.requests = 0
        self.delay = 0.0

    def body(self) -> dict[str, Any]:
        return KeySet(k.public for k in self.keys).to_dict()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            raise httpx.ConnectError("issuer down")
        return httpx.Response(200, json=self.body(), headers={"cache-control": self.cache_control})

    def handle_sync(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.down:
            raise httpx.ConnectError("issuer down")
        return httpx.Response(200, json=self.body(), headers={"cache-control": self.cache_control})


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def remote(issuer: Issuer, clock: Clock, **kw: Any) -> RemoteJWKS:
    return RemoteJWKS(
        URL, client=httpx.AsyncClient(transport=httpx.MockTransport(issuer.handle)),
        sync_client=httpx.Client(transport=httpx.MockTransport(issuer.handle_sync)), clock=clock, **kw,
    )


def token(key: Any) -> str:
    import time

    now = int(time.time())
    return encode({"sub": "u", "iat": now, "exp": now + 600, "iss": ISS, "aud": AUD}, key)


def test_cache_ttl() -> None:
    kw = {"default": 300.0, "minimum": 30.0, "maximum": 3600.0}
    assert cache_ttl({"cache-control": "public, max-age=120"}, **kw) == 120
    assert cache_ttl({"cache-control": "max-age=120", "age": "100"}, **kw) == 30
    assert cache_ttl({"cache-control": "max-age=999999"}, **kw) == 3600
    assert cache_ttl({"cache-control": "no-store"}, **kw) == 30
    assert cache_ttl({}, **kw) == 300
    assert cache_ttl({"cache-control": "max-age=bogus"}, **kw) == 300


async def test_no_io_while_fresh_and_refetch_after_max_age() -> None:
    issuer, clock = Issuer(K1, cache_control="max-age=120"), Clock()
    verifier = Verifier(issuer=ISS, audience=AUD, algorithms=["EdDSA"], jwks=remote(issuer, clock))
    for _ in range(50):
        await verifier.verify(token(K1))
    assert issuer.requests == 1
    clock.t += 121  # stale: served at once, refreshed in the background
    await verifier.verify(token(K1))
    await asyncio.sleep(0.01)
    assert issuer.requests == 2
    clock.t += 60
    await verifier.verify(token(K1))
    assert issuer.requests == 2


async def test_single_flight_on_a_cold_cache() -> None:
    issuer, clock = Issuer(K1), Clock()
    issuer.delay = 0.05
    verifier = Verifier(issuer=ISS, audience=AUD, algorithms=["EdDSA"], jwks=remote(issuer, clock))
    results = await asyncio.gather(*(verifier.verify(token(K1)) for _ in range(100)))
    assert len(results) == 100 and issuer.requests == 1


async def test_stale_keys_are_served_while_the_issuer_is_down() -> None:
    issuer, clock = Issuer(K1, cache_control="max-age=60"), Clock()
    jwks = remote(issuer, clock, max_stale=3600)
    verifier = Verifier(issuer=ISS, audience=AUD, algorithms=["EdDSA"], jwks=jwks)
    await verifier.verify(token(K1))
    issuer.down = True
    clock.t += 600
    for _ in range(20):
        assert await verifier.verify(token(K1))
        await asyncio.sleep(0)
    # one background attempt, then back-off (no hammering of a failing issuer)
    assert issuer.requests == 2
    clock.t += 3600  # past max_stale: fail closed
    with pytest.raises(KeySetUnavailable):
        await verifier.verify(token(K1))


async def test_unknown_kid_refetches_once_per_cooldown() -> None:
    issuer, clock = Issuer(K1), Clock()
    verifier = Verifier(issuer=ISS, audience=AUD, algorithms=["EdDSA"], jwks=remote(issuer, clock, unknown_kid_cooldown=30))
    await verifier.verify(token(K1))
    issuer.keys.append(K2)  # the issuer rotates
    clock.t += 31
    assert await verifier.verify(token(K2))  # refetched on the unknown kid
    assert issuer.requests == 2
    forged = generate_jwk("EdDSA", kid="made-up")
    for _ in range(50):  # a flood of made-up kids costs at most one request per cooldown
        with pytest.raises(UnknownKey):
            await verifier.verify(token(forged))
    assert issuer.requests == 2
    clock.t += 31
    with pytest.raises(UnknownKey):
        await verifier.verify(token(forged))
    assert issuer.requests == 3


async def test_unreachable_issuer_without_cache() -> None:
    issuer, clock = Issuer(K1), Clock()
    issuer.down = True
    verifier = Verifier(issuer=ISS, audience=AUD, algorithms=["EdDSA"], jwks=remote(issuer, clock))
    with pytest.raises(KeySetUnavailable):
        await verifier.verify(token(K1))
    with pytest.raises(KeySetUnavailable):  # backing off: no second request yet
        await verifier.verify(token(K1))
    assert issuer.requests == 1


async def test_static_and_remote_together() -> None:
    issuer, clock = Issuer(K2), Clock()
    verifier = Verifier(issuer=ISS, audience=AUD, algorithms=["EdDSA"], keys=KeySet([K1.public]),
                        jwks=remote(issuer, clock))
    assert await verifier.verify(token(K1))
    assert issuer.requests == 0  # the static set answered
    assert await verifier.verify(token(K2))
    assert issuer.requests == 1


def test_sync_single_flight_across_threads() -> None:
    issuer, clock = Issuer(K1), Clock()
    verifier = Verifier(issuer=ISS, audience=AUD, algorithms=["EdDSA"], jwks=remote(issuer, clock))
    tok = token(K1)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                verifier.verify_sync(tok)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and issuer.requests == 1
