"""``/sign-in/username``, ``/is-username-available`` and the sign-up / update-user checks, on every backend."""

from __future__ import annotations

import pytest

from tessera.http import Response

from .conftest import PASSWORD, MakeWorld

ALICE = "alice@example.com"


def code(r: Response) -> tuple[int, str | None]:
    return r.status, r.json_body().get("code")


async def test_sign_up_stores_normalised_username_and_display(make_world: MakeWorld) -> None:
    world = await make_world()
    _, r = await world.sign_up(username="Alice.Smith")
    assert r.status == 200, r.body
    user = r.json_body()["user"]
    assert (user["username"], user["displayUsername"]) == ("alice.smith", "Alice.Smith")
    [row] = await world.users(username="alice.smith")
    assert row["displayUsername"] == "Alice.Smith"


async def test_sign_in_by_username_answers_as_sign_in_email(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.sign_up(username="alice")
    browser = world.client()
    r = await world.sign_in("ALICE", client=browser, callbackURL="/dash")
    assert r.status == 200, r.body
    body = r.json_body()
    assert body["redirect"] is True and body["url"] == "/dash" and body["user"]["username"] == "alice"
    assert r.header("location") == "/dash"
    session = (await browser.get("/get-session")).json_body()
    assert session["user"]["email"] == ALICE and session["session"]["token"] == body["token"]
    r = await world.sign_in("alice")
    assert r.status == 200 and r.json_body()["redirect"] is False and "url" not in r.json_body()


async def test_sign_in_refusals(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.sign_up(username="alice")
    assert code(await world.sign_in("alice", "wrong-password-123")) == (401, "INVALID_USERNAME_OR_PASSWORD")
    assert code(await world.sign_in("nobody")) == (401, "INVALID_USERNAME_OR_PASSWORD")
    assert code(await world.sign_in("")) == (401, "INVALID_USERNAME_OR_PASSWORD")
    assert code(await world.sign_in("alice", "")) == (401, "INVALID_USERNAME_OR_PASSWORD")
    assert code(await world.sign_in("al")) == (422, "USERNAME_TOO_SHORT")
    assert code(await world.sign_in("a" * 31)) == (422, "USERNAME_TOO_LONG")
    assert code(await world.sign_in("al ice")) == (422, "INVALID_USERNAME")
    assert code(await world.sign_in("alice", "x" * 200)) == (400, "PASSWORD_TOO_LONG")
    r = await world.client().post("/sign-in/username", {"username": "alice"})
    assert code(r) == (400, "VALIDATION_ERROR")
    r = await world.client().post("/sign-in/username", {"username": 5, "password": PASSWORD})
    assert code(r) == (400, "VALIDATION_ERROR")


async def test_is_username_available(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.sign_up(username="alice")

    async def ask(name: object) -> Response:
        return await world.client().post("/is-username-available", {"username": name})

    r = await ask("ALICE")
    assert r.status == 200 and r.json_body() == {"available": False}
    r = await ask("bob")
    assert r.status == 200 and r.json_body() == {"available": True}
    assert code(await ask("")) == (422, "INVALID_USERNAME")
    assert code(await ask("ab")) == (422, "USERNAME_TOO_SHORT")
    assert code(await ask("bad name")) == (422, "INVALID_USERNAME")
    assert code(await ask(None)) == (400, "VALIDATION_ERROR")


@pytest.mark.parametrize(("name", "expected"), [
    ("ab", "USERNAME_TOO_SHORT"), ("a" * 31, "USERNAME_TOO_LONG"), ("no spaces", "INVALID_USERNAME"),
    ("émile", "INVALID_USERNAME"),
])
async def test_sign_up_refuses_bad_usernames_without_rows(make_world: MakeWorld, name: str, expected: str) -> None:
    world = await make_world()
    _, r = await world.sign_up(username=name)
    assert code(r) == (400, expected)
    assert await world.users() == []


async def test_sign_up_refuses_a_taken_username(make_world: MakeWorld) -> None:
    world = await make_world()
    await world.sign_up(username="alice")
    _, r = await world.sign_up("other@example.com", username="Alice")
    assert code(r) == (400, "USERNAME_IS_ALREADY_TAKEN")
    assert [u["email"] for u in await world.users()] == [ALICE]


async def test_update_user_changes_checks_and_keeps_own_username(make_world: MakeWorld) -> None:
    world = await make_world()
    alice, _ = await world.sign_up(username="alice")
    await world.sign_up("bob@example.com", username="bob")
    assert code(await alice.post("/update-user", {"username": "BOB"})) == (400, "USERNAME_IS_ALREADY_TAKEN")
    assert code(await alice.post("/update-user", {"username": "x"})) == (400, "USERNAME_TOO_SHORT")
    r = await alice.post("/update-user", {"username": "Alice"})  # its own, in another case
    assert r.status == 200, r.body
    r = await alice.post("/update-user", {"username": "Alicia", "displayUsername": "Ms Alicia"})
    assert r.status == 200, r.body
    [row] = await world.users(email=ALICE)
    assert (row["username"], row["displayUsername"]) == ("alicia", "Ms Alicia")
    assert code(await world.client().post("/update-user", {"username": "carol"})) == (401, "UNAUTHORIZED")


async def test_display_username_alone_becomes_the_username(make_world: MakeWorld) -> None:
    world = await make_world()
    _, r = await world.sign_up(displayUsername="Alice_B")
    assert r.status == 200, r.body
    user = r.json_body()["user"]
    assert (user["username"], user["displayUsername"]) == ("alice_b", "Alice_B")
    # not a valid username: kept as the display name only
    _, r = await world.sign_up("bob@example.com", displayUsername="Bob Builder")
    assert r.status == 200, r.body
    assert r.json_body()["user"].get("username") is None
    assert r.json_body()["user"]["displayUsername"] == "Bob Builder"


async def test_plain_sign_up_needs_no_username(make_world: MakeWorld) -> None:
    world = await make_world()
    _, r = await world.sign_up()
    assert r.status == 200 and r.json_body()["user"]["username"] is None
    _, r = await world.sign_up("bob@example.com")
    assert r.status == 200  # many users without a username: NULLs do not collide in the unique index
