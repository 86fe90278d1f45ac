"""Tokens kept in secondary storage (``verification:one-time-token:<token>`` keys, as Better Auth keeps them),
on memory and on a real Redis, and a redemption with the cookie cache on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tessera.plugins.magic_link import hash_token
from tessera.plugins.one_time_token import one_time_token
from tessera.storage import MemoryStorage
from tests._helpers import Client, make_auth

SESSION = "better-auth.session_token"


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return MemoryStorage()
    make: Callable[..., Any] = request.getfixturevalue("redis_storage")
    return make()


async def test_a_token_kept_in_secondary_storage_is_redeemed_once(storage: Any) -> None:
    auth = make_auth(secondary_storage=storage, plugins=[one_time_token(store_token="hashed")])
    alice = Client(auth)
    assert (await alice.sign_up()).status == 200
    own = (await alice.get("/get-session")).json_body()["session"]
    token = (await alice.get("/one-time-token/generate")).json_body()["token"]
    stored = await storage.get(f"verification:one-time-token:{hash_token(token)}")
    assert stored is not None and own["token"] in stored
    answers = await asyncio.gather(*(Client(auth).post("/one-time-token/verify", {"token": token}) for _ in range(5)))
    assert sorted(r.status for r in answers) == [200, 400, 400, 400, 400]
    winner = next(r for r in answers if r.status == 200)
    assert winner.json_body()["session"]["id"] == own["id"]
    assert await storage.get(f"verification:one-time-token:{hash_token(token)}") is None


async def test_redeeming_with_the_cookie_cache_sets_the_cache_too() -> None:
    auth = make_auth(plugins=[one_time_token()], session={"cookie_cache": {"enabled": True, "max_age": 300}})
    alice = Client(auth)
    await alice.sign_up()
    token = (await alice.get("/one-time-token/generate")).json_body()["token"]
    other = Client(auth)
    r = await other.post("/one-time-token/verify", {"token": token})
    assert r.status == 200 and {SESSION, "better-auth.session_data"} <= set(r.set_cookies)
    assert (await other.get("/get-session")).json_body()["user"]["email"] == "alice@example.com"
