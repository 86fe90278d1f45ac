"""Sessions in secondary storage: Better Auth's key layout, TTLs everywhere, one round trip per read, no lost
updates under concurrency, and the database mirror. Run against MemoryStorage and a real Redis."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from tessera.storage import MemoryStorage
from tests._helpers import SECRET, Client, make_auth
from tests._redis import STORAGE_BACKENDS, storage_for

TOKEN = "better-auth.session_token"


class Counting:
    """Delegates to a storage, counting calls (each call is one round trip on Redis)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def _count(self, name: str) -> None:
        self.calls[name] += 1

    async def get(self, key: str) -> str | None:
        self._count("get")
        return await self.inner.get(key)

    async def set(self, key: str, value: str, ttl: int | None = None) -> None:
        self._count("set")
        await self.inner.set(key, value, ttl)

    async def delete(self, key: str) -> None:
        self._count("delete")
        await self.inner.delete(key)

    async def get_and_delete(self, key: str) -> str | None:
        self._count("get_and_delete")
        return await self.inner.get_and_delete(key)

    async def increment(self, key: str, ttl: int) -> int:
        self._count("increment")
        return await self.inner.increment(key, ttl)

    async def compare_and_set(self, key: str, expected: str | None, value: str | None, ttl: int | None) -> bool:
        self._count("compare_and_set")
        return await self.inner.compare_and_set(key, expected, value, ttl)

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        self._count("get_many")
        return await self.inner.get_many(keys)

    async def get_session(self, token: str, marker_prefix: str) -> tuple[str | None, str | None]:
        self._count("get_session")
        return await self.inner.get_session(token, marker_prefix)

    async def publish(self, channel: str, message: str) -> None:
        self._count("publish")
        await self.inner.publish(channel, message)

    async def subscribe(self, channel: str) -> Any:
        return await self.inner.subscribe(channel)

    async def ttl(self, key: str) -> float:
        if isinstance(self.inner, MemoryStorage):
            return self.inner.ttl(key) or -1
        return float(await self.inner.client.ttl(self.inner.prefix + key))


@pytest.fixture(params=STORAGE_BACKENDS)
def storage(request: pytest.FixtureRequest) -> Counting:
    return Counting(storage_for(request))


def token_of(client: Client) -> str:
    return client.cookies[TOKEN].split(".")[0]


async def test_sessions_live_in_storage_with_better_auths_layout_and_ttls(storage: Counting) -> None:
    auth = make_auth(secondary_storage=storage)
    assert "session" not in auth.schema  # no session table
    client = Client(auth)
    user = (await client.sign_up()).json_body()["user"]
    token = token_of(client)
    value = json.loads(await storage.inner.get(token))
    assert list(value) == ["session", "user"]
    assert value["session"]["token"] == token and value["session"]["userId"] == user["id"]
    assert value["session"]["expiresAt"].endswith("Z") and value["user"]["email"] == "alice@example.com"
    listed = json.loads(await storage.inner.get(f"active-sessions-{user['id']}"))
    assert [e["token"] for e in listed] == [token] and isinstance(listed[0]["expiresAt"], int)
    week = 7 * 86400
    assert week - 5 <= await storage.ttl(token) <= week
    assert week - 5 <= await storage.ttl(f"active-sessions-{user['id']}") <= week + 1


async def test_a_session_read_is_one_round_trip_and_no_sql(storage: Counting) -> None:
    auth = make_auth(secondary_storage=storage)
    client = Client(auth)
    await client.sign_up()
    storage.calls.clear()
    ops = len(auth.adapter.operations)
    assert (await client.get("/get-session")).json_body()["user"]["name"] == "Alice"
    assert storage.calls == Counter({"get_session": 1})
    assert auth.adapter.operations[ops:] == []


async def test_sign_in_does_not_reread_the_user(storage: Counting) -> None:
    auth = make_auth(secondary_storage=storage)
    await Client(auth).sign_up()
    ops = len(auth.adapter.operations)
    await Client(auth).sign_in()
    assert auth.adapter.operations[ops:] == ["find_one user"]  # the user (with credential), nothing else


async def test_a_session_written_by_better_auth_is_read(storage: Counting) -> None:
    auth = make_auth(secondary_storage=storage)
    user = (await Client(auth).sign_up()).json_body()["user"]
    # the value as Better Auth 1.7 writes it: session row in its column order, plugin fields, full user row
    token = "PObUrWRbyQ7LCkUG2RSaNOtmEhuB6bnI"
    now = datetime.now(UTC)
    value = {
        "session": {
            "expiresAt": (now + timedelta(days=7)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "token": token, "createdAt": "2026-11-23T15:16:07.574Z", "updatedAt": "2026-11-23T15:16:07.574Z",
            "ipAddress": "", "userAgent": "", "userId": user["id"], "activeOrganizationId": None,
            "impersonatedBy": None, "id": "0vpydU3rDCPhSDP6WukL1pL4O7lTCyJu",
        },
        "user": {**user, "name": "Written by Node"},
    }
    await storage.inner.set(token, json.dumps(value, separators=(",", ":")), 3600)
    sig = base64.b64encode(hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).digest()).decode()
    client = Client(auth)
    client.cookies = {TOKEN: quote(f"{token}.{sig}", safe="")}
    body = (await client.get("/get-session")).json_body()
    assert body["session"]["id"] == "0vpydU3rDCPhSDP6WukL1pL4O7lTCyJu"
    assert body["user"]["name"] == "Written by Node"


async def test_the_revoked_before_marker_is_honoured(storage: Counting) -> None:
    auth = make_auth(secondary_storage=storage)
    client = Client(auth)
    user = (await client.sign_up()).json_body()["user"]
    created = (await client.get("/get-session")).json_body()["session"]["createdAt"]
    created_ms = int(datetime.fromisoformat(created).timestamp() * 1000)
    await storage.inner.set(f"revoked-sessions-before-{user['id']}", str(created_ms), 60)  # not earlier: kept
    assert (await client.get("/get-session")).json_body() is not None
    await storage.inner.set(f"revoked-sessions-before-{user['id']}", str(created_ms + 1), 60)
    assert (await client.get("/get-session")).body == b"null"


async def test_concurrent_sign_ins_and_sign_outs_lose_no_list_entry(storage: Counting) -> None:
    auth = make_auth(secondary_storage=storage)
    first = Client(auth)
    user = (await first.sign_up()).json_body()["user"]
    clients = [Client(auth) for _ in range(20)]
    await asyncio.gather(*(c.sign_in() for c in clients))
    listed = json.loads(await storage.inner.get(f"active-sessions-{user['id']}"))
    assert len(listed) == 21 and len({e["token"] for e in listed}) == 21
    assert [e["expiresAt"] for e in listed] == sorted(e["expiresAt"] for e in listed)
    await asyncio.gather(*(c.post("/sign-out") for c in clients[:10]))
    listed = json.loads(await storage.inner.get(f"active-sessions-{user['id']}"))
    assert {e["token"] for e in listed} == {token_of(c) for c in [first, *clients[10:]]}


async def test_sign_out_and_revocations_clean_up(storage: Counting) -> None:
    auth = make_auth(secondary_storage=storage)
    a = Client(auth)
    user = (await a.sign_up()).json_body()["user"]
    b, c = Client(auth), Client(auth)
    await b.sign_in()
    await c.sign_in()
    assert len((await a.get("/list-sessions")).json_body()) == 3
    b_token = token_of(b)
    await b.post("/sign-out")
    assert await storage.inner.get(b_token) is None
    assert len((await a.get("/list-sessions")).json_body()) == 2
    await a.post("/revoke-other-sessions")
    assert (await c.get("/get-session")).body == b"null"
    assert [s["token"] for s in (await a.get("/list-sessions")).json_body()] == [token_of(a)]
    await a.post("/revoke-sessions")
    assert await storage.inner.get(f"active-sessions-{user['id']}") is None
    marker = await storage.inner.get(f"revoked-sessions-before-{user['id']}")
    assert marker is not None and marker.isdigit()
    assert 86400 * 7 - 5 <= await storage.ttl(f"revoked-sessions-before-{user['id']}") <= 86400 * 7


async def test_a_profile_update_reaches_every_session_of_the_user(storage: Counting) -> None:
    auth = make_auth(secondary_storage=storage)
    phone = Client(auth)
    await phone.sign_up()
    laptop = Client(auth)
    await laptop.sign_in()
    await phone.post("/update-user", {"name": "Alice Liddell"})
    assert (await laptop.get("/get-session")).json_body()["user"]["name"] == "Alice Liddell"


async def test_sliding_expiry_updates_value_and_list(storage: Counting) -> None:
    class Clock:
        now = datetime.now(UTC).replace(microsecond=0)

        def __call__(self) -> datetime:
            return self.now

    clock = Clock()
    auth = make_auth(secondary_storage=storage, clock=clock)
    client = Client(auth)
    user = (await client.sign_up()).json_body()["user"]
    first = (await client.get("/get-session")).json_body()["session"]["expiresAt"]
    clock.now += timedelta(days=1, seconds=1)
    refreshed = (await client.get("/get-session")).json_body()["session"]["expiresAt"]
    assert refreshed > first
    listed = json.loads(await storage.inner.get(f"active-sessions-{user['id']}"))
    assert listed[0]["expiresAt"] == int(datetime.fromisoformat(refreshed).timestamp() * 1000)


async def test_store_session_in_database_writes_both_and_falls_back(storage: Counting) -> None:
    auth = make_auth(secondary_storage=storage, session={"store_session_in_database": True})
    client = Client(auth)
    await client.sign_up()
    token = token_of(client)
    assert await storage.inner.get(token) is not None
    assert [r["token"] for r in auth.adapter.tables["session"].values()] == [token]
    await storage.inner.delete(token)  # evicted from the cache: the table still answers
    assert (await client.get("/get-session")).json_body()["session"]["token"] == token
    await client.post("/sign-out")
    assert auth.adapter.tables["session"] == {}


async def test_verifications_live_in_storage_and_are_consumed_once(storage: Counting) -> None:
    auth = make_auth(secondary_storage=storage)
    store = auth.context.store
    row = await store.create_verification("reset-password:abc", "user-1", 600)
    assert "verification" not in auth.schema
    assert json.loads(await storage.inner.get("verification:reset-password:abc"))["value"] == "user-1"
    assert 595 <= await storage.ttl("verification:reset-password:abc") <= 600
    assert (await store.find_verification("reset-password:abc"))["id"] == row["id"]
    results = await asyncio.gather(*(store.consume_verification("reset-password:abc") for _ in range(10)))
    assert [r["value"] for r in results if r is not None] == ["user-1"]
    assert await store.find_verification("reset-password:abc") is None


def test_a_storage_without_the_five_methods_is_a_configuration_error() -> None:
    from tessera import ConfigError

    with pytest.raises(ConfigError, match="secondary_storage"):
        make_auth(secondary_storage=object())


async def test_a_repeated_read_reuses_the_parsed_value_and_never_a_stale_one(storage: Counting) -> None:
    auth = make_auth(secondary_storage=storage)
    client = Client(auth)
    await client.sign_up()
    first, second = await client.get("/get-session"), await client.get("/get-session")
    assert first.body == second.body  # the second parsed and rendered nothing
    assert second.body == json.dumps(json.loads(second.body), separators=(",", ":")).encode()
    token = token_of(client)
    value = json.loads(await storage.inner.get(token))
    value["user"]["name"] = "Rewritten"  # a new value under the same key (another instance, Better Auth)
    await storage.inner.set(token, json.dumps(value, separators=(",", ":")), 3600)
    assert (await client.get("/get-session")).json_body()["user"]["name"] == "Rewritten"
    await storage.inner.delete(token)
    assert (await client.get("/get-session")).body == b"null"
