"""The custom-session plugin on every backend: get-session's answer reshaped by the callback, which sees this
request's own, current data (after a sliding refresh, after update-user, with the cookie cache or without) and
cannot change what the cookie cache or later hooks read; the pre-rendered cache-hit body is never served, and no
user ever receives another's customised answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tessera import Tessera
from tessera._json import dumps
from tessera.errors import APIError, ConfigError
from tessera.hooks import Hook
from tessera.plugins.custom_session import CustomSessionPlugin, custom_session
from tessera.plugins.multi_session import multi_session
from tests._helpers import Client, make_auth
from tests._services import AdapterFactory
from tests._tokens import Clock

CACHE = {"cookie_cache": {"enabled": True, "max_age": 300}}
MakeApp = Callable[..., Awaitable[tuple[Tessera, Clock]]]


@pytest.fixture
def make_app(adapter_factory: AdapterFactory) -> MakeApp:
    async def make(fn: Any, *, plugins: tuple[Any, ...] = (), **options: Any) -> tuple[Tessera, Clock]:
        clock = Clock(datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC))
        plugin_list = [*plugins, custom_session(fn, **options.pop("custom", {}))]
        schema = make_auth(plugins=plugin_list, **options).schema
        auth = make_auth(plugins=plugin_list, clock=clock, database=await adapter_factory(schema), **options)
        return auth, clock

    return make


def shaped(data: dict[str, Any], ctx: Any) -> dict[str, Any]:
    user = data["user"]
    return {"user": {"id": user["id"], "name": user["name"]}, "session": data["session"],
            "greeting": f"hello {user['name']}"}


async def signed_up(auth: Tessera, email: str, name: str) -> Client:
    client = Client(auth)
    r = await client.sign_up(email, name=name)
    assert r.status == 200, r.body
    return client


@pytest.mark.parametrize("cache", [False, True], ids=["store", "cookie-cache"])
async def test_get_session_answers_what_the_callback_returns(make_app: MakeApp, cache: bool) -> None:
    auth, _ = await make_app(shaped, session=CACHE if cache else {})
    alice = await signed_up(auth, "alice@example.com", "Alice")
    for _ in range(3):  # the first read may come from the store, the next from the cache
        r = await alice.get("/get-session")
        assert r.status == 200 and r.header("cache-control") == "no-store"
        body = r.json_body()
        assert set(body) == {"user", "session", "greeting"} and body["greeting"] == "hello Alice"
        assert set(body["user"]) == {"id", "name"}
        assert r.body == dumps(body)
    answer = await auth.api.get_session(headers={"cookie": alice.cookie_header()})
    assert answer["greeting"] == "hello Alice"


async def test_no_session_answers_null_without_calling_back(make_app: MakeApp) -> None:
    calls: list[Any] = []
    auth, _ = await make_app(lambda data, ctx: calls.append(data) or data)
    r = await Client(auth).get("/get-session")
    assert r.status == 200 and r.body == b"null" and calls == []


async def test_two_users_never_receive_each_others_answer(make_app: MakeApp) -> None:
    async def slow(data: dict[str, Any], ctx: Any) -> dict[str, Any]:
        await asyncio.sleep(0)  # interleave the requests
        return shaped(data, ctx)

    auth, _ = await make_app(slow, session=CACHE)
    alice = await signed_up(auth, "alice@example.com", "Alice")
    bob = await signed_up(auth, "bob@example.com", "Bob")
    ids = {"Alice": (await alice.get("/get-session")).json_body()["user"]["id"],
           "Bob": (await bob.get("/get-session")).json_body()["user"]["id"]}
    browsers = [(alice, "Alice"), (bob, "Bob")] * 20
    answers = await asyncio.gather(*(client.get("/get-session") for client, _ in browsers))
    for (_, name), r in zip(browsers, answers, strict=True):
        body = r.json_body()
        assert body["greeting"] == f"hello {name}" and body["user"]["id"] == ids[name]
    # the cache's per-cookie memo holds only the uncustomised body of that cookie's own session
    memo = auth.context.plugin_state["cookie_cache"]._memo
    assert memo
    for entry in memo.values():
        assert entry.body is None or b"greeting" not in entry.body


async def test_a_callback_changing_its_input_changes_nothing_else(make_app: MakeApp) -> None:
    seen_by_hook: list[str] = []

    def vandal(data: dict[str, Any], ctx: Any) -> dict[str, Any]:
        name = data["user"]["name"]
        data["user"]["name"] = "vandalised"
        data["session"].clear()
        return {"name": name}

    async def after(ctx: Any) -> None:
        seen_by_hook.append(ctx.session.user["name"])

    auth, _ = await make_app(vandal, session=CACHE, hooks={"after": [Hook(after, frozenset({"get_session"}))]})
    alice = await signed_up(auth, "alice@example.com", "Alice")
    for _ in range(3):
        assert (await alice.get("/get-session")).json_body() == {"name": "Alice"}
    assert seen_by_hook == ["Alice"] * 3
    data, _ = await auth.resolve_session({"cookie": alice.cookie_header()})
    assert data is not None and data.user["name"] == "Alice" and data.session["token"]


async def test_the_callback_sees_current_data(make_app: MakeApp) -> None:
    seen: list[dict[str, Any]] = []

    def record(data: dict[str, Any], ctx: Any) -> dict[str, Any]:
        seen.append(data)
        return data

    auth, clock = await make_app(record, session={**CACHE, "expires_in": 7 * 86400, "update_age": 86400})
    alice = await signed_up(auth, "alice@example.com", "Alice")
    first = (await alice.get("/get-session")).json_body()
    assert seen[-1]["user"]["name"] == "Alice"

    assert (await alice.post("/update-user", {"name": "Alice B."})).status == 200
    assert (await alice.get("/get-session")).json_body()["user"]["name"] == "Alice B."
    assert seen[-1]["user"]["name"] == "Alice B."

    clock.advance(86400 + 1)  # due to slide: the store extends the session, and the callback sees the new expiry
    answer = (await alice.get("/get-session")).json_body()
    stored = await auth.context.store.find_session(first["session"]["token"])
    assert stored is not None and seen[-1]["session"]["expiresAt"] == stored.session["expiresAt"]
    assert answer["session"]["expiresAt"] != first["session"]["expiresAt"]

    assert (await alice.get("/get-session", query="disableCookieCache=true")).status == 200
    assert seen[-1]["user"]["name"] == "Alice B."


async def test_an_async_callback_and_its_refusal(make_app: MakeApp) -> None:
    async def refuse(data: dict[str, Any], ctx: Any) -> dict[str, Any]:
        if data["user"]["name"] == "Mallory":
            raise APIError(403, "ACCOUNT_LOCKED", "Account locked")
        return {"ok": True}

    auth, _ = await make_app(refuse)
    assert (await (await signed_up(auth, "alice@example.com", "Alice")).get("/get-session")).json_body() == {"ok": True}
    r = await (await signed_up(auth, "mallory@example.com", "Mallory")).get("/get-session")
    assert r.status == 403 and r.json_body() == {"message": "Account locked", "code": "ACCOUNT_LOCKED"}


@pytest.mark.parametrize("mutate", [False, True])
async def test_list_device_sessions(make_app: MakeApp, mutate: bool) -> None:
    auth, _ = await make_app(shaped, plugins=(multi_session(),),
                             custom={"should_mutate_list_device_sessions_endpoint": mutate})
    browser = Client(auth)
    await browser.sign_up("alice@example.com", name="Alice")
    await browser.sign_up("bob@example.com", name="Bob")
    listed = (await browser.get("/multi-session/list-device-sessions")).json_body()
    assert len(listed) == 2
    if mutate:
        assert sorted(entry["greeting"] for entry in listed) == ["hello Alice", "hello Bob"]
    else:
        assert all(set(entry) == {"session", "user"} for entry in listed)
    assert (await browser.get("/get-session")).json_body()["greeting"] == "hello Bob"


def test_options_are_checked() -> None:
    with pytest.raises(ConfigError):
        custom_session("not a function")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        custom_session(shaped, unknown=True)
    plugin = make_auth(plugins=[custom_session(shaped)]).plugin(CustomSessionPlugin)
    assert plugin.fn is shaped


async def test_post_get_session_and_hooks_see_the_customised_answer(make_app: MakeApp) -> None:
    returned: list[Any] = []

    async def after(ctx: Any) -> None:
        returned.append(ctx.returned)

    auth, _ = await make_app(shaped, session={"defer_session_refresh": True},
                             hooks={"after": [Hook(after, frozenset({"get_session"}))]})
    alice = await signed_up(auth, "alice@example.com", "Alice")
    r = await alice.post("/get-session")
    assert r.status == 200 and r.json_body()["greeting"] == "hello Alice"
    assert returned[-1]["greeting"] == "hello Alice"


async def test_cookie_cache_hits_still_read_nothing_from_the_store(make_app: MakeApp) -> None:
    auth, _ = await make_app(shaped, session=CACHE)
    alice = await signed_up(auth, "alice@example.com", "Alice")
    store = auth.context.store
    reads: list[str] = []
    find_session = store.find_session

    async def counted(token: str) -> Any:
        reads.append(token)
        return await find_session(token)

    store.find_session = counted  # type: ignore[method-assign]
    for _ in range(5):
        assert (await alice.get("/get-session")).json_body()["greeting"] == "hello Alice"
    assert reads == []
    assert (await alice.get("/get-session", query="disableCookieCache=true")).status == 200
    assert len(reads) == 1
