import asyncio
import re
from datetime import timedelta
from typing import Any

from tests._helpers import BASE, Client
from tests.api.conftest import Clock, FailingHook, MakeApp, Outbox

from tessera import APIError, Tessera
from tessera.db.adapter import Where
from tessera.email import Mailer, MemoryEmailSender

MESSAGE = "If this email exists in our system, check your email for the reset link"
OLD, NEW = "correct-horse-battery", "new-password-123"


async def app_with_mail(make_app: MakeApp, outbox: Outbox, **ep: Any) -> Tessera:
    clock = ep.pop("clock", None)
    options: dict[str, Any] = {"email_and_password": {"send_reset_password": outbox.callback("reset"), **ep}}
    if clock is not None:
        options["clock"] = clock
    return await make_app(**options)


async def request_token(client: Client, outbox: Outbox, email: str = "alice@example.com") -> str:
    r = await client.post("/request-password-reset", {"email": email, "redirectTo": "/reset"})
    assert r.status == 200
    return str(outbox.last("reset")["token"])


async def test_request_mails_a_24_char_token_link_and_stores_it(make_app: MakeApp, outbox: Outbox) -> None:
    clock = Clock()
    auth = await app_with_mail(make_app, outbox, clock=clock)
    client = Client(auth)
    user = (await client.sign_up()).json_body()["user"]
    r = await Client(auth).post("/request-password-reset", {"email": "alice@example.com", "redirectTo": "/reset"})
    assert (r.status, r.json_body()) == (200, {"status": True, "message": MESSAGE})
    mail = outbox.last("reset")
    token = mail["token"]
    assert re.fullmatch(r"[A-Za-z0-9]{24}", token)
    assert mail["url"] == f"{BASE}/api/auth/reset-password/{token}?callbackURL=%2Freset"
    assert mail["user"]["id"] == user["id"] and mail["user"]["email"] == "alice@example.com"
    assert "password" not in mail["user"]
    assert mail["request"] is not None
    row = await auth.adapter.find_one("verification", [Where("identifier", f"reset-password:{token}")])
    assert row is not None and row["value"] == user["id"]
    assert row["expiresAt"] == clock.now + timedelta(seconds=3600)


async def test_link_defaults_callback_to_root(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    await Client(auth).sign_up()
    await auth.api.request_password_reset(body={"email": "ALICE@example.com"})
    assert outbox.last("reset")["url"].endswith("?callbackURL=%2F")


async def test_unknown_email_gets_the_same_answer_after_the_same_work(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    await Client(auth).sign_up()
    operations: list[str] | None = getattr(auth.adapter, "operations", None)

    async def ask(email: str) -> tuple[Any, ...]:
        start = len(operations) if operations is not None else 0
        r = await Client(auth).post("/request-password-reset", {"email": email})
        work = [op.split()[1] for op in operations[start:]] if operations is not None else None
        return r.status, r.body, sorted(r.headers), work

    known, unknown = await ask("alice@example.com"), await ask("nobody@example.com")
    assert known[:3] == unknown[:3]
    if operations is not None:  # memory adapter: the same tables touched, as often
        assert known[3] == unknown[3] == ["user", "verification"]
    assert len(outbox.of("reset")) == 1
    assert await auth.adapter.count("verification") == 1


async def test_request_without_a_sender_is_disabled(make_app: MakeApp) -> None:
    auth = await make_app()
    r = await Client(auth).post("/request-password-reset", {"email": "alice@example.com"})
    assert (r.status, r.json_body()) == (
        400, {"message": "Reset password isn't enabled", "code": "RESET_PASSWORD_DISABLED"}
    )


async def test_request_validates_email_and_redirect_target(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    client = Client(auth)
    r = await client.post("/request-password-reset", {"email": "not-an-email"})
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")
    for target in ["https://evil.com/reset", "//evil.com", "/\\evil.com"]:
        r = await client.post("/request-password-reset", {"email": "alice@example.com", "redirectTo": target})
        assert (r.status, r.json_body()["code"]) == (403, "INVALID_REDIRECT_URL"), target
    assert outbox.calls == []


async def test_reset_link_hands_a_live_token_to_the_callback(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    await Client(auth).sign_up()
    token = await request_token(Client(auth), outbox)
    client = Client(auth)
    r = await client.get(f"/reset-password/{token}", query="callbackURL=%2Freset")
    assert (r.status, r.header("location"), r.body) == (302, f"{BASE}/reset?token={token}", b"")
    r = await client.get(f"/reset-password/{token}", query="callbackURL=http%3A%2F%2F127.0.0.1%3A3000%2Fr%3Fa%3D1")
    assert r.header("location") == f"{BASE}/r?a=1&token={token}"
    r = await client.get(f"/reset-password/{token}", query="callbackURL=%2Fr%3Ftoken%3Dstale")  # replaced, not added
    assert r.header("location") == f"{BASE}/r?token={token}"
    # looking at the link does not use it up
    assert await auth.adapter.count("verification") == 1


async def test_reset_link_with_a_dead_token_says_so(make_app: MakeApp, outbox: Outbox) -> None:
    clock = Clock()
    auth = await app_with_mail(make_app, outbox, clock=clock)
    await Client(auth).sign_up()
    token = await request_token(Client(auth), outbox)
    r = await Client(auth).get("/reset-password/not-a-token", query="callbackURL=%2Freset")
    assert (r.status, r.header("location")) == (302, f"{BASE}/reset?error=INVALID_TOKEN")
    r = await Client(auth).get(f"/reset-password/{token}", query="callbackURL=")
    assert (r.status, r.header("location")) == (302, f"{BASE}/api/auth/error?error=INVALID_TOKEN")
    clock.now += timedelta(seconds=3601)
    r = await Client(auth).get(f"/reset-password/{token}", query="callbackURL=%2Freset")
    assert (r.status, r.header("location")) == (302, f"{BASE}/reset?error=INVALID_TOKEN")


async def test_reset_link_refuses_untrusted_or_missing_callbacks(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    await Client(auth).sign_up()
    token = await request_token(Client(auth), outbox)
    for target in ["https%3A%2F%2Fevil.com", "%2F%2Fevil.com", "https%3A%2F%2F127.0.0.1.evil.com"]:
        r = await Client(auth).get(f"/reset-password/{token}", query=f"callbackURL={target}")
        assert (r.status, r.json_body()["code"]) == (403, "INVALID_CALLBACK_URL"), target
        assert r.header("location") is None
    r = await Client(auth).get(f"/reset-password/{token}")
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")


async def test_reset_sets_the_password_once(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    await Client(auth).sign_up()
    token = await request_token(Client(auth), outbox)
    r = await Client(auth).post("/reset-password", {"newPassword": NEW, "token": token})
    assert (r.status, r.json_body()) == (200, {"status": True})
    assert (await Client(auth).sign_in(password=NEW)).status == 200
    assert (await Client(auth).sign_in(password=OLD)).status == 401
    r = await Client(auth).post("/reset-password", {"newPassword": "third-password-1", "token": token})
    assert (r.status, r.json_body()) == (400, {"message": "Invalid token", "code": "INVALID_TOKEN"})
    assert (await Client(auth).sign_in(password=NEW)).status == 200


async def test_reset_takes_the_token_from_the_query_too(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    await Client(auth).sign_up()
    token = await request_token(Client(auth), outbox)
    r = await Client(auth).post("/reset-password", {"newPassword": NEW}, query=f"token={token}")
    assert r.json_body() == {"status": True}
    assert (await Client(auth).sign_in(password=NEW)).status == 200


async def test_reset_refuses_missing_unknown_and_expired_tokens(make_app: MakeApp, outbox: Outbox) -> None:
    clock = Clock()
    auth = await app_with_mail(make_app, outbox, clock=clock)
    await Client(auth).sign_up()
    token = await request_token(Client(auth), outbox)
    for body in [{"newPassword": NEW}, {"newPassword": NEW, "token": "x" * 24}]:
        r = await Client(auth).post("/reset-password", body)
        assert (r.status, r.json_body()["code"]) == (400, "INVALID_TOKEN")
    clock.now += timedelta(seconds=3601)
    r = await Client(auth).post("/reset-password", {"newPassword": NEW, "token": token})
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_TOKEN")
    assert (await Client(auth).sign_in()).status == 200


async def test_password_policy_is_checked_before_the_token_is_spent(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    await Client(auth).sign_up()
    token = await request_token(Client(auth), outbox)
    r = await Client(auth).post("/reset-password", {"newPassword": "short", "token": token})
    assert (r.status, r.json_body()["code"]) == (400, "PASSWORD_TOO_SHORT")
    r = await Client(auth).post("/reset-password", {"newPassword": "x" * 129, "token": token})
    assert (r.status, r.json_body()["code"]) == (400, "PASSWORD_TOO_LONG")
    r = await Client(auth).post("/reset-password", {"newPassword": NEW, "token": token})
    assert r.json_body() == {"status": True}


async def test_concurrent_resets_with_one_token_succeed_once(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    await Client(auth).sign_up()
    token = await request_token(Client(auth), outbox)
    passwords = [f"racer-password-{i}" for i in range(4)]
    answers = await asyncio.gather(
        *(Client(auth).post("/reset-password", {"newPassword": p, "token": token}) for p in passwords)
    )
    statuses = [r.status for r in answers]
    assert sorted(statuses) == [200, 400, 400, 400]
    winner = passwords[statuses.index(200)]
    for p in passwords:
        expected = 200 if p == winner else 401
        assert (await Client(auth).sign_in(password=p)).status == expected


async def test_a_token_resets_only_the_user_it_was_issued_for(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    await Client(auth).sign_up()
    bob = Client(auth)
    await bob.sign_up(email="bob@example.com")
    alice_token = await request_token(Client(auth), outbox)
    # presented from Bob's session, Alice's token still resets Alice and nobody else
    assert (await bob.post("/reset-password", {"newPassword": NEW, "token": alice_token})).status == 200
    assert (await Client(auth).sign_in(password=NEW)).status == 200
    assert (await Client(auth).sign_in(email="bob@example.com", password=OLD)).status == 200
    assert (await Client(auth).sign_in(email="bob@example.com", password=NEW)).status == 401


async def test_reset_keeps_sessions_unless_told_to_revoke_them(make_app: MakeApp, outbox: Outbox) -> None:
    for revoke in (False, True):
        outbox.calls.clear()
        auth = await app_with_mail(make_app, outbox, revoke_sessions_on_password_reset=revoke)
        signed_in = Client(auth)
        await signed_in.sign_up()
        token = await request_token(Client(auth), outbox)
        await Client(auth).post("/reset-password", {"newPassword": NEW, "token": token})
        still_in = (await signed_in.get("/get-session")).json_body() is not None
        assert still_in is not revoke


async def test_on_password_reset_is_told_which_user(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox, on_password_reset=outbox.callback("after-reset"))
    user = (await Client(auth).sign_up()).json_body()["user"]
    token = await request_token(Client(auth), outbox)
    await Client(auth).post("/reset-password", {"newPassword": NEW, "token": token})
    call = outbox.last("after-reset")
    assert call["user"]["id"] == user["id"] and "password" not in call["user"]
    assert call["request"] is not None


async def test_reset_creates_the_credential_account_when_missing(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    user = (await Client(auth).sign_up()).json_body()["user"]
    await auth.adapter.delete_many("account", [Where("userId", user["id"])])  # e.g. a social-only user
    token = await request_token(Client(auth), outbox)
    assert (await Client(auth).post("/reset-password", {"newPassword": NEW, "token": token})).status == 200
    account = await auth.context.store.find_credential_account(user["id"])
    assert account is not None and account["accountId"] == user["id"]
    assert (await Client(auth).sign_in(password=NEW)).status == 200


async def test_a_failing_step_leaves_the_token_password_and_sessions_untouched(
    make_app: MakeApp, outbox: Outbox
) -> None:
    # revoking the sessions is the last step: when it fails, the new password and the spent token roll back
    hook = FailingHook()
    auth = await make_app(
        email_and_password={"send_reset_password": outbox.callback("reset"), "revoke_sessions_on_password_reset": True},
        database_hooks={"session": {"delete": {"before": hook}}},
    )
    signed_in = Client(auth)
    await signed_in.sign_up()
    token = await request_token(Client(auth), outbox)
    r = await Client(auth).post("/reset-password", {"newPassword": NEW, "token": token})
    assert r.status == 500
    assert (await signed_in.get("/get-session")).json_body() is not None
    assert (await Client(auth).sign_in(password=NEW)).status == 401
    assert await auth.context.store.find_verification("reset-password:" + token) is not None
    hook.on = False  # the failure passes: the same link still works, once
    assert (await Client(auth).post("/reset-password", {"newPassword": NEW, "token": token})).status == 200
    assert (await signed_in.get("/get-session")).body == b"null"
    assert (await Client(auth).sign_in(password=NEW)).status == 200


async def test_a_failing_account_creation_keeps_the_token(make_app: MakeApp, outbox: Outbox) -> None:
    hook = FailingHook()
    auth = await make_app(
        email_and_password={"send_reset_password": outbox.callback("reset")},
        database_hooks={"account": {"create": {"before": hook}}},
    )
    hook.on = False
    user = (await Client(auth).sign_up()).json_body()["user"]
    hook.on = True
    await auth.adapter.delete_many("account", [Where("userId", user["id"])])  # a social-only user
    token = await request_token(Client(auth), outbox)
    assert (await Client(auth).post("/reset-password", {"newPassword": NEW, "token": token})).status == 500
    assert await auth.context.store.find_credential_account(user["id"]) is None
    assert await auth.context.store.find_verification("reset-password:" + token) is not None


async def test_a_vetoed_password_update_is_refused_and_keeps_the_token(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await make_app(
        email_and_password={"send_reset_password": outbox.callback("reset")},
        database_hooks={"account": {"update": {"before": lambda data, ctx: False}}},
    )
    await Client(auth).sign_up()
    token = await request_token(Client(auth), outbox)
    r = await Client(auth).post("/reset-password", {"newPassword": NEW, "token": token})
    assert (r.status, r.json_body()) == (400, {"message": "The password could not be changed"})
    assert await auth.adapter.count("account") == 1  # no second credential account was created instead
    assert (await Client(auth).sign_in(password=OLD)).status == 200
    assert await auth.context.store.find_verification("reset-password:" + token) is not None


async def test_reset_for_a_vanished_user_is_user_not_found(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app_with_mail(make_app, outbox)
    await auth.context.store.create_verification("reset-password:" + "g" * 24, "ghost-user-id", 3600)
    r = await Client(auth).post("/reset-password", {"newPassword": NEW, "token": "g" * 24})
    assert (r.status, r.json_body()["code"]) == (400, "USER_NOT_FOUND")


async def test_server_api_and_mailer_wiring(make_app: MakeApp) -> None:
    sender = MemoryEmailSender()
    mailer = Mailer(sender, app_name="Acme")
    auth = await make_app(email_and_password={"send_reset_password": mailer.send_reset_password})
    await auth.api.sign_up_email(body={"name": "Alice", "email": "alice@example.com", "password": OLD})
    answer = await auth.api.request_password_reset(body={"email": "alice@example.com", "redirectTo": "/reset"})
    assert answer == {"status": True, "message": MESSAGE}
    mail = sender.last("alice@example.com")
    url = re.search(r"http\S+", mail.text)
    assert url is not None and url.group(0).startswith(f"{BASE}/api/auth/reset-password/")
    token = url.group(0).split("/reset-password/")[1].split("?")[0]
    assert await auth.api.reset_password(body={"newPassword": NEW, "token": token}) == {"status": True}
    try:
        await auth.api.reset_password(body={"newPassword": NEW, "token": token})
    except APIError as exc:
        assert (exc.status, exc.code) == (400, "INVALID_TOKEN")
    else:
        raise AssertionError("a used token was accepted")


async def test_there_is_no_forget_password_route(make_app: MakeApp) -> None:
    r = await Client(await make_app()).post("/forget-password", {"email": "alice@example.com"})
    assert (r.status, r.body) == (404, b"")
