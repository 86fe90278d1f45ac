"""Every endpoint of the anonymous plugin and the link-on-sign-in hook, on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from tessera import Tessera
from tessera.errors import APIError, ConfigError
from tessera.plugins.anonymous import AnonymousPlugin, anonymous
from tests._helpers import Client, make_auth

from .conftest import MakeAuth


async def users(auth: Tessera) -> list[dict[str, Any]]:
    return await auth.context.adapter.find_many("user", [])


async def sessions(auth: Tessera) -> list[dict[str, Any]]:
    return await auth.context.adapter.find_many("session", [])


async def signed_in_anonymously(auth: Tessera) -> tuple[Client, dict[str, Any]]:
    client = Client(auth)
    r = await client.post("/sign-in/anonymous")
    assert r.status == 200, r.body
    return client, r.json_body()


async def test_sign_in_creates_an_anonymous_user_and_session(make_anon: MakeAuth) -> None:
    auth = await make_anon()
    client, body = await signed_in_anonymously(auth)
    assert set(body) == {"token", "user"}
    user = body["user"]
    assert user["isAnonymous"] is True and user["name"] == "Anonymous" and user["emailVerified"] is False
    local, _, domain = user["email"].partition("@")
    assert domain == "anonymous.placeholder.invalid" and len(local) == 32 and local.isalnum()
    session = (await client.get("/get-session")).json_body()
    assert session["user"]["id"] == user["id"] and session["session"]["token"] == body["token"]


async def test_custom_domain_name_and_generators(make_anon: MakeAuth) -> None:
    auth = await make_anon(email_domain_name="example.com", generate_name=lambda ctx: "Guest")
    _, body = await signed_in_anonymously(auth)
    assert body["user"]["email"].startswith("temp-") and body["user"]["email"].endswith("@example.com")
    assert body["user"]["name"] == "Guest"

    async def email() -> str:
        return "Guest-1@Example.com"

    async def name(ctx: Any) -> str:
        return ""  # empty: Better Auth falls back to "Anonymous"

    auth = await make_anon(generate_random_email=email, generate_name=name)
    _, body = await signed_in_anonymously(auth)
    assert body["user"]["email"] == "guest-1@example.com" and body["user"]["name"] == "Anonymous"


async def test_a_malformed_generated_email_is_refused_without_rows(make_anon: MakeAuth) -> None:
    auth = await make_anon(generate_random_email=lambda: "not an email")
    r = await Client(auth).post("/sign-in/anonymous")
    assert r.status == 400 and r.json_body()["code"] == "INVALID_EMAIL_FORMAT"
    assert await users(auth) == [] and await sessions(auth) == []


async def test_a_taken_generated_email_fails_without_rows(make_anon: MakeAuth) -> None:
    auth = await make_anon(generate_random_email=lambda: "fixed@example.com")
    await signed_in_anonymously(auth)
    r = await Client(auth).post("/sign-in/anonymous")
    assert r.status == 500 and r.json_body()["code"] == "FAILED_TO_CREATE_USER"
    assert len(await users(auth)) == 1 and len(await sessions(auth)) == 1


async def test_an_anonymous_session_cannot_sign_in_anonymously_again(make_anon: MakeAuth) -> None:
    auth = await make_anon()
    client, _ = await signed_in_anonymously(auth)
    r = await client.post("/sign-in/anonymous")
    assert r.status == 400 and r.json_body()["code"] == "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY"
    assert len(await users(auth)) == 1


async def test_is_anonymous_cannot_be_set_by_clients(make_anon: MakeAuth) -> None:
    auth = await make_anon()
    client = Client(auth)
    r = await client.sign_up(isAnonymous=True)
    assert r.status == 400 and r.json_body()["code"] == "FIELD_NOT_ALLOWED"
    assert await users(auth) == []
    client, _ = await signed_in_anonymously(auth)
    r = await client.post("/update-user", {"isAnonymous": False})
    assert r.status == 400
    assert (await client.get("/get-session")).json_body()["user"]["isAnonymous"] is True


async def test_delete_anonymous_user(make_anon: MakeAuth) -> None:
    auth = await make_anon()
    client, _ = await signed_in_anonymously(auth)
    r = await client.post("/delete-anonymous-user")
    assert r.status == 200 and r.json_body() == {"success": True}
    assert await users(auth) == [] and await sessions(auth) == []
    assert client.cookies == {}
    assert (await client.get("/get-session")).json_body() is None


async def test_delete_anonymous_user_refusals(make_anon: MakeAuth) -> None:
    auth = await make_anon()
    r = await Client(auth).post("/delete-anonymous-user")
    assert r.status == 401
    real = Client(auth)
    assert (await real.sign_up()).status == 200
    r = await real.post("/delete-anonymous-user")
    assert r.status == 403 and r.json_body()["code"] == "USER_IS_NOT_ANONYMOUS"
    assert len(await users(auth)) == 1

    auth = await make_anon(disable_delete_anonymous_user=True)
    client, _ = await signed_in_anonymously(auth)
    r = await client.post("/delete-anonymous-user")
    assert r.status == 400 and r.json_body()["code"] == "DELETE_ANONYMOUS_USER_DISABLED"
    assert len(await users(auth)) == 1


async def test_sign_up_links_and_deletes_the_anonymous_user(make_anon: MakeAuth) -> None:
    calls: list[tuple[Any, Any]] = []

    async def on_link_account(*, anonymous_user: Any, new_user: Any, ctx: Any) -> None:
        calls.append((anonymous_user, new_user))

    auth = await make_anon(on_link_account=on_link_account)
    client, anon = await signed_in_anonymously(auth)
    r = await client.sign_up()
    assert r.status == 200, r.body
    new_id = r.json_body()["user"]["id"]
    [(old, new)] = calls
    assert old.user_id == anon["user"]["id"] and old.token == anon["token"] and old.user["isAnonymous"] is True
    assert new.user_id == new_id and new.user["isAnonymous"] is False
    assert [u["id"] for u in await users(auth)] == [new_id]
    assert {s["userId"] for s in await sessions(auth)} == {new_id}
    assert (await client.get("/get-session")).json_body()["user"]["id"] == new_id


async def test_sign_in_links_and_deletes_the_anonymous_user(make_anon: MakeAuth) -> None:
    auth = await make_anon()
    assert (await Client(auth).sign_up()).status == 200
    client, anon = await signed_in_anonymously(auth)
    r = await client.sign_in()
    assert r.status == 200
    assert [u["email"] for u in await users(auth)] == ["alice@example.com"]
    assert await auth.context.store.find_session(anon["token"]) is None


async def test_failed_sign_in_and_plain_sessions_do_not_link(make_anon: MakeAuth) -> None:
    calls: list[Any] = []
    auth = await make_anon(on_link_account=lambda **kw: calls.append(kw))
    assert (await Client(auth).sign_up()).status == 200
    client, _ = await signed_in_anonymously(auth)
    r = await client.sign_in(password="wrong-password-here")
    assert r.status == 401
    assert calls == [] and len(await users(auth)) == 2
    # a real user signing in again: nothing anonymous about the request
    real = Client(auth)
    assert (await real.sign_in()).status == 200 and (await real.sign_in()).status == 200
    assert calls == []


async def test_disable_delete_keeps_the_anonymous_user(make_anon: MakeAuth) -> None:
    calls: list[Any] = []
    auth = await make_anon(disable_delete_anonymous_user=True, on_link_account=lambda **kw: calls.append(kw))
    client, _ = await signed_in_anonymously(auth)
    assert (await client.sign_up()).status == 200
    assert len(calls) == 1 and len(await users(auth)) == 2


async def test_a_failing_on_link_account_leaves_nothing_half_linked(make_anon: MakeAuth) -> None:
    def on_link_account(**kw: Any) -> None:
        raise APIError(400, "LINK_REFUSED", "no")

    auth = await make_anon(on_link_account=on_link_account)
    assert (await Client(auth).sign_up()).status == 200
    client, anon = await signed_in_anonymously(auth)
    before = {s["token"] for s in await sessions(auth)}
    r = await client.sign_in()
    assert r.status == 400 and r.json_body()["code"] == "LINK_REFUSED"
    # the anonymous user and its session are untouched; the new session is gone and its cookie never sent
    assert len(await users(auth)) == 2
    assert {s["token"] for s in await sessions(auth)} == before and anon["token"] in before
    assert (await client.get("/get-session")).json_body()["user"]["id"] == anon["user"]["id"]


async def test_cookie_cache_does_not_outlive_linking(make_anon: MakeAuth) -> None:
    auth = await make_anon(auth_options={"session": {"cookie_cache": {"enabled": True, "max_age": 300}}})
    client, _ = await signed_in_anonymously(auth)
    old_cookies = dict(client.cookies)
    assert any("session_data" in name for name in old_cookies)
    assert (await client.sign_up()).status == 200
    replay = Client(auth)
    replay.cookies = old_cookies
    assert (await replay.get("/get-session")).json_body() is None


async def test_cookie_cache_does_not_outlive_delete(make_anon: MakeAuth) -> None:
    auth = await make_anon(auth_options={"session": {"cookie_cache": {"enabled": True, "max_age": 300}}})
    client, _ = await signed_in_anonymously(auth)
    old_cookies = dict(client.cookies)
    assert (await client.post("/delete-anonymous-user")).status == 200
    replay = Client(auth)
    replay.cookies = old_cookies
    assert (await replay.get("/get-session")).json_body() is None


def test_typed_options_and_the_user_field() -> None:
    auth = make_auth(plugins=[anonymous(email_domain_name="example.org")])
    assert auth.plugin(AnonymousPlugin).options.email_domain_name == "example.org"
    assert "isAnonymous" in {f.name for f in auth.schema["user"].fields}


@pytest.mark.parametrize("options", [
    {"email_domain_name": "a@b"}, {"generate_name": "x"}, {"schema": {"user": {"fields": {"other": "x"}}}},
    {"unknown": 1},
])
def test_bad_options_are_config_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        anonymous(**options)


async def test_schema_renames_the_column(make_anon: MakeAuth) -> None:
    auth = await make_anon(schema={"user": {"fields": {"isAnonymous": "is_anonymous"}}})
    _, body = await signed_in_anonymously(auth)
    assert body["user"]["isAnonymous"] is True
