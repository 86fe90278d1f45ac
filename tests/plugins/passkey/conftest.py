"""An app with the passkey plugin on every backend (memory, SQLite, PostgreSQL, MySQL), a clock the tests move,
and two signed-in users (Alice and Bob), each with a software authenticator for this site."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from tessera import Tessera
from tessera.plugins.passkey import passkey
from tests._helpers import BASE, Client, make_auth
from tests._services import BACKENDS, AdapterPool, _memory
from tests._tokens import Clock

from .authenticator import SoftAuthenticator

RP_ID = "127.0.0.1"
CHALLENGE_COOKIE = "better-auth.better-auth-passkey"


@dataclass
class World:
    auth: Tessera
    clock: Clock
    alice: Client
    alice_id: str
    bob: Client
    bob_id: str

    def client(self) -> Client:
        return Client(self.auth)

    @staticmethod
    def authenticator(**kw: Any) -> SoftAuthenticator:
        kw.setdefault("origin", BASE)
        kw.setdefault("rp_id", RP_ID)
        return SoftAuthenticator(**kw)

    async def register(self, client: Client, device: SoftAuthenticator, **body: Any) -> dict[str, Any]:
        """The whole registration ceremony; the created passkey row as answered."""
        r = await client.get("/passkey/generate-register-options")
        assert r.status == 200, r.body
        r = await client.post("/passkey/verify-registration", {"response": device.register(r.json_body()), **body})
        assert r.status == 200, r.body
        answer: dict[str, Any] = r.json_body()
        return answer

    async def sign_in(self, client: Client, device: SoftAuthenticator, **kw: Any) -> Any:
        """The authentication ceremony from ``client``; the verify response."""
        r = await client.get("/passkey/generate-authenticate-options")
        assert r.status == 200, r.body
        return await client.post("/passkey/verify-authentication", {"response": device.authenticate(r.json_body(),
                                                                                                    **kw)})

    async def passkeys(self) -> list[dict[str, Any]]:
        return await self.auth.context.adapter.find_many("passkey", [])


MakeWorld = Callable[..., Awaitable[World]]


@pytest.fixture(params=BACKENDS)
def make_world(request: pytest.FixtureRequest) -> MakeWorld:
    """``await make_world(**passkey_options)`` on the backend this test runs on."""
    pool: AdapterPool | None = None
    if request.param != "memory":
        pool = request.getfixturevalue(f"{request.param}_adapters")

    async def build(plugins: tuple[Any, ...] = (), **options: Any) -> World:
        clock = Clock(datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC))

        def app(**extra: Any) -> Tessera:
            return make_auth(plugins=[passkey(**options), *plugins], clock=clock, **extra)

        database = await (_memory(app().schema) if pool is None else pool.get(app().schema))
        auth = app(database=database)
        alice, bob = Client(auth), Client(auth)
        r = await alice.sign_up()
        assert r.status == 200, r.body
        alice_id = r.json_body()["user"]["id"]
        r = await bob.sign_up(email="bob@example.com", name="Bob")
        assert r.status == 200, r.body
        return World(auth, clock, alice, alice_id, bob, r.json_body()["user"]["id"])

    return build
