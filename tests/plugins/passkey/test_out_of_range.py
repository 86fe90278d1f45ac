"""A passkey name no backend column can hold is a 400, never a 500 (MySQL's ``TEXT`` stops at 65,535 bytes)."""

from __future__ import annotations

import pytest

from tests.plugins.passkey.conftest import MakeWorld

TOO_BIG = ["i" * 70_000, "\u00e9" * 40_000, "\U0001f600" * 20_000]


@pytest.mark.parametrize("name", TOO_BIG, ids=["ascii", "two-byte", "four-byte"])
async def test_a_name_too_big_for_its_column_is_refused_on_register_and_rename(
    make_world: MakeWorld, name: str
) -> None:
    world = await make_world()
    device = world.authenticator()
    r = await world.alice.get("/passkey/generate-register-options")
    r = await world.alice.post("/passkey/verify-registration", {"response": device.register(r.json_body()), "name": name})
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR"), r.body
    assert await world.passkeys() == []

    created = await world.register(world.alice, world.authenticator(), name="laptop")
    r = await world.alice.post("/passkey/update-passkey", {"id": created["id"], "name": name})
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR"), r.body
    assert [row["name"] for row in await world.passkeys()] == ["laptop"]


@pytest.mark.parametrize("signed_in", [True, False], ids=["session", "passkey-first"])
async def test_a_context_too_big_to_keep_with_the_challenge_is_refused(make_world: MakeWorld,
                                                                       signed_in: bool) -> None:
    world = await make_world(registration={"require_session": False,
                                           "resolve_user": lambda **kw: {"id": "someone", "name": "someone"}})
    browser = world.alice if signed_in else world.client()
    r = await browser.get("/passkey/generate-register-options", query="context=" + "c" * 70_000)
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR"), r.body
