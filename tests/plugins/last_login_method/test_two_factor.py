"""A sign-in stopped at a second-factor challenge records nothing; the step that finishes it records the first
factor's method (cookie and, with ``store_in_database``, column), on every backend and in either plugin order."""

from __future__ import annotations

from typing import Any

import pytest

from tessera import Tessera
from tessera.db.adapter import Where
from tessera.plugins.last_login_method import last_login_method
from tessera.plugins.two_factor import two_factor
from tessera.plugins.username import username
from tests._helpers import Client, make_auth
from tests._services import AdapterFactory

COOKIE = "better-auth.last_used_login_method"
PASSWORD = "correct-horse-battery"


async def app(adapter_factory: AdapterFactory, sent: list[str], order: str) -> Tessera:
    plugins: list[Any] = [two_factor(otp={"send_otp": lambda data, ctx: sent.append(data["otp"])}),
                          last_login_method(store_in_database=True), username()]
    if order == "last-login-first":
        plugins[:2] = plugins[1::-1]
    schema = make_auth(plugins=plugins).schema
    return make_auth(plugins=plugins, database=await adapter_factory(schema))


def cookie(r: Any) -> str | None:
    header = r.set_cookies.get(COOKIE)
    return header.split(";", 1)[0].split("=", 1)[1] if header else None


@pytest.mark.parametrize("order", ["two-factor-first", "last-login-first"])
async def test_the_second_factor_records_the_first_factors_method(adapter_factory: AdapterFactory, order: str) -> None:
    sent: list[str] = []
    auth = await app(adapter_factory, sent, order)
    owner = Client(auth)
    user_id = (await owner.sign_up(username="alice_1")).json_body()["user"]["id"]
    assert (await owner.post("/two-factor/enable", {"password": PASSWORD})).status == 200
    await auth.context.store.update_user(user_id, {"twoFactorEnabled": True})

    browser = Client(auth)
    r = await browser.post("/sign-in/username", {"username": "alice_1", "password": PASSWORD})
    assert r.status == 200 and r.json_body()["twoFactorRedirect"] is True
    assert cookie(r) is None
    user = await auth.context.store.find_user_by_id(user_id)
    assert user is not None and user["lastLoginMethod"] == "email"  # from the sign-up: unchanged by the challenge

    assert (await browser.post("/two-factor/send-otp")).status == 200
    r = await browser.post("/two-factor/verify-otp", {"code": sent[-1]})
    assert r.status == 200 and cookie(r) == "username"
    user = await auth.context.store.find_user_by_id(user_id)
    assert user is not None and user["lastLoginMethod"] == "username"
    assert await auth.context.adapter.find_many("verification", [Where("identifier", f"last-login-method:{user_id}")]) == []

    # a step-up verification by a signed-in user (no challenge cookie) records nothing
    assert (await browser.post("/two-factor/send-otp")).status == 200
    r = await browser.post("/two-factor/verify-otp", {"code": sent[-1]})
    assert r.status == 200 and cookie(r) is None
