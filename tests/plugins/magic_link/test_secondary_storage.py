"""Links kept in secondary storage (``verification:<identifier>`` keys), as Better Auth keeps them there."""

from __future__ import annotations

from typing import Any

from tessera.plugins.magic_link import magic_link
from tessera.storage import MemoryStorage
from tests._helpers import Client, make_auth

ALICE = "alice@example.com"


async def test_a_magic_link_kept_in_secondary_storage_signs_in_once() -> None:
    mails: list[dict[str, Any]] = []
    storage = MemoryStorage()
    auth = make_auth(secondary_storage=storage, plugins=[magic_link(send_magic_link=lambda **m: mails.append(m))])
    await Client(auth).sign_up(ALICE)
    client = Client(auth)
    assert (await client.post("/sign-in/magic-link", {"email": ALICE})).status == 200
    await auth.context.background.drain()
    token = mails[-1]["token"]
    assert any(k.startswith("verification:") for k in storage._data)
    r = await client.get("/magic-link/verify", query=f"token={token}")
    assert r.status == 200 and r.json_body()["user"]["email"] == ALICE
    again = await Client(auth).get("/magic-link/verify", query=f"token={token}")
    assert again.status == 302 and "error=INVALID_TOKEN" in again.header("location")
