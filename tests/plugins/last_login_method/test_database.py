"""``store_in_database``: the user row's ``lastLoginMethod`` on every backend — set on sign-up, changed by a
sign-in with another method, written only when it changes, never settable by the client, and declared in the
schema so ``generate``/``migrate`` emit the column (under a custom name if asked)."""

from __future__ import annotations

from typing import Any

import pytest

from tessera import Tessera
from tessera.migrations import generate
from tessera.plugins.last_login_method import last_login_method
from tessera.plugins.username import username
from tests._helpers import Client, make_auth
from tests._services import AdapterFactory

PASSWORD = "correct-horse-battery"


async def app(adapter_factory: AdapterFactory, **options: Any) -> Tessera:
    plugins = [last_login_method(store_in_database=True, **options), username()]
    schema = make_auth(plugins=plugins).schema
    return make_auth(plugins=plugins, database=await adapter_factory(schema))


async def row(auth: Tessera, email: str = "alice@example.com") -> dict[str, Any]:
    user = await auth.context.adapter.find_one("user", [])
    assert user is not None and user["email"] == email
    return user


async def test_the_user_row_keeps_the_last_method(adapter_factory: AdapterFactory) -> None:
    auth = await app(adapter_factory)
    client = Client(auth)
    r = await client.sign_up(username="alice_1")
    assert r.status == 200 and r.json_body()["user"]["lastLoginMethod"] == "email"
    assert (await row(auth))["lastLoginMethod"] == "email"

    r = await Client(auth).post("/sign-in/username", {"username": "alice_1", "password": PASSWORD})
    assert r.status == 200 and r.json_body()["user"]["lastLoginMethod"] == "username"
    assert (await row(auth))["lastLoginMethod"] == "username"
    session = (await Client(auth).sign_in()).json_body()
    assert session["user"]["lastLoginMethod"] == "email"
    assert (await row(auth))["lastLoginMethod"] == "email"
    assert (await client.get("/get-session")).json_body()["user"]["lastLoginMethod"] == "email"


async def test_an_unchanged_method_is_not_written_again(adapter_factory: AdapterFactory) -> None:
    auth = await app(adapter_factory)
    await Client(auth).sign_up()
    before = (await row(auth))["updatedAt"]
    writes: list[dict[str, Any]] = []
    original = auth.context.store.update_user

    async def counting(user_id: str, data: Any) -> Any:
        writes.append(dict(data))
        return await original(user_id, data)

    auth.context.store.update_user = counting  # type: ignore[method-assign]
    for _ in range(3):
        assert (await Client(auth).sign_in()).status == 200
    assert writes == [] and (await row(auth))["updatedAt"] == before


async def test_the_client_cannot_set_it(adapter_factory: AdapterFactory) -> None:
    auth = await app(adapter_factory)
    client = Client(auth)
    r = await client.sign_up(lastLoginMethod="passkey")
    assert r.status == 400 and r.json_body()["code"] == "FIELD_NOT_ALLOWED"
    assert (await client.sign_up()).status == 200
    r = await client.post("/update-user", {"lastLoginMethod": "passkey"})
    assert r.status == 400 and r.json_body()["code"] == "FIELD_NOT_ALLOWED"
    assert (await row(auth))["lastLoginMethod"] == "email"


async def test_a_custom_column_name(adapter_factory: AdapterFactory) -> None:
    auth = await app(adapter_factory, schema={"user": {"lastLoginMethod": "last_login_method"}})
    field = auth.schema["user"].field("lastLoginMethod")
    assert field.column_name == "last_login_method"
    r = await Client(auth).sign_up()
    assert r.json_body()["user"]["lastLoginMethod"] == "email"
    assert (await row(auth))["lastLoginMethod"] == "email"


async def test_without_store_in_database_there_is_no_column(adapter_factory: AdapterFactory) -> None:
    plugins = [last_login_method()]
    auth = make_auth(plugins=plugins, database=await adapter_factory(make_auth(plugins=plugins).schema))
    r = await Client(auth).sign_up()
    assert r.status == 200 and "lastLoginMethod" not in r.json_body()["user"]
    assert "lastLoginMethod" not in await row(auth)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_generate_emits_the_column(dialect: str) -> None:
    text = generate(make_auth(plugins=[last_login_method(store_in_database=True)]), dialect=dialect)
    assert "lastLoginMethod" in text
    renamed = last_login_method(store_in_database=True, schema={"user": {"lastLoginMethod": "last_login_method"}})
    assert "last_login_method" in generate(make_auth(plugins=[renamed]), dialect=dialect)
    assert "lastLoginMethod" not in generate(make_auth(plugins=[last_login_method()]), dialect=dialect)


def test_options_are_checked() -> None:
    from tessera.errors import ConfigError

    for bad in ({"max_age": 0}, {"max_age": True}, {"cookie_name": "a;b"}, {"cookie_name": ""},
                {"custom_resolve_method": "email"}, {"schema": {"user": {"lastUsed": "x"}}},
                {"schema": {"session": {}}}):
        with pytest.raises(ConfigError):
            last_login_method(**bad)
