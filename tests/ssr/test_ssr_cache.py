"""The SSR token cache: one exchange per session, bounded by exp, and invalidation that works."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tessera.adapters.memory import MemoryAdapter
from tessera.jwt import decode_unverified, encode, generate_jwk
from tessera.plugins.jwt import jwt
from tessera.session.revocation import RevocationEvent
from tessera.ssr import Entry, MemoryTokenStore, SSRTokenCache, ssr_token_cache
from tessera.storage import MemoryStorage
from tests._redis import REDIS_TOPOLOGIES
from tests._tokens import FAST_HASHER, Client, make_auth
from tests.ssr.conftest import StoreFactory

KEY = generate_jwk("EdDSA", kid="k")
SECRET = "ssr-test-secret-0123456789abcdef0123456789"


class Issuer:
    """A fake exchange: session token -> a JWT for its user, optionally held until released."""

    def __init__(self, lifetime: int = 900) -> None:
        self.lifetime = lifetime
        self.calls = 0
        self.valid: dict[str, str] = {}  # session token -> user id
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()
        self.now = 1_900_000_000

    async def exchange(self, session_token: str) -> str | None:
        self.calls += 1
        user = self.valid.get(session_token)  # the session is read first, as the real exchange does
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if user is None:
            return None
        return encode({"sub": user, "sid": session_token[:4], "iat": self.now, "exp": self.now + self.lifetime}, KEY)


def cache_with(store: Any, issuer: Issuer, **kw: Any) -> SSRTokenCache:
    return SSRTokenCache(exchange=issuer.exchange, secret=SECRET, store=store, clock=lambda: issuer.now, **kw)


async def test_one_exchange_then_hits_until_shortly_before_exp(store_factory: StoreFactory) -> None:
    issuer = Issuer()
    issuer.valid["sess-a"] = "u1"
    cache = cache_with(store_factory(), issuer, margin=30)
    token = await cache.get("sess-a")
    assert token and decode_unverified(token)[1]["sub"] == "u1"
    for _ in range(10):
        assert await cache.get("sess-a") == token
    assert issuer.calls == 1
    issuer.now += 870  # 30 s before exp: the entry no longer answers
    assert await cache.get("sess-a") != token and issuer.calls == 2


async def test_entries_are_keyed_by_an_hmac_of_the_session_token(store_factory: StoreFactory) -> None:
    issuer = Issuer()
    issuer.valid["the-session-token"] = "u1"
    store = store_factory()
    cache = cache_with(store, issuer)
    await cache.get("the-session-token")
    key = cache.key("the-session-token")
    assert "the-session-token" not in key and len(key) == 43
    assert (await store.get(key)) is not None
    if isinstance(store, MemoryTokenStore):
        return
    names = [k.decode() async for k in store.redis.scan_iter(match=f"{store.prefix}*")]  # type: ignore[attr-defined]
    assert names and not any("the-session-token" in n for n in names)


async def test_concurrent_misses_make_one_exchange_even_across_instances(store_factory: StoreFactory) -> None:
    issuer = Issuer()
    issuer.valid["sess-a"] = "u1"
    issuer.gate = asyncio.Event()
    # two caches on one store: two processes of one deployment (memory: two caches in one process)
    first, second = cache_with(store_factory(), issuer), cache_with(store_factory(), issuer)
    waiting = [asyncio.ensure_future(c.get("sess-a")) for c in (first, second) for _ in range(25)]
    await asyncio.sleep(0.05)
    issuer.gate.set()
    tokens = await asyncio.gather(*waiting)
    assert len(set(tokens)) == 1 and tokens[0] is not None
    assert issuer.calls == 1


async def test_a_per_request_memo_skips_the_store(store_factory: StoreFactory) -> None:
    issuer = Issuer()
    issuer.valid["sess-a"] = "u1"
    store = store_factory()
    reads = 0
    original = store.get

    async def counting_get(key: str) -> Any:
        nonlocal reads
        reads += 1
        return await original(key)

    store.get = counting_get  # type: ignore[method-assign]
    cache = cache_with(store, issuer)
    await cache.get("sess-a")
    reads = 0
    memo: dict[str, Any] = {}
    for _ in range(5):
        await cache.get("sess-a", memo=memo)
    assert reads == 1
    assert await cache.get("nobody", memo=memo) is None
    assert await cache.get("nobody", memo=memo) is None and issuer.calls == 2  # "no token" is memoised too


async def test_no_session_is_not_cached(store_factory: StoreFactory) -> None:
    issuer = Issuer()
    cache = cache_with(store_factory(), issuer)
    assert await cache.get("unknown") is None
    assert await cache.get("unknown") is None
    assert issuer.calls == 2


@pytest.mark.parametrize("revocation", ["session", "user"])
async def test_an_exchange_started_before_a_revocation_never_writes_back(
    store_factory: StoreFactory, revocation: str
) -> None:
    issuer = Issuer()
    issuer.valid["sess-a"] = "u1"
    issuer.gate = asyncio.Event()
    store = store_factory()
    cache = cache_with(store, issuer)
    other = cache_with(store_factory(), issuer)  # another instance, reading the same store
    pending = asyncio.ensure_future(cache.get("sess-a"))
    await issuer.entered.wait()  # the exchange has read the (still valid) session and is signing
    del issuer.valid["sess-a"]  # the session is revoked ...
    if revocation == "session":
        cache.on_revocation(RevocationEvent(tokens=("sess-a",)))
    else:
        cache.on_revocation(RevocationEvent(user_id="u1"))
    await cache.flush()
    issuer.gate.set()  # ... and only then does the old exchange finish
    assert await pending is not None  # its caller asked before the revocation
    assert await store.get(cache.key("sess-a")) is None  # but nothing was written back
    issuer.gate = None
    assert await other.get("sess-a") is None and await cache.get("sess-a") is None


async def test_revoke_user_keeps_the_excepted_session(store_factory: StoreFactory) -> None:
    issuer = Issuer()
    issuer.valid.update({"sess-a": "u1", "sess-b": "u1", "sess-c": "u2"})
    store = store_factory()
    cache = cache_with(store, issuer)
    for s in ("sess-a", "sess-b", "sess-c"):
        await cache.get(s)
    cache.on_revocation(RevocationEvent(user_id="u1", except_token="sess-a"))
    await cache.flush()
    assert await store.get(cache.key("sess-a")) is not None
    assert await store.get(cache.key("sess-b")) is None
    assert await store.get(cache.key("sess-c")) is not None  # another user: untouched
    await cache.clear_auth_cache("sess-c")
    assert await store.get(cache.key("sess-c")) is None


async def test_remote_revocations_purge_memory_stores() -> None:
    issuer = Issuer()
    issuer.valid["sess-a"] = "u1"
    store = MemoryTokenStore()
    cache = cache_with(store, issuer)
    await cache.get("sess-a")
    cache.on_revocation(RevocationEvent(tokens=("sess-a",), remote=True))
    assert await store.get(cache.key("sess-a")) is None


# -- attached to a Tessera: the core's revocations reach the cache ------------------------------------------


async def signed_in_twice(store: Any) -> tuple[Any, Client, Client]:
    ssr = ssr_token_cache(store=store)
    auth = make_auth(plugins=[jwt(), ssr], user={"delete_user": {"enabled": True}})
    first = Client(auth)
    await first.sign_up()
    second = Client(auth)
    await second.sign_in()
    return ssr, first, second


def headers(client: Client) -> dict[str, str]:
    return {"cookie": client.cookie_header()}


async def cached(ssr: Any, client: Client) -> bool:
    token = ssr.session_token(headers(client))
    return token is not None and await ssr.cache.store.get(ssr.cache.key(token)) is not None


async def test_plugin_token_for_a_request(store_factory: StoreFactory) -> None:
    ssr, first, _ = await signed_in_twice(store_factory())
    adapter = first.auth.adapter
    token = await ssr.token_for(headers(first))
    adapter.operations.clear()
    assert await ssr.token_for(headers(first)) == token
    assert adapter.operations == []  # a hit costs no session read and no signature
    claims = decode_unverified(token)[1]
    assert claims["sub"] == (await first.get("/get-session")).json_body()["user"]["id"]
    assert await ssr.token_for({"cookie": "better-auth.session_token=forged.c2lnbmF0dXJl"}) is None
    assert await ssr.token_for({}) is None


@pytest.mark.parametrize(
    "action",
    ["sign-out", "revoke-session", "revoke-sessions", "revoke-other-sessions", "change-password",
     "delete-user", "update-user"],
)
async def test_revocations_purge_every_affected_entry(store_factory: StoreFactory, action: str) -> None:
    ssr, first, second = await signed_in_twice(store_factory())
    first_token = ssr.session_token(headers(first))
    second_token = ssr.session_token(headers(second))
    await ssr.token_for(headers(first))
    await ssr.token_for(headers(second))
    assert await cached(ssr, first) and await cached(ssr, second)
    before = {"first": headers(first), "second": headers(second)}
    password = "correct-horse-battery"
    if action == "sign-out":
        response = await first.post("/sign-out", {})
    elif action == "revoke-session":
        response = await first.post("/revoke-session", {"token": second_token})
    elif action == "revoke-sessions":
        response = await first.post("/revoke-sessions", {})
    elif action == "revoke-other-sessions":
        response = await first.post("/revoke-other-sessions", {})
    elif action == "change-password":
        response = await first.post("/change-password", {"currentPassword": password, "newPassword": "another-pass-123"})
    elif action == "delete-user":
        response = await first.post("/delete-user", {"password": password})
    else:
        response = await first.post("/update-user", {"name": "Alice B."})
    await ssr.cache.flush()
    assert response.status == 200, response.body
    store, key = ssr.cache.store, ssr.cache.key
    first_left = await store.get(key(first_token)) is not None
    second_left = await store.get(key(second_token)) is not None
    expected = {
        "sign-out": (False, True),
        "revoke-session": (True, False),
        "revoke-sessions": (False, False),
        "revoke-other-sessions": (True, False),
        "change-password": (False, False),
        "delete-user": (False, False),
        "update-user": (False, False),  # the tokens carry the old user data
    }[action]
    assert (first_left, second_left) == expected
    # what was purged cannot come back: a revoked session gets no token at all
    for name, still in zip(("first", "second"), expected, strict=True):
        token = await ssr.token_for(before[name])
        revoked = (action in ("sign-out", "revoke-sessions", "delete-user") and name == "first") or (
            action in ("revoke-session", "revoke-sessions", "revoke-other-sessions", "delete-user") and name == "second"
        )
        assert (token is None) == revoked, (name, still)


@pytest.mark.parametrize("store_factory", REDIS_TOPOLOGIES, indirect=True)
async def test_a_user_purge_between_enrolment_and_write_leaves_nothing(store_factory: StoreFactory) -> None:
    # in Redis (cluster-safe) a commit is two steps, enrol with the user, then write the entry: a user purge
    # landing between them must still win
    store = store_factory()
    ticket = await store.begin("k1", 10_000)
    assert ticket is not None
    write = store._commit  # type: ignore[attr-defined]

    async def purge_then_write(**kw: Any) -> Any:
        await store.purge_user("u1")
        return await write(**kw)

    store._commit = purge_then_write  # type: ignore[attr-defined]
    assert not await store.commit("k1", ticket, Entry("jwt", 2e9, "u1"), 60_000)
    assert await store.get("k1") is None
    assert not await store.locked("k1")


async def test_a_password_reset_that_keeps_sessions_purges_their_tokens(store_factory: StoreFactory) -> None:
    """With ``revoke_sessions_on_password_reset`` off the sessions survive the reset, but no token minted before it
    does — including one whose exchange was still running when the reset happened."""
    mailed: list[str] = []

    async def send_reset_password(user: Any, url: str, token: str, request: Any) -> None:
        mailed.append(token)

    ssr = ssr_token_cache(store=store_factory())
    auth = make_auth(
        plugins=[jwt(), ssr],
        email_and_password={
            "enabled": True, "password": FAST_HASHER, "send_reset_password": send_reset_password,
            "revoke_sessions_on_password_reset": False,
        },
    )
    first, second, racing = Client(auth), Client(auth), Client(auth)
    await first.sign_up()
    await second.sign_in()
    await racing.sign_in()
    before = {c: await ssr.token_for(headers(c)) for c in (first, second)}
    assert all(before.values()) and await cached(ssr, first) and await cached(ssr, second)

    # an exchange for the third session reads the session and signs before the reset, and finishes after it
    exchange, gate, entered = ssr.cache.exchange, asyncio.Event(), asyncio.Event()

    async def slow_exchange(session_token: str) -> str | None:
        token = await exchange(session_token)
        entered.set()
        await gate.wait()
        return token

    ssr.cache.exchange = slow_exchange
    pending = asyncio.ensure_future(ssr.token_for(headers(racing)))
    await entered.wait()

    assert (await Client(auth).post("/request-password-reset", {"email": "alice@example.com"})).status == 200
    reset = await Client(auth).post("/reset-password", {"token": mailed[0], "newPassword": "a-new-password-123"})
    assert reset.status == 200, reset.body
    await ssr.cache.flush()
    gate.set()
    assert await pending is not None  # asked before the reset: answered
    ssr.cache.exchange = exchange

    for client in (first, second, racing):
        assert not await cached(ssr, client)  # nothing minted before the reset is left, nor written back
        assert (await client.get("/get-session")).json_body() is not None  # the sessions themselves stay valid
    exchanges = ssr.cache.exchanges
    after = await ssr.token_for(headers(first))
    assert after is not None and ssr.cache.exchanges == exchanges + 1  # a fresh token, minted after the reset
    assert await cached(ssr, racing) is False and await ssr.token_for(headers(racing)) is not None


async def test_a_password_reset_reaches_the_memory_caches_of_other_instances() -> None:
    """The purge travels with the revocation feed, so per-process stores on other instances hear it too."""
    mailed: list[str] = []

    async def send_reset_password(user: Any, url: str, token: str, request: Any) -> None:
        mailed.append(token)

    database, storage = MemoryAdapter(), MemoryStorage()
    options = {"enabled": True, "password": FAST_HASHER, "send_reset_password": send_reset_password}
    ssr_a, ssr_b = ssr_token_cache(), ssr_token_cache()
    a = make_auth(database=database, secondary_storage=storage, plugins=[jwt(), ssr_a], email_and_password=options)
    b = make_auth(database=database, secondary_storage=storage, plugins=[jwt(), ssr_b], email_and_password=options)
    await a.startup()
    await b.startup()
    try:
        browser = Client(a)
        await browser.sign_up()
        assert await ssr_b.token_for(headers(browser)) is not None and await cached(ssr_b, browser)
        await Client(a).post("/request-password-reset", {"email": "alice@example.com"})
        assert (await Client(a).post("/reset-password", {"token": mailed[0], "newPassword": "n3w-passw0rd"})).status == 200
        for _ in range(100):
            if not await cached(ssr_b, browser):
                break
            await asyncio.sleep(0.01)
        assert not await cached(ssr_b, browser)
        assert await ssr_b.token_for(headers(browser)) is not None  # the session is still valid
    finally:
        await a.shutdown()
        await b.shutdown()
