from datetime import timedelta
from typing import Any

from tests._helpers import Client, signed_up
from tests.api.conftest import Clock, MakeApp

from tessera import APIError, Tessera
from tessera.db.adapter import Where

PASSWORD = "correct-horse-battery"


async def link_github(auth: Tessera, user_id: str, **extra: Any) -> dict[str, Any]:
    return await auth.context.store.create_account(
        {
            "accountId": f"gh-{user_id}",
            "providerId": "github",
            "userId": user_id,
            "accessToken": "gho_secret",
            "refreshToken": "ghr_secret",
            "idToken": "id.token.secret",
            **extra,
        }
    )


async def test_list_accounts_without_secrets(make_app: MakeApp) -> None:
    auth = await make_app()
    client, user_id = await signed_up(auth)
    await signed_up(auth, "bob@example.com")
    github = await link_github(auth, user_id, scope="read:user, user:email,,repo")
    r = await client.get("/list-accounts")
    assert r.status == 200
    accounts = {a["providerId"]: a for a in r.json_body()}
    assert set(accounts) == {"credential", "github"}  # Bob's account is not listed
    for account in accounts.values():
        assert set(account) == {"id", "providerId", "accountId", "userId", "createdAt", "updatedAt", "scopes"}
        assert account["userId"] == user_id
    assert accounts["credential"]["scopes"] == [] and accounts["credential"]["accountId"] == user_id
    assert accounts["github"]["scopes"] == ["read:user", "user:email", "repo"]
    assert accounts["github"]["id"] == github["id"]
    assert b"secret" not in r.body and b"password" not in r.body


async def test_list_accounts_needs_a_session(make_app: MakeApp) -> None:
    r = await Client(await make_app()).get("/list-accounts")
    assert (r.status, r.json_body()["code"]) == (401, "UNAUTHORIZED")


async def test_unlink_an_account_by_its_row_id(make_app: MakeApp) -> None:
    auth = await make_app()
    client, user_id = await signed_up(auth)
    github = await link_github(auth, user_id)
    r = await client.post("/unlink-account", {"accountId": github["id"]})
    assert (r.status, r.json_body()) == (200, {"status": True})
    assert [a["providerId"] for a in (await client.get("/list-accounts")).json_body()] == ["credential"]
    assert (await Client(auth).sign_in()).status == 200


async def test_the_last_account_stays(make_app: MakeApp) -> None:
    auth = await make_app()
    client, user_id = await signed_up(auth)
    credential = await auth.context.store.find_credential_account(user_id)
    assert credential is not None
    r = await client.post("/unlink-account", {"accountId": credential["id"]})
    assert (r.status, r.json_body()) == (
        400, {"message": "You can't unlink your last account", "code": "FAILED_TO_UNLINK_LAST_ACCOUNT"}
    )
    assert await auth.adapter.count("account", [Where("userId", user_id)]) == 1


async def test_unlinking_the_last_account_can_be_allowed(make_app: MakeApp) -> None:
    auth = await make_app(account={"account_linking": {"allow_unlinking_all": True}})
    client, user_id = await signed_up(auth)
    credential = await auth.context.store.find_credential_account(user_id)
    assert credential is not None
    assert (await client.post("/unlink-account", {"accountId": credential["id"]})).json_body() == {"status": True}
    assert await auth.adapter.count("account", [Where("userId", user_id)]) == 0


async def test_only_your_own_accounts_can_be_unlinked(make_app: MakeApp) -> None:
    auth = await make_app()
    alice, alice_id = await signed_up(auth)
    await link_github(auth, alice_id)
    _, bob_id = await signed_up(auth, "bob@example.com")
    bobs = await link_github(auth, bob_id)
    for account_id in [bobs["id"], "no-such-account"]:
        r = await alice.post("/unlink-account", {"accountId": account_id})
        assert (r.status, r.json_body()) == (400, {"message": "Account not found", "code": "ACCOUNT_NOT_FOUND"})
    assert await auth.adapter.count("account", [Where("userId", bob_id)]) == 2


async def test_unlink_needs_a_fresh_session_and_the_1_7_body(make_app: MakeApp) -> None:
    clock = Clock()
    auth = await make_app(clock=clock)
    client, user_id = await signed_up(auth)
    github = await link_github(auth, user_id)
    r = await client.post("/unlink-account", {"providerId": "github"})  # the pre-1.7 body
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")
    clock.now += timedelta(days=1, seconds=1)
    r = await client.post("/unlink-account", {"accountId": github["id"]})
    assert (r.status, r.json_body()["code"]) == (403, "SESSION_NOT_FRESH")
    assert await auth.adapter.count("account", [Where("userId", user_id)]) == 2


async def test_verify_password(make_app: MakeApp) -> None:
    auth = await make_app()
    client, user_id = await signed_up(auth)
    assert (await client.post("/verify-password", {"password": PASSWORD})).json_body() == {"status": True}
    r = await client.post("/verify-password", {"password": "not-my-password"})
    assert (r.status, r.json_body()) == (400, {"message": "Invalid password", "code": "INVALID_PASSWORD"})
    r = await client.post("/verify-password", {"password": "x" * 129})
    assert (r.status, r.json_body()["code"]) == (400, "PASSWORD_TOO_LONG")
    await auth.adapter.update("account", [Where("userId", user_id)], {"providerId": "github"})
    r = await client.post("/verify-password", {"password": PASSWORD})  # no password on file: just invalid
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_PASSWORD")


async def test_verify_password_checks_the_session_user_only(make_app: MakeApp) -> None:
    auth = await make_app()
    await signed_up(auth)
    bob, _ = await signed_up(auth, "bob@example.com")
    await auth.context.store.set_password(
        (await auth.context.store.find_user_by_email("bob@example.com"))["id"],  # type: ignore[index]
        await auth.context.email_and_password.password.hash("bobs-other-password"),
    )
    r = await bob.post("/verify-password", {"password": PASSWORD})  # Alice's password, Bob's session
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_PASSWORD")
    r = await Client(auth).post("/verify-password", {"password": PASSWORD})
    assert (r.status, r.json_body()["code"]) == (401, "UNAUTHORIZED")


async def test_server_api_calls(make_app: MakeApp) -> None:
    auth = await make_app()
    client, _ = await signed_up(auth)
    headers = {"cookie": client.cookie_header()}
    assert await auth.api.verify_password(body={"password": PASSWORD}, headers=headers) == {"status": True}
    accounts = await auth.api.list_user_accounts(headers=headers)
    assert [a["providerId"] for a in accounts] == ["credential"]
    try:
        await auth.api.verify_password(body={"password": "wrong-password"}, headers=headers)
    except APIError as exc:
        assert (exc.status, exc.code) == (400, "INVALID_PASSWORD")
    else:
        raise AssertionError("a wrong password was accepted")
