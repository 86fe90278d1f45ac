import asyncio
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from tests._helpers import BASE, Client, signed_up
from tests.api.conftest import Clock, MakeApp, Outbox

from tessera import APIError, SessionData, Tessera
from tessera.db.adapter import Where

PASSWORD = "correct-horse-battery"
DELETED = {"success": True, "message": "User deleted"}


class Revocations:
    """Records what the revocation path is told (a cookie cache would stop honouring these)."""

    def __init__(self) -> None:
        self.users: list[str] = []

    def revoke(self, rows: list[dict[str, Any]]) -> None:
        return None

    def revoke_user(self, user_id: str, *, except_token: str | None = None) -> None:
        self.users.append(user_id)


class StaleCache:
    """A cookie cache that keeps answering for sessions the store has forgotten."""

    def __init__(self) -> None:
        self.entries: dict[str, SessionData] = {}

    def read(self, ctx: Any, token: str) -> SessionData | None:
        return self.entries.get(token)

    def write(self, ctx: Any, data: SessionData, *, dont_remember: bool = False) -> None:
        self.entries[data.token] = data


async def app(make_app: MakeApp, outbox: Outbox | None = None, clock: Clock | None = None, **config: Any) -> Tessera:
    delete_user: dict[str, Any] = {"enabled": True, **config}
    if outbox is not None:
        delete_user["send_delete_account_verification"] = outbox.callback("delete")
    options: dict[str, Any] = {"user": {"delete_user": delete_user}}
    if clock is not None:
        options["clock"] = clock
    return await make_app(**options)


async def user_exists(auth: Tessera, email: str = "alice@example.com") -> bool:
    return await auth.context.store.find_user_by_email(email) is not None


async def test_disabled_is_an_empty_404(make_app: MakeApp) -> None:
    auth = await make_app()
    client, _ = await signed_up(auth)
    r = await client.post("/delete-user", {})
    assert (r.status, r.body, r.header("content-type")) == (404, b"", "application/json")
    assert await user_exists(auth)
    r = await Client(auth).post("/delete-user", {})
    assert (r.status, r.json_body()["code"]) == (401, "UNAUTHORIZED")


async def test_fresh_session_deletes_everything(make_app: MakeApp) -> None:
    auth = await app(make_app)
    revocations = Revocations()
    auth.context.plugin_state["revocations"] = revocations
    client, user_id = await signed_up(auth)
    other_device = Client(auth)
    await other_device.sign_in()
    await signed_up(auth, "bob@example.com")
    r = await client.post("/delete-user", {})
    assert (r.status, r.json_body()) == (200, DELETED)
    for name in ["better-auth.session_token", "better-auth.session_data", "better-auth.dont_remember"]:
        assert "Max-Age=0" in r.set_cookies[name]
    assert not await user_exists(auth)
    assert await auth.adapter.count("account", [Where("userId", user_id)]) == 0
    assert await auth.adapter.count("session", [Where("userId", user_id)]) == 0
    assert revocations.users == [user_id]
    assert (await other_device.get("/get-session")).body == b"null"
    assert await user_exists(auth, "bob@example.com")


async def test_stale_session_needs_the_password(make_app: MakeApp) -> None:
    clock = Clock()
    auth = await app(make_app, clock=clock)
    client, _ = await signed_up(auth)
    clock.now += timedelta(days=1)  # sessions are fresh for fresh_age (86400 s) after their creation
    r = await client.post("/delete-user", {})
    assert (r.status, r.json_body()) == (
        400, {"message": "Session expired. Re-authenticate to perform this action.", "code": "SESSION_EXPIRED"}
    )
    r = await client.post("/delete-user", {"password": "wrong-password"})
    assert (r.status, r.json_body()) == (400, {"message": "Invalid password", "code": "INVALID_PASSWORD"})
    r = await client.post("/delete-user", {"password": "x" * 129})
    assert (r.status, r.json_body()["code"]) == (400, "PASSWORD_TOO_LONG")
    assert await user_exists(auth)
    r = await client.post("/delete-user", {"password": PASSWORD})
    assert r.json_body() == DELETED
    assert not await user_exists(auth)


async def test_fresh_age_zero_turns_freshness_off(make_app: MakeApp) -> None:
    clock = Clock()
    auth = await make_app(clock=clock, user={"delete_user": {"enabled": True}}, session={"fresh_age": 0})
    client, _ = await signed_up(auth)
    clock.now += timedelta(days=5)
    assert (await client.post("/delete-user", {})).json_body() == DELETED


async def test_password_without_a_credential_account(make_app: MakeApp) -> None:
    auth = await app(make_app)
    client, user_id = await signed_up(auth)
    await auth.adapter.update("account", [Where("userId", user_id)], {"providerId": "github"})
    r = await client.post("/delete-user", {"password": PASSWORD})
    assert (r.status, r.json_body()["code"]) == (400, "CREDENTIAL_ACCOUNT_NOT_FOUND")
    assert await user_exists(auth)


async def test_with_a_sender_deletion_waits_for_the_mailed_link(make_app: MakeApp, outbox: Outbox) -> None:
    clock = Clock()
    auth = await app(make_app, outbox, clock=clock)
    client, user_id = await signed_up(auth)
    r = await client.post("/delete-user", {"callbackURL": "/goodbye"})
    assert r.json_body() == {"success": True, "message": "Verification email sent"}
    assert await user_exists(auth)
    mail = outbox.last("delete")
    token = mail["token"]
    assert re.fullmatch(r"[0-9a-z]{32}", token)
    assert mail["url"] == f"{BASE}/api/auth/delete-user/callback?token={token}&callbackURL=%2Fgoodbye"
    assert mail["user"]["id"] == user_id
    row = await auth.adapter.find_one("verification", [Where("identifier", f"delete-account-{token}")])
    assert row is not None and row["value"] == user_id
    assert row["expiresAt"] == clock.now + timedelta(seconds=86400)

    r = await client.get("/delete-user/callback", query=urlsplit(mail["url"]).query)
    assert (r.status, r.header("location"), r.body) == (302, "/goodbye", b"")
    assert "Max-Age=0" in r.set_cookies["better-auth.session_token"]
    assert not await user_exists(auth)
    assert await auth.adapter.count("verification") == 0


async def test_callback_without_callback_url_answers_json(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox)
    client, _ = await signed_up(auth)
    await client.post("/delete-user", {})
    r = await client.get("/delete-user/callback", query=f"token={outbox.last('delete')['token']}")
    assert (r.status, r.json_body()) == (200, DELETED)
    assert not await user_exists(auth)


async def test_token_in_the_body_deletes_too(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox)
    client, _ = await signed_up(auth)
    await client.post("/delete-user", {})
    r = await client.post("/delete-user", {"token": outbox.last("delete")["token"]})
    assert r.json_body() == DELETED
    assert not await user_exists(auth)
    r = await Client(auth).post("/delete-user", {"token": "0" * 32})
    assert r.status == 401


async def test_a_token_works_only_for_its_own_user_and_is_burned(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox)
    alice, _ = await signed_up(auth)
    bob, _ = await signed_up(auth, "bob@example.com")
    await alice.post("/delete-user", {})
    token = outbox.last("delete")["token"]
    r = await bob.get("/delete-user/callback", query=f"token={token}")
    assert (r.status, r.json_body()) == (404, {"message": "Invalid token", "code": "INVALID_TOKEN"})
    assert await user_exists(auth) and await user_exists(auth, "bob@example.com")
    r = await alice.get("/delete-user/callback", query=f"token={token}")  # presented to the wrong user: spent
    assert (r.status, r.json_body()["code"]) == (404, "INVALID_TOKEN")
    assert await user_exists(auth)
    r = await bob.post("/delete-user", {"token": "not-a-token"})
    assert (r.status, r.json_body()["code"]) == (404, "INVALID_TOKEN")


async def test_expired_token_is_refused(make_app: MakeApp, outbox: Outbox) -> None:
    clock = Clock()
    auth = await app(make_app, outbox, clock=clock, delete_token_expires_in=600)
    client, _ = await signed_up(auth)
    await client.post("/delete-user", {})
    clock.now += timedelta(seconds=601)
    r = await client.get("/delete-user/callback", query=f"token={outbox.last('delete')['token']}")
    assert (r.status, r.json_body()["code"]) == (404, "INVALID_TOKEN")
    assert await user_exists(auth)


async def test_callback_needs_a_live_session_from_the_store(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox)
    cache = StaleCache()
    auth.context.plugin_state["cookie_cache"] = cache
    client, _ = await signed_up(auth)
    await client.post("/delete-user", {})
    token = outbox.last("delete")["token"]
    r = await Client(auth).get("/delete-user/callback", query=f"token={token}")
    assert (r.status, r.json_body()) == (404, {"message": "Failed to get user info", "code": "FAILED_TO_GET_USER_INFO"})
    # revoked in the store, still alive in the cookie cache: the deletion must not go through
    session_token = client.cookies["better-auth.session_token"].split(".")[0]
    await auth.context.store.delete_session(session_token)
    assert session_token in cache.entries
    r = await client.get("/delete-user/callback", query=f"token={token}")
    assert (r.status, r.json_body()["code"]) == (404, "FAILED_TO_GET_USER_INFO")
    assert await user_exists(auth)


async def test_callback_when_disabled(make_app: MakeApp) -> None:
    auth = await make_app()
    client, _ = await signed_up(auth)
    r = await client.get("/delete-user/callback", query="token=abc")
    assert (r.status, r.json_body()) == (404, {"message": "Not found", "code": "NOT_FOUND"})


async def test_callback_url_must_be_trusted(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox)
    client, _ = await signed_up(auth)
    for target in ["https://evil.com", "//evil.com"]:
        r = await client.post("/delete-user", {"callbackURL": target})
        assert (r.status, r.json_body()["code"]) == (403, "INVALID_CALLBACK_URL"), target
    await client.post("/delete-user", {})
    token = outbox.last("delete")["token"]
    for target in ["https%3A%2F%2Fevil.com", "%2F%2Fevil.com"]:
        r = await client.get("/delete-user/callback", query=f"token={token}&callbackURL={target}")
        assert (r.status, r.json_body()["code"]) == (403, "INVALID_CALLBACK_URL"), target
        assert r.header("location") is None
    assert await user_exists(auth)
    r = await client.get("/delete-user/callback", query=f"token={token}&callbackURL=%2Fbye")  # token unspent
    assert (r.status, r.header("location")) == (302, "/bye")


async def test_concurrent_callbacks_delete_once(make_app: MakeApp, outbox: Outbox) -> None:
    after = Outbox()
    auth = await app(make_app, outbox, after_delete=after.callback("after"))
    client, _ = await signed_up(auth)
    await client.post("/delete-user", {})
    token = outbox.last("delete")["token"]
    answers = await asyncio.gather(
        *(client.get("/delete-user/callback", query=f"token={token}") for _ in range(3))
    )
    assert sorted(r.status for r in answers) == [200, 404, 404]
    assert len(after.of("after")) == 1
    assert not await user_exists(auth)


async def test_before_and_after_hooks(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, before_delete=outbox.callback("before"), after_delete=outbox.callback("after"))
    client, user_id = await signed_up(auth)
    await client.post("/delete-user", {})
    assert [c["kind"] for c in outbox.calls] == ["before", "after"]
    assert all(c["user"]["id"] == user_id and c["request"] is not None for c in outbox.calls)

    async def refuse(**_: Any) -> None:
        raise APIError(400, None, "Settle your invoices first")

    auth = await app(make_app, before_delete=refuse)
    client, _ = await signed_up(auth)
    r = await client.post("/delete-user", {})
    assert (r.status, r.json_body()) == (400, {"message": "Settle your invoices first"})
    assert await user_exists(auth)
    assert (await client.get("/get-session")).json_body() is not None


async def test_server_api_call(make_app: MakeApp) -> None:
    auth = await make_app(user={"delete_user": {"enabled": True}})
    client, _ = await signed_up(auth)
    result = await auth.api.delete_user(body={}, headers={"cookie": client.cookie_header()})
    assert result == DELETED
    assert not await user_exists(auth)


async def test_a_vetoed_user_delete_removes_nothing(make_app: MakeApp) -> None:
    auth = await make_app(
        user={"delete_user": {"enabled": True}},
        database_hooks={"user": {"delete": {"before": lambda row, ctx: False}}},
    )
    client, user_id = await signed_up(auth)
    r = await client.post("/delete-user", {})
    assert (r.status, r.json_body()) == (400, {"message": "The user could not be deleted"})
    assert await user_exists(auth)
    assert await auth.adapter.count("account", [Where("userId", user_id)]) == 1
    assert (await client.get("/get-session")).json_body() is not None
