"""An app with the organization plugin on every database backend and three users signed in: Alice (who
creates organizations), Bob and Carol."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tessera import Tessera
from tessera.http import Response
from tests._helpers import Client, make_auth, signed_up
from tests._services import AdapterFactory

PASSWORD = "correct-horse-battery"


@dataclass
class World:
    auth: Tessera
    alice: Client
    alice_id: str
    bob: Client
    bob_id: str
    carol: Client
    carol_id: str

    async def org(self, slug: str = "acme", by: Client | None = None, **extra: Any) -> dict[str, Any]:
        r = await (by or self.alice).post("/organization/create", {"name": slug.title(), "slug": slug, **extra})
        assert r.status == 200, r.body
        body: dict[str, Any] = r.json_body()
        return body

    async def join(self, org_id: str, user_id: str, role: str = "member") -> dict[str, Any]:
        """Add a member directly (the server-only ``add-member``)."""
        member: dict[str, Any] = await self.auth.api.add_member(
            body={"userId": user_id, "role": role, "organizationId": org_id}
        )
        return member

    async def invite(self, org_id: str, email: str, role: str = "member", by: Client | None = None) -> Response:
        return await (by or self.alice).post(
            "/organization/invite-member", {"email": email, "role": role, "organizationId": org_id}
        )


MakeWorld = Callable[..., Awaitable[World]]


def code(r: Response) -> tuple[int, str | None]:
    body = r.json_body() if r.body else None
    return r.status, (body or {}).get("code")


async def populate(auth: Tessera) -> World:
    alice, alice_id = await signed_up(auth, "alice@example.com", "Alice")
    bob, bob_id = await signed_up(auth, "bob@example.com", "Bob")
    carol, carol_id = await signed_up(auth, "carol@example.com", "Carol")
    return World(auth, alice, alice_id, bob, bob_id, carol, carol_id)


def app(organization_options: dict[str, Any] | None = None, **options: Any) -> Tessera:
    from tessera.plugins.organization import organization

    return make_auth(plugins=[organization(**(organization_options or {}))], **options)


@pytest.fixture
def make_world(adapter_factory: AdapterFactory) -> MakeWorld:
    """``await make_world(organization_options={...}, **tessera_options)`` over this test's backend."""

    async def build(*, organization_options: dict[str, Any] | None = None, **options: Any) -> World:
        schema = app(organization_options, **options).schema
        auth = app(organization_options, database=await adapter_factory(schema), **options)
        return await populate(auth)

    return build


@pytest.fixture
def make_memory_world() -> MakeWorld:
    """The quick variant, on the memory adapter only, for option and validation cases."""

    async def build(*, organization_options: dict[str, Any] | None = None, **options: Any) -> World:
        return await populate(app(organization_options, **options))

    return build
