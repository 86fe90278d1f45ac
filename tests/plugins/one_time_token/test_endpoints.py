"""Every endpoint of the one-time-token plugin on every backend: generating, redeeming once, refusals, the
storage layout, and the options."""

from __future__ import annotations

import asyncio
from typing import Any

from tessera.plugins.magic_link import hash_token
from tessera.plugins.multi_session import multi_session
from tessera.plugins.one_time_token import CustomHasher
from tests._helpers import Client

from .conftest import MakeApp

SESSION = "better-auth.session_token"


async def signed_in(auth: Any) -> Client:
    client = Client(auth)
    r = await client.sign_up()
    assert r.status == 200, r.body
    return client


async def generate(client: Client) -> str:
    r = await client.get("/one-time-token/generate")
    assert r.status == 200, r.body
    assert r.header("cache-control") == "no-store"
    token = r.json_body()["token"]
    assert isinstance(token, str)
    return token


async def rows(auth: Any) -> list[dict[str, Any]]:
    return await auth.context.adapter.find_many("verification", [])


async def test_a_token_hands_the_session_to_another_browser_once(make_app: MakeApp) -> None:
    auth, _ = await make_app()
    alice = await signed_in(auth)
    own = (await alice.get("/get-session")).json_body()
    token = await generate(alice)
    assert len(token) == 32 and set(token) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
    stored = await rows(auth)
    assert [(r["identifier"], r["value"]) for r in stored] == [(f"one-time-token:{token}", own["session"]["token"])]

    other = Client(auth)
    r = await other.post("/one-time-token/verify", {"token": token})
    assert r.status == 200 and r.header("cache-control") == "no-store"
    body = r.json_body()
    assert set(body) == {"session", "user"}
    assert body["session"]["token"] == own["session"]["token"] and body["user"]["email"] == "alice@example.com"
    assert SESSION in r.set_cookies
    seen = (await other.get("/get-session")).json_body()
    assert seen["session"]["id"] == own["session"]["id"]
    assert await rows(auth) == []  # consumed

    again = await Client(auth).post("/one-time-token/verify", {"token": token})
    assert again.status == 400 and again.json_body() == {"message": "Invalid token", "code": "INVALID_TOKEN"}
    assert again.set_cookies == {}


async def test_concurrent_redemptions_give_the_session_exactly_once(make_app: MakeApp) -> None:
    auth, _ = await make_app()
    token = await generate(await signed_in(auth))
    answers = await asyncio.gather(*(Client(auth).post("/one-time-token/verify", {"token": token}) for _ in range(8)))
    assert sorted(r.status for r in answers) == [200] + [400] * 7
    assert sum(SESSION in r.set_cookies for r in answers) == 1


async def test_a_token_expires_after_expires_in_minutes(make_app: MakeApp) -> None:
    auth, clock = await make_app(expires_in=2)
    alice = await signed_in(auth)
    first = await generate(alice)
    second = await generate(alice)
    (row,) = [r for r in await rows(auth) if r["identifier"].endswith(first)]
    assert (row["expiresAt"] - clock.now).total_seconds() == 120
    clock.advance(119)
    assert (await Client(auth).post("/one-time-token/verify", {"token": first})).status == 200
    clock.advance(2)
    r = await Client(auth).post("/one-time-token/verify", {"token": second})
    assert r.status == 400 and r.json_body()["code"] == "INVALID_TOKEN"


async def test_the_default_lifetime_is_three_minutes(make_app: MakeApp) -> None:
    auth, clock = await make_app()
    await generate(await signed_in(auth))
    (row,) = await rows(auth)
    assert (row["expiresAt"] - clock.now).total_seconds() == 180


async def test_a_token_of_a_session_since_signed_out_is_refused(make_app: MakeApp) -> None:
    auth, _ = await make_app()
    alice = await signed_in(auth)
    token = await generate(alice)
    assert (await alice.post("/sign-out")).status == 200
    r = await Client(auth).post("/one-time-token/verify", {"token": token})
    assert r.status == 400 and r.json_body() == {"message": "Session not found", "code": "SESSION_NOT_FOUND"}
    assert r.set_cookies == {}
    assert await rows(auth) == []  # consumed all the same


async def test_a_token_of_an_expired_session_is_refused_without_a_cookie(make_app: MakeApp) -> None:
    auth, clock = await make_app(expires_in=60 * 24 * 30)
    alice = await signed_in(auth)
    token = await generate(alice)
    clock.advance(auth.context.session_config.expires_in + 1)
    r = await Client(auth).post("/one-time-token/verify", {"token": token})
    assert r.status == 400
    assert r.json_body() == {"message": "Session expired", "code": "ONE_TIME_TOKEN_SESSION_EXPIRED"}
    assert r.set_cookies == {}


async def test_generate_needs_a_session(make_app: MakeApp) -> None:
    auth, _ = await make_app()
    r = await Client(auth).get("/one-time-token/generate")
    assert r.status == 401 and r.json_body()["code"] == "UNAUTHORIZED"
    assert await rows(auth) == []


async def test_bad_bodies_are_validation_errors(make_app: MakeApp) -> None:
    auth, _ = await make_app()
    for body in ({}, {"token": 5}, {"token": None}, [], "x"):
        r = await Client(auth).post("/one-time-token/verify", body)
        assert r.status == 400 and r.json_body()["code"] == "VALIDATION_ERROR", (body, r.body)
    r = await Client(auth).post("/one-time-token/verify", {"token": ""})
    assert r.status == 400 and r.json_body()["code"] == "INVALID_TOKEN"
    r = await Client(auth).post("/one-time-token/verify", {"token": "x" * 100_000})
    assert r.status == 400 and r.json_body()["code"] == "INVALID_TOKEN"


async def test_hashed_storage_keeps_only_the_hash(make_app: MakeApp) -> None:
    auth, _ = await make_app(store_token="hashed")
    token = await generate(await signed_in(auth))
    (row,) = await rows(auth)
    assert row["identifier"] == f"one-time-token:{hash_token(token)}"
    r = await Client(auth).post("/one-time-token/verify", {"token": hash_token(token)})
    assert r.status == 400  # the stored form is not a token
    assert (await Client(auth).post("/one-time-token/verify", {"token": token})).status == 200


async def test_a_custom_hasher_and_generator(make_app: MakeApp) -> None:
    seen: list[dict[str, Any]] = []

    async def make_token(session: dict[str, Any], ctx: Any) -> str:
        seen.append(session)
        return "custom-" + session["user"]["id"]

    async def reverse(token: str) -> str:
        return token[::-1]

    auth, _ = await make_app(generate_token=make_token, store_token={"type": "custom-hasher", "hash": reverse})
    alice = await signed_in(auth)
    token = await generate(alice)
    user_id = seen[0]["user"]["id"]
    assert token == f"custom-{user_id}" and set(seen[0]) == {"session", "user"}
    (row,) = await rows(auth)
    assert row["identifier"] == "one-time-token:" + token[::-1]
    assert (await Client(auth).post("/one-time-token/verify", {"token": token})).status == 200

    auth, _ = await make_app(store_token=CustomHasher(reverse), generate_token=lambda s, c: "sync-token")
    assert await generate(await signed_in(auth)) == "sync-token"


async def test_disable_client_request_leaves_only_the_server_call(make_app: MakeApp) -> None:
    auth, _ = await make_app(disable_client_request=True)
    alice = await signed_in(auth)
    r = await alice.get("/one-time-token/generate")
    assert r.status == 400
    assert r.json_body() == {"message": "Client requests are disabled", "code": "CLIENT_REQUESTS_DISABLED"}
    assert await rows(auth) == []
    answer = await auth.api.generate_one_time_token(headers={"cookie": alice.cookie_header()})
    assert (await Client(auth).post("/one-time-token/verify", {"token": answer["token"]})).status == 200


async def test_disable_set_session_cookie_answers_the_session_only(make_app: MakeApp) -> None:
    auth, _ = await make_app(disable_set_session_cookie=True)
    token = await generate(await signed_in(auth))
    r = await Client(auth).post("/one-time-token/verify", {"token": token})
    assert r.status == 200 and r.json_body()["user"]["email"] == "alice@example.com"
    assert r.set_cookies == {}


async def test_server_calls(make_app: MakeApp) -> None:
    auth, _ = await make_app()
    alice = await signed_in(auth)
    token = (await auth.api.generate_one_time_token(headers={"cookie": alice.cookie_header()}))["token"]
    data = await auth.api.verify_one_time_token(body={"token": token})
    assert data["user"]["email"] == "alice@example.com"


async def test_set_ott_header_on_every_new_session(make_app: MakeApp) -> None:
    auth, _ = await make_app(set_ott_header_on_new_session=True)
    client = Client(auth)
    r = await client.sign_up()
    ott = r.header("set-ott")
    assert ott and r.header("access-control-expose-headers") == "set-ott"
    r = await client.sign_in(headers=[])
    ott2 = r.header("set-ott")
    assert ott2 and ott2 != ott
    assert (await client.get("/get-session")).header("set-ott") is None  # no new session there
    refused = await Client(auth).sign_in(password="wrong-password-here")
    assert refused.status == 401 and refused.header("set-ott") is None
    r = await Client(auth).post("/one-time-token/verify", {"token": ott2})
    assert r.status == 200 and r.json_body()["session"]["token"] == client.cookies[SESSION].split(".")[0]


async def test_the_session_handed_over_joins_the_browsers_sessions(make_app: MakeApp) -> None:
    auth, _ = await make_app(plugins=(multi_session(),))
    token = await generate(await signed_in(auth))
    r = await Client(auth).post("/one-time-token/verify", {"token": token})
    assert any("_multi-" in name for name in r.set_cookies)
