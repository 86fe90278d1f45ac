"""An app with the siwe plugin on the backend the test runs on (every one, or memory for the quick tests).

Signatures are faked: ``verify_message`` accepts ``"signed-by:<lowercase address>"``, so a test signs a message
for an address by saying so, and a wrong "signature" is refused as a real one would be."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tessera import Tessera
from tessera.db.adapter import Where
from tessera.plugins.siwe import siwe
from tests._helpers import Client, make_auth
from tests._services import AdapterFactory, _memory

DOMAIN = "example.com"
ALICE = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
ALICE_CHECKSUM = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
BOB = "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"


def message(address: str = ALICE, nonce: str = "abcdefgh12", *, domain: str = DOMAIN, chain_id: Any = 1,
            extra: str = "") -> str:
    return (
        f"{domain} wants you to sign in with your Ethereum account:\n{address}\n\nSign in to Example\n\n"
        f"URI: https://{domain}\nVersion: 1\nChain ID: {chain_id}\nNonce: {nonce}\n"
        f"Issued At: 2026-01-01T00:00:00.000Z{extra}"
    )


def signature(address: str) -> str:
    return f"signed-by:{address.lower()}"


@dataclass
class World:
    auth: Tessera
    verified: list[dict[str, Any]] = field(default_factory=list)

    def client(self) -> Client:
        return Client(self.auth)

    async def nonce(self, client: Client | None = None) -> str:
        r = await (client or self.client()).post("/siwe/nonce", {})
        assert r.status == 200, r.json_body()
        return str(r.json_body()["nonce"])

    async def sign_in(self, address: str = ALICE, *, client: Client | None = None, chain_id: Any = 1,
                      domain: str = DOMAIN, sig: str | None = None, extra: str = "", **body: Any) -> Any:
        client = client or self.client()
        nonce = await self.nonce(client)
        text = message(address, nonce, domain=domain, chain_id=chain_id, extra=extra)
        return await client.post("/siwe/verify", {"message": text, "signature": sig or signature(address), **body})

    async def rows(self, model: str, **where: Any) -> list[dict[str, Any]]:
        return await self.auth.context.adapter.find_many(model, [Where(k, v) for k, v in where.items()])


MakeWorld = Callable[..., Awaitable[World]]


def build(adapter_factory: AdapterFactory) -> MakeWorld:
    async def make(*, plugins: tuple[Any, ...] = (), tessera: dict[str, Any] | None = None,
                   **options: Any) -> World:
        counter = itertools.count()
        verified: list[dict[str, Any]] = []

        async def get_nonce() -> str:
            return f"nonce{next(counter):08d}x"

        async def verify_message(**args: Any) -> bool:
            verified.append(args)
            return bool(args["signature"] == signature(args["address"]))

        settings = {"domain": DOMAIN, "get_nonce": get_nonce, "verify_message": verify_message, **options}

        def app(**extra: Any) -> Tessera:
            return make_auth(plugins=[*plugins, siwe(**settings)], **(tessera or {}), **extra)

        return World(app(database=await adapter_factory(app().schema)), verified)

    return make


@pytest.fixture
def make_world(adapter_factory: AdapterFactory) -> MakeWorld:
    """``await make_world(**siwe_options)`` over every backend."""
    return build(adapter_factory)


@pytest.fixture
def make_memory_world() -> MakeWorld:
    """The quick variant, on the memory adapter only."""
    return build(_memory)
