"""Rate limiting: Better Auth's rules and 429, spoof-resistant client keys, atomic storages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tessera.db.schema import Schema, core_tables
from tessera.plugins.base import Plugin, RateLimitRule
from tessera.ratelimit import DatabaseRateLimitStore, MemoryRateLimitStore, Rule
from tessera.storage import MemoryStorage
from tests._helpers import Client, make_auth
from tests._redis import STORAGE_BACKENDS, storage_for
from tests._services import AdapterFactory

XFF = "x-forwarded-for"


def limited(**options: Any) -> Any:
    options.setdefault("production", True)
    return make_auth(**options)


async def get(auth: Any, path: str, *headers: tuple[str, str]) -> Any:
    return await Client(auth, origin=None).get(path, headers=list(headers))


async def test_off_outside_production_on_in_production() -> None:
    assert make_auth(production=False).rate_limiter is None
    assert limited().rate_limiter is not None
    assert limited(rate_limit={"enabled": False}).rate_limiter is None


async def test_sign_in_is_limited_to_three_per_ten_seconds_with_better_auths_answer() -> None:
    auth = limited()
    client = Client(auth)
    await client.sign_up(headers=[(XFF, "198.51.100.1")])
    statuses = []
    for _ in range(4):
        r = await client.sign_in(password="wrong-password-1", headers=[(XFF, "198.51.100.9")])
        statuses.append(r.status)
    assert statuses == [401, 401, 401, 429]
    assert r.body == b'{"message":"Too many requests. Please try again later."}'
    assert r.headers == [("content-type", "application/json"), ("x-retry-after", "10")]
    # another client is not affected
    assert (await client.sign_in(headers=[(XFF, "198.51.100.10")])).status == 200


async def test_default_and_special_windows() -> None:
    auth = limited(rate_limit={"max": 5})
    for _ in range(5):
        assert (await get(auth, "/ok", (XFF, "192.0.2.1"))).status == 200
    assert (await get(auth, "/ok", (XFF, "192.0.2.1"))).status == 429
    for _ in range(3):
        await Client(auth).post("/request-password-reset", {"email": "a@example.com"}, headers=[(XFF, "192.0.2.2")])
    r = await Client(auth).post("/request-password-reset", {"email": "a@example.com"}, headers=[(XFF, "192.0.2.2")])
    assert (r.status, r.header("x-retry-after")) == (429, "60")


async def test_custom_rules_plugin_rules_and_exemptions() -> None:
    plugin = Plugin("limits", rate_limit=[RateLimitRule("/ok", 10, 1)])
    auth = limited(plugins=[plugin], rate_limit={"custom_rules": {"/get-session": {"window": 10, "max": 2},
                                                                  "/sign-*/**": False}})
    ip = (XFF, "203.0.113.5")
    assert [(await get(auth, "/ok", ip)).status for _ in range(2)] == [200, 429]  # plugin rule
    assert [(await get(auth, "/get-session", ip)).status for _ in range(3)] == [200, 200, 429]  # custom rule
    client = Client(auth)
    statuses = [(await client.sign_in(password="nope-nope-1", headers=[ip])).status for _ in range(6)]
    assert 429 not in statuses  # exempted by a wildcard


async def test_a_custom_rule_may_be_a_function_of_the_request() -> None:
    async def decide(request: Any) -> Any:
        return False if request.headers.get("x-internal") == "1" else {"window": 10, "max": 1}

    auth = limited(rate_limit={"custom_rules": {"/ok": decide}})
    assert [(await get(auth, "/ok", (XFF, "203.0.113.6"), ("x-internal", "1"))).status for _ in range(3)] == [200] * 3
    assert [(await get(auth, "/ok", (XFF, "203.0.113.6"))).status for _ in range(2)] == [200, 429]


async def test_spoofed_forwarding_chains_do_not_get_fresh_buckets() -> None:
    auth = limited(rate_limit={"custom_rules": {"/ok": {"window": 10, "max": 3}}})
    # an appending proxy: the client controls the left part of the chain — a multi-hop chain is not believed
    statuses = [(await get(auth, "/ok", (XFF, f"10.9.8.{n}, 198.51.100.77"))).status for n in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]


async def test_behind_trusted_proxies_the_real_client_is_found_whatever_was_prepended() -> None:
    auth = limited(
        rate_limit={"custom_rules": {"/ok": {"window": 10, "max": 2}}},
        advanced={"ip_address": {"trusted_proxies": ["10.0.0.0/8"]}},
    )

    async def via_proxy(chain: str) -> int:
        from tessera.http import Headers, Request

        request = Request("GET", "/api/auth/ok", Headers.from_pairs([(XFF, chain)]), client_host="10.0.0.2")
        return (await auth.handle(request)).status

    statuses = [await via_proxy(f"1.2.3.{n}, 203.0.113.9, 10.0.0.1") for n in range(4)]
    assert statuses == [200, 200, 429, 429]
    assert await via_proxy("203.0.113.10, 10.0.0.1") == 200  # a different real client


async def test_ipv6_clients_are_bucketed_by_subnet() -> None:
    auth = limited(rate_limit={"custom_rules": {"/ok": {"window": 10, "max": 2}}})
    hosts = ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:0db8:0001:0002:0000:0000:0000:0003"]
    assert [(await get(auth, "/ok", (XFF, h))).status for h in hosts] == [200, 200, 429]


async def test_parametrised_routes_and_unknown_paths_share_buckets() -> None:
    auth = limited(rate_limit={"max": 3})
    ip = (XFF, "198.51.100.33")
    statuses = [(await get(auth, f"/no-such-path-{n}", ip)).status for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    store = auth.rate_limiter.store
    assert isinstance(store, MemoryRateLimitStore) and len(store) == 1


async def test_memory_store_expires_windows_without_scanning() -> None:
    store = MemoryRateLimitStore(max_keys=1000)
    rule = Rule(10, 2)
    assert [await store.consume("a", rule, 0.0) for _ in range(3)] == [None, None, 10.0]
    assert await store.consume("a", rule, 10.0) is None  # a new window
    for n in range(5000):
        await store.consume(f"k{n}", rule, 20.0 + n * 0.001)
    assert len(store) <= 1000  # bounded
    await store.consume("late", rule, 100.0)
    assert len(store) == 1  # expired windows dropped from the front


@pytest.fixture(params=STORAGE_BACKENDS)
def shared_storage(request: pytest.FixtureRequest) -> Any:
    return storage_for(request)


async def test_secondary_storage_limit_is_atomic_across_instances(shared_storage: Any) -> None:
    storage = shared_storage
    rules = {"custom_rules": {"/ok": {"window": 10, "max": 3}}}
    one, two = limited(secondary_storage=storage, rate_limit=rules), limited(secondary_storage=storage, rate_limit=rules)
    results = await asyncio.gather(*(get(one if n % 2 else two, "/ok", (XFF, "198.51.100.200")) for n in range(20)))
    assert sorted(r.status for r in results) == [200] * 3 + [429] * 17
    key = "198.51.100.200|/ok"
    assert await storage.get(key) == "20"  # Better Auth's key, counted by increment


async def test_default_rule_traffic_stays_in_process_unless_asked() -> None:
    from tests.session.test_kv_sessions import Counting

    storage = Counting(MemoryStorage())
    auth = limited(secondary_storage=storage)
    client = Client(auth)
    await client.sign_up(headers=[(XFF, "192.0.2.70")])
    storage.calls.clear()
    await client.get("/ok", headers=[(XFF, "192.0.2.70")])
    assert storage.calls["increment"] == 0  # a session read or health check costs no round trip
    await client.sign_in(headers=[(XFF, "192.0.2.70")])
    assert storage.calls["increment"] == 1  # sign-in's strict rule is shared by every instance
    shared = limited(secondary_storage=storage, rate_limit={"local_default_rule": False})
    await Client(shared).get("/ok", headers=[(XFF, "192.0.2.71")])
    assert storage.calls["increment"] == 2


async def test_database_store_is_atomic_under_concurrency(adapter_factory: AdapterFactory) -> None:
    adapter = await adapter_factory(Schema.merge(core_tables(rate_limit_in_database=True)))
    ids = iter(range(10_000))
    store = DatabaseRateLimitStore(adapter, lambda model: f"rl{next(ids):05d}")
    rule = Rule(10, 3)
    results = await asyncio.gather(*(store.consume("198.51.100.1|/sign-in/email", rule, 1000.0) for _ in range(20)))
    assert sum(r is None for r in results) == 3
    assert await store.consume("198.51.100.1|/sign-in/email", rule, 1011.0) is None  # next window
    assert await store.sweep(2000.0, 10) == 1


async def test_database_storage_through_tessera() -> None:
    auth = limited(rate_limit={"storage": "database", "custom_rules": {"/ok": {"window": 10, "max": 2}}})
    assert "rateLimit" in auth.schema
    assert [(await get(auth, "/ok", (XFF, "192.0.2.50"))).status for _ in range(3)] == [200, 200, 429]
