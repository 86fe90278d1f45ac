"""An app with the magic-link plugin, an outbox the sender writes to, on the backend the test runs on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tessera import Tessera
from tessera.plugins.magic_link import magic_link
from tests._helpers import Client, make_auth
from tests._services import AdapterFactory, _memory


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class World:
    auth: Tessera
    clock: Clock
    outbox: list[dict[str, Any]] = field(default_factory=list)

    def client(self, origin: str | None = "http://127.0.0.1:3000") -> Client:
        return Client(self.auth, origin)

    def last_link(self, email: str | None = None) -> dict[str, Any]:
        mails = [m for m in self.outbox if email is None or m["email"] == email]
        assert mails, self.outbox
        return mails[-1]

    def last_token(self, email: str | None = None) -> str:
        return str(self.last_link(email)["token"])

    def link_query(self, email: str | None = None) -> dict[str, str]:
        url = self.last_link(email)["url"]
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    async def request_link(self, client: Client | None = None, **body: Any) -> str:
        body.setdefault("email", "alice@example.com")
        r = await (client or self.client()).post("/sign-in/magic-link", body)
        assert r.status == 200 and r.json_body() == {"status": True}, r.body
        return self.last_token(body["email"])


MakeWorld = Callable[..., Awaitable[World]]


def build(adapter_factory: AdapterFactory) -> MakeWorld:
    async def make(*, plugins: tuple[Any, ...] = (), **options: Any) -> World:
        world_outbox: list[dict[str, Any]] = []
        clock = Clock()

        def send(**mail: Any) -> None:
            world_outbox.append(mail)

        def app(**extra: Any) -> Tessera:
            plugin = magic_link(send_magic_link=send, **options)
            return make_auth(plugins=[*plugins, plugin], clock=clock, **extra)

        auth = app(database=await adapter_factory(app().schema))
        return World(auth, clock, world_outbox)

    return make


@pytest.fixture
def make_world(adapter_factory: AdapterFactory) -> MakeWorld:
    """``await make_world(**magic_link_options)`` over every backend."""
    return build(adapter_factory)


@pytest.fixture
def make_memory_world() -> MakeWorld:
    """The quick variant, on the memory adapter only."""
    return build(_memory)
