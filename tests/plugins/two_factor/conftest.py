"""An app with the two-factor plugin on memory, SQLite and PostgreSQL, a clock the tests move, and a user
(Alice) signed in with 2FA not yet enabled."""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tessera import Tessera
from tessera.plugins.two_factor import hotp, two_factor
from tests._helpers import Client, make_auth
from tests._services import AdapterPool, _memory

PASSWORD = "correct-horse-battery"
BACKENDS = ["memory", "sqlite", "postgresql"]


class Clock:
    """Now, as the tests say; starts mid-step so ±1-step windows are unambiguous."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 12, 0, 10, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class World:
    auth: Tessera
    clock: Clock
    alice: Client
    alice_id: str
    sent: list[str] = field(default_factory=list)

    def client(self) -> Client:
        return Client(self.auth)

    def code(self, key: bytes, steps: int = 0) -> str:
        return hotp(key, int(self.clock.now.timestamp()) // 30 + steps)

    async def sessions(self, user_id: str | None = None) -> list[dict[str, Any]]:
        return await self.auth.context.store.list_sessions(user_id or self.alice_id)

    async def enable_totp(self, client: Client | None = None) -> tuple[bytes, list[str]]:
        """Turn 2FA on for Alice with TOTP (enable + first code); the secret's key and the backup codes."""
        client = client or self.alice
        r = await client.post("/two-factor/enable", {"password": PASSWORD})
        assert r.status == 200, r.body
        enabled = r.json_body()
        key = key_of(enabled["totpURI"])
        r = await client.post("/two-factor/verify-totp", {"code": self.code(key)})
        assert r.status == 200, r.body
        self.clock.advance(30)  # a fresh step: the enabling code is not the one later tests send
        return key, list(enabled["backupCodes"])

    async def view_codes(self) -> list[str]:
        answer = await self.auth.api.view_backup_codes(body={"userId": self.alice_id})
        return list(answer["backupCodes"])

    async def challenge(self, **extra: Any) -> Client:
        """A fresh browser that passed the password step: it holds the ``two_factor`` cookie."""
        client = self.client()
        r = await client.sign_in(**extra)
        assert r.status == 200 and r.json_body()["twoFactorRedirect"] is True, r.body
        return client


def key_of(uri: str) -> bytes:
    match = re.search(r"secret=([A-Z2-7]+)", uri)
    assert match, uri
    secret = match.group(1)
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


MakeWorld = Callable[..., Awaitable[World]]


@pytest.fixture(params=BACKENDS)
def make_world(request: pytest.FixtureRequest) -> MakeWorld:
    """``await make_world(**two_factor_options)`` on the backend this test runs on."""
    pool: AdapterPool | None = None
    if request.param != "memory":
        pool = request.getfixturevalue(f"{request.param}_adapters")

    async def build(**options: Any) -> World:
        clock = Clock()
        sent: list[str] = []
        options.setdefault("otp", {"send_otp": lambda data, ctx: sent.append(data["otp"])})

        def app(**extra: Any) -> Tessera:
            return make_auth(plugins=[two_factor(**options)], clock=clock, **extra)

        database = await (_memory(app().schema) if pool is None else pool.get(app().schema))
        auth = app(database=database)
        alice = Client(auth)
        r = await alice.sign_up()
        assert r.status == 200, r.body
        return World(auth, clock, alice, r.json_body()["user"]["id"], sent)

    return build
