"""Validation, normalisation and their order; writes that do not go through the checked endpoints; the schema."""

from __future__ import annotations

import pytest

from tessera.errors import APIError, ConfigError
from tessera.migrations import generate
from tessera.plugins.username import UsernamePlugin, ValidationOrder, username
from tests._helpers import make_auth

from .conftest import MakeWorld


async def test_custom_validators(make_memory_world: MakeWorld) -> None:
    async def no_admins(name: str) -> bool:
        return "admin" not in name

    world = await make_memory_world(username_validator=no_admins, display_username_validator=lambda d: d != "Bad",
                                    min_username_length=4, max_username_length=8)
    assert (await world.sign_up(username="superadmin"))[1].status == 400
    assert (await world.sign_up(username="abc"))[1].json_body()["code"] == "USERNAME_TOO_SHORT"
    assert (await world.sign_up(username="abcdefghi"))[1].json_body()["code"] == "USERNAME_TOO_LONG"
    _, r = await world.sign_up(username="carol", displayUsername="Bad")
    assert r.json_body()["code"] == "INVALID_DISPLAY_USERNAME"
    _, r = await world.sign_up(username="w space")  # the custom validator replaces the default one
    assert r.status == 200 and r.json_body()["user"]["username"] == "w space"
    assert await world.users(email="carol@example.com") == []


async def test_normalisation_off_and_custom(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(username_normalization=False,
                                    display_username_normalization=lambda d: d.strip().title())
    _, r = await world.sign_up(username="CaseKept", displayUsername="  shown name ")
    user = r.json_body()["user"]
    assert (user["username"], user["displayUsername"]) == ("CaseKept", "Shown Name")
    assert (await world.sign_in("casekept")).status == 401
    assert (await world.sign_in("CaseKept")).status == 200


async def test_validation_order_post_normalisation(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(username_normalization=lambda u: u.strip().lower(),
                                    validation_order={"username": "post-normalization"})
    _, r = await world.sign_up(username="  Alice  ")
    assert r.status == 200 and r.json_body()["user"]["username"] == "alice"
    pre = await make_memory_world(username_normalization=lambda u: u.strip().lower())
    assert (await pre.sign_up(username="  Alice  "))[1].json_body()["code"] == "INVALID_USERNAME"


async def test_immutable_username(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(immutable_username=True)
    alice, _ = await world.sign_up(username="alice")
    r = await alice.post("/update-user", {"username": "other"})
    assert (r.status, r.json_body()["code"]) == (400, "USERNAME_IS_IMMUTABLE")
    assert (await alice.post("/update-user", {"username": "ALICE"})).status == 200
    bob, _ = await world.sign_up("bob@example.com")
    assert (await bob.post("/update-user", {"username": "bobby"})).status == 200  # none set yet


async def test_without_display_username(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(display_username=False)
    assert "displayUsername" not in [f.name for f in world.auth.schema["user"].fields]
    _, r = await world.sign_up(username="alice")
    assert r.status == 200 and "displayUsername" not in r.json_body()["user"]


async def test_direct_writes_are_checked_and_normalised(make_memory_world: MakeWorld) -> None:
    """Outside /sign-up/email and /update-user the database hooks check (Better Auth's databaseHooks)."""
    world = await make_memory_world()
    store = world.auth.context.store
    row = await store.create_user({"name": "A", "email": "a@example.com", "emailVerified": False,
                                   "username": "Direct"})
    assert (row["username"], row["displayUsername"]) == ("direct", "Direct")
    with pytest.raises(APIError) as taken:
        await store.create_user({"name": "B", "email": "b@example.com", "emailVerified": False,
                                 "username": "DIRECT"})
    assert taken.value.code == "USERNAME_IS_ALREADY_TAKEN"
    with pytest.raises(APIError) as short:
        await store.update_user(row["id"], {"username": "x"})
    assert short.value.code == "USERNAME_TOO_SHORT"
    assert [u["email"] for u in await world.users()] == ["a@example.com"]


async def test_direct_api_calls(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world()
    await world.sign_up(username="alice")
    assert await world.auth.api.is_username_available(body={"username": "alice"}) == {"available": False}
    answer = await world.auth.api.sign_in_username(body={"username": "alice", "password": "correct-horse-battery"})
    assert answer["user"]["username"] == "alice"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_generate_emits_the_unique_index(dialect: str) -> None:
    text = generate(make_auth(plugins=[username()]), dialect=dialect)
    assert "user_username_uidx" in text and "displayUsername" in text


def test_options_are_checked() -> None:
    for bad in ({"min_username_length": 0}, {"min_username_length": 10, "max_username_length": 5},
                {"validation_order": {"username": "later"}}, {"username_normalization": "lower"},
                {"unknown": 1}):
        with pytest.raises(ConfigError):
            username(**bad)
    plugin = username(validation_order={"displayUsername": "post-normalization"})
    assert isinstance(plugin, UsernamePlugin)
    assert plugin.options.validation_order == ValidationOrder("pre-normalization", "post-normalization")
    assert plugin.error_codes is not None and "USERNAME_IS_IMMUTABLE" in plugin.error_codes.all()
