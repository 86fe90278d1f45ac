"""Provider tokens on the account: encrypted at rest, handed out fresh, refreshed at the real provider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tessera import APIError, Tessera
from tessera.crypto.symmetric import symmetric_decrypt
from tests._helpers import SECRET, Client
from tests.oauth.conftest import Provider, make_oauth_auth, social_sign_in


async def _signed_in(provider: Provider, sub: str, **options: Any) -> tuple[Tessera, Client, dict[str, Any]]:
    provider.set_user(sub, email=f"{sub}@example.com", email_verified=True, name=sub.title())
    auth = make_oauth_auth(provider, **options)
    browser = Client(auth)
    r = await social_sign_in(browser, provider, sub)
    assert r.status == 302
    [account] = [a for a in await auth.adapter.find_many("account") if a["providerId"] == "idp"]
    return auth, browser, account


def _userinfo_status(provider: Provider, access_token: str) -> int:
    return provider.http.get("/userinfo", headers={"authorization": f"Bearer {access_token}"}).status_code


async def test_tokens_are_encrypted_at_rest_in_better_auths_format(provider: Provider) -> None:
    _, browser, account = await _signed_in(provider, "enc", account={"encrypt_oauth_tokens": True})
    sealed = account["accessToken"]
    assert all(c in "0123456789abcdef" for c in sealed) and len(sealed) > 80  # hex(nonce || ct || tag)
    plain = symmetric_decrypt(SECRET, sealed)
    assert _userinfo_status(provider, plain) == 200  # the real token, usable at the provider
    assert symmetric_decrypt(SECRET, account["refreshToken"]) != account["refreshToken"]
    r = await browser.post("/get-access-token", {"accountId": account["id"]})
    assert r.status == 200
    body = r.json_body()
    assert body["accessToken"] == plain and set(body["scopes"]) == {"openid", "email", "profile"}
    assert body["idToken"] == account["idToken"] and body["accessTokenExpiresAt"].endswith("Z")


async def test_tokens_follow_secret_rotation(provider: Provider) -> None:
    """Under ``secrets`` the tokens are ``$ba$<current>$`` envelopes, and stay readable after the next rotation."""
    old, new = "rotation-old-secret-0123456789abcdef", "rotation-new-secret-0123456789abcdef"
    auth, _, account = await _signed_in(
        provider, "rot", account={"encrypt_oauth_tokens": True}, secrets=[{"version": 1, "value": old}]
    )
    assert account["accessToken"].startswith("$ba$1$") and account["refreshToken"].startswith("$ba$1$")
    rotated = make_oauth_auth(
        provider, database=auth.adapter, account={"encrypt_oauth_tokens": True}, secrets=[(2, new), (1, old)]
    )
    token = await rotated.api.get_access_token(body={"accountId": account["id"], "userId": account["userId"]})
    assert _userinfo_status(provider, token["accessToken"]) == 200


async def test_rows_written_before_encryption_still_read(provider: Provider) -> None:
    auth, _, account = await _signed_in(provider, "legacy")
    encrypted = make_oauth_auth(provider, database=auth.adapter, account={"encrypt_oauth_tokens": True})
    token = await encrypted.api.get_access_token(body={"accountId": account["id"], "userId": account["userId"]})
    assert token["accessToken"] == account["accessToken"]


async def test_refresh_token_refreshes_at_the_provider(provider: Provider) -> None:
    auth, browser, account = await _signed_in(provider, "refresher", account={"encrypt_oauth_tokens": True})
    old_access = symmetric_decrypt(SECRET, account["accessToken"])
    r = await browser.post("/refresh-token", {"accountId": account["id"]})
    assert r.status == 200, r.body
    body = r.json_body()
    assert list(body) == [
        "accessToken", "refreshToken", "accessTokenExpiresAt", "scope", "idToken", "providerId", "accountId",
    ]
    assert body["accessToken"] != old_access and body["providerId"] == "idp" and body["accountId"] == account["id"]
    assert _userinfo_status(provider, body["accessToken"]) == 200
    assert _userinfo_status(provider, old_access) >= 400  # the provider retired the old one
    stored = (await auth.adapter.find_many("account"))[0]
    assert symmetric_decrypt(SECRET, stored["accessToken"]) == body["accessToken"]
    assert symmetric_decrypt(SECRET, stored["refreshToken"]) == body["refreshToken"]


async def test_get_access_token_refreshes_an_expired_token(provider: Provider) -> None:
    auth, browser, account = await _signed_in(provider, "expiring")
    await auth.context.store.update_account(
        account["id"], {"accessTokenExpiresAt": datetime.now(UTC) + timedelta(seconds=2)}
    )
    body = (await browser.post("/get-access-token", {"accountId": account["id"]})).json_body()
    assert body["accessToken"] != account["accessToken"]
    assert _userinfo_status(provider, body["accessToken"]) == 200
    stored = (await auth.adapter.find_many("account"))[0]
    assert stored["accessToken"] == body["accessToken"] and stored["accessTokenExpiresAt"] > datetime.now(UTC)
    # a token that is still good is handed out as it is
    again = (await browser.post("/get-access-token", {"accountId": account["id"]})).json_body()
    assert again["accessToken"] == body["accessToken"]


async def test_refresh_failures(provider: Provider) -> None:
    auth, browser, account = await _signed_in(provider, "revoked")
    provider.revoke_tokens("revoked")
    r = await browser.post("/refresh-token", {"accountId": account["id"]})
    assert r.status == 400 and r.json_body()["code"] == "FAILED_TO_REFRESH_ACCESS_TOKEN"
    await auth.context.store.update_account(account["id"], {"refreshToken": None})
    r = await browser.post("/refresh-token", {"accountId": account["id"]})
    assert r.status == 400 and r.json_body() == {"message": "Refresh token not found", "code": "REFRESH_TOKEN_NOT_FOUND"}


async def test_account_info_asks_the_provider(provider: Provider) -> None:
    _, browser, account = await _signed_in(provider, "info")
    r = await browser.get("/account-info", query=f"accountId={account['id']}")
    assert r.status == 200, r.body
    body = r.json_body()
    assert body["user"] == {"id": "info", "name": "Info", "email": "info@example.com", "emailVerified": True}
    assert body["data"]["sub"] == "info"
    assert body["account"] == {"id": account["id"], "providerId": "idp", "accountId": "info"}


async def test_who_may_ask_for_tokens(provider: Provider) -> None:
    auth, browser, account = await _signed_in(provider, "owner")
    body = {"accountId": account["id"]}
    # over HTTP a session is required, and a body userId never picks the principal
    r = await Client(auth).post("/get-access-token", body)
    assert r.status == 401
    intruder_in_same_app = Client(auth)
    provider.set_user("intruder2", email="i2@example.com", email_verified=True)
    await social_sign_in(intruder_in_same_app, provider, "intruder2")
    r = await intruder_in_same_app.post("/get-access-token", {**body, "userId": account["userId"]})
    assert r.status == 400 and r.json_body()["code"] == "ACCOUNT_NOT_FOUND"
    # the server may name the user
    token = await auth.api.get_access_token(body={**body, "userId": account["userId"]})
    assert token["accessToken"] == account["accessToken"]
    with pytest.raises(APIError) as missing:
        await auth.api.get_access_token(body=body)
    assert missing.value.code == "USER_ID_OR_SESSION_REQUIRED"
    # Better Auth's strict body union
    for bad in ({}, {"accountId": account["id"], "providerId": "idp"}, {"useAccountCookie": False}):
        r = await browser.post("/get-access-token", bad)
        assert r.status == 400 and r.json_body()["code"] == "VALIDATION_ERROR", bad
    r = await browser.post("/get-access-token", {"useAccountCookie": True})
    assert r.status == 400 and r.json_body()["code"] == "ACCOUNT_NOT_FOUND"
