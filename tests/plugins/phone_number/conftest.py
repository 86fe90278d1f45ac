"""An app with the phone-number plugin on every database backend, a clock the tests move, and an SMS outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tessera import Tessera
from tessera.db.adapter import Where
from tessera.plugins.phone_number import phone_number
from tests._helpers import Client, make_auth
from tests._services import AdapterFactory, _memory
from tests._tokens import Clock
from tests.plugins._support import OutboxWorld

PASSWORD = "correct-horse-battery"
ALICE_PHONE = "+15550100"


class World(OutboxWorld):
    """``sent``: ``{"phoneNumber", "code", "kind"}``, ``kind`` being ``"otp"`` (send_otp) or ``"reset"``."""

    def code(self, phone: str, kind: str = "otp") -> str:
        for sms in reversed(self.sent):
            if sms["phoneNumber"] == phone and sms["kind"] == kind:
                return str(sms["code"])
        raise AssertionError(f"no {kind} code sent to {phone}")

    async def rows(self, prefix: str = "phone-number-") -> list[dict[str, Any]]:
        return await self.auth.context.adapter.find_many("verification", [Where("identifier", prefix, "starts_with")])

    async def users(self, **where: Any) -> list[dict[str, Any]]:
        return await self.auth.context.adapter.find_many("user", [Where(k, v) for k, v in where.items()])

    async def send(self, phone: str = ALICE_PHONE) -> str:
        r = await self.client().post("/phone-number/send-otp", {"phoneNumber": phone})
        assert (r.status, r.json_body()) == (200, {"message": "code sent"}), r.body
        return self.code(phone)

    async def alice(self, phone: str = ALICE_PHONE) -> tuple[Client, str]:
        """A signed-up user (with a password) who proved ``phone``: her browser and her id."""
        browser = self.client()
        r = await browser.sign_up()
        assert r.status == 200, r.body
        code = await self.send(phone)
        r = await browser.post("/phone-number/verify", {"phoneNumber": phone, "code": code, "updatePhoneNumber": True})
        assert r.status == 200, r.body
        return browser, str(r.json_body()["user"]["id"])


MakeWorld = Callable[..., Awaitable[World]]


def build(adapter_factory: AdapterFactory) -> MakeWorld:
    async def make(*, tessera: dict[str, Any] | None = None, plugins: tuple[Any, ...] = (),
                   **options: Any) -> World:
        clock = Clock(datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC))
        sent: list[dict[str, Any]] = []
        options.setdefault("send_otp", lambda data, ctx: sent.append({**data, "kind": "otp"}))
        options.setdefault("send_password_reset_otp", lambda data, ctx: sent.append({**data, "kind": "reset"}))

        def app(**extra: Any) -> Tessera:
            return make_auth(plugins=[*plugins, phone_number(**options)], clock=clock, **(tessera or {}), **extra)

        return World(app(database=await adapter_factory(app().schema)), clock, sent)

    return make

#: the quick variant, on the memory adapter only
memory_world = build(_memory)


@pytest.fixture
def make_world(adapter_factory: AdapterFactory) -> MakeWorld:
    """``await make_world(**phone_number_options, tessera={...}, plugins=(...))`` on every backend."""
    return build(adapter_factory)
