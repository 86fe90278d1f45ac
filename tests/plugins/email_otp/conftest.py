"""An app with the email-OTP plugin on every database backend, a clock the tests move, and an outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tessera import Tessera
from tessera.plugins.email_otp import email_otp
from tests._helpers import make_auth
from tests._services import AdapterFactory
from tests._tokens import Clock
from tests.plugins._support import OutboxWorld

PASSWORD = "correct-horse-battery"


class World(OutboxWorld):
    def code(self, email: str, otp_type: str) -> str:
        for mail in reversed(self.sent):
            if mail["email"] == email and mail["type"] == otp_type:
                return str(mail["otp"])
        raise AssertionError(f"no {otp_type} code sent to {email}")

    async def rows(self, prefix: str = "") -> list[dict[str, Any]]:
        from tessera.db.adapter import Where

        where = [Where("identifier", prefix, "starts_with")] if prefix else []
        return await self.auth.context.adapter.find_many("verification", where)

    async def send(self, email: str, otp_type: str = "sign-in") -> str:
        r = await self.client().post("/email-otp/send-verification-otp", {"email": email, "type": otp_type})
        assert r.status == 200, r.body
        return self.code(email.lower(), otp_type)


MakeWorld = Callable[..., Awaitable[World]]


@pytest.fixture
def make_world(adapter_factory: AdapterFactory) -> MakeWorld:
    """``await make_world(email_otp_options..., tessera={...})`` on the backend this test runs on."""

    async def build(*, tessera: dict[str, Any] | None = None, plugins: tuple[Any, ...] = (),
                    **options: Any) -> World:
        clock = Clock(datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC))
        sent: list[dict[str, Any]] = []
        options.setdefault("send_verification_otp", lambda data, ctx: sent.append(dict(data)))

        def app(**extra: Any) -> Tessera:
            return make_auth(plugins=[email_otp(**options), *plugins], clock=clock, **(tessera or {}), **extra)

        auth = app(database=await adapter_factory(app().schema))
        return World(auth, clock, sent)

    return build
