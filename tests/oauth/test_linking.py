"""Account linking: when a provider identity may attach to an existing user, and when it must not."""

from __future__ import annotations

from typing import Any

from tessera import Tessera
from tests._helpers import Client
from tests.oauth.conftest import (
    Provider,
    follow_to_tessera,
    location,
    make_oauth_auth,
    query_of,
    social_sign_in,
    start,
)


async def _password_user(auth: Tessera, email: str, *, verified: bool) -> tuple[Client, dict[str, Any]]:
    client = Client(auth)
    r = await client.sign_up(email=email)
    assert r.status == 200, r.body
    user = r.json_body()["user"]
    if verified:
        await auth.context.store.update_user(user["id"], {"emailVerified": True})
    return client, user


async def _idp_accounts(auth: Tessera) -> list[dict[str, Any]]:
    return [a for a in await auth.adapter.find_many("account") if a["providerId"] == "idp"]


async def test_unverified_preregistration_never_captures_an_oauth_login(provider: Provider) -> None:
    """CVE-2026-53516: the attacker registers the victim's address with a password of their own. The victim
    then signs in with a provider that vouches for the address: no link, even for a trusted provider,
    because the local row never proved the address."""
    provider.set_user("victim-sub", email="victim@example.com", email_verified=True)
    for linking in ({}, {"trusted_providers": ["idp"]}):
        auth = make_oauth_auth(provider, account={"account_linking": linking})
        _, attacker_user = await _password_user(auth, "victim@example.com", verified=False)
        victim = Client(auth)
        r = await social_sign_in(victim, provider, "victim-sub", errorCallbackURL="/failed")
        assert location(r) == "/failed?error=account_not_linked"
        assert await _idp_accounts(auth) == []
        assert "better-auth.session_token" not in victim.cookies
        assert (await auth.context.store.find_user_by_id(attacker_user["id"]))["emailVerified"] is False


async def test_verified_on_both_sides_links_implicitly(provider: Provider) -> None:
    provider.set_user("v-sub", email="v@example.com", email_verified=True, name="V")
    auth = make_oauth_auth(provider)
    _, user = await _password_user(auth, "v@example.com", verified=True)
    browser = Client(auth)
    r = await social_sign_in(browser, provider, "v-sub", callbackURL="/home", newUserCallbackURL="/new")
    assert location(r) == "/home"  # an existing user, not a new one
    [account] = await _idp_accounts(auth)
    assert account["userId"] == user["id"] and account["accountId"] == "v-sub"
    session = (await browser.get("/get-session")).json_body()
    assert session["user"]["id"] == user["id"]
    assert await auth.adapter.count("user") == 1


async def test_unverified_provider_email_links_only_for_trusted_providers(provider: Provider) -> None:
    provider.set_user("u-sub", email="u@example.com", email_verified=False)
    auth = make_oauth_auth(provider)
    await _password_user(auth, "u@example.com", verified=True)
    r = await social_sign_in(Client(auth), provider, "u-sub", errorCallbackURL="/failed")
    assert location(r) == "/failed?error=account_not_linked"
    assert await _idp_accounts(auth) == []

    trusted = make_oauth_auth(provider, account={"account_linking": {"trusted_providers": ["idp"]}})
    _, user = await _password_user(trusted, "u@example.com", verified=True)
    r = await social_sign_in(Client(trusted), provider, "u-sub", callbackURL="/home")
    assert location(r) == "/home"
    [account] = await _idp_accounts(trusted)
    assert account["userId"] == user["id"]


async def test_linking_switches(provider: Provider) -> None:
    provider.set_user("s-sub", email="s@example.com", email_verified=True)
    for linking in ({"enabled": False}, {"disable_implicit_linking": True}):
        auth = make_oauth_auth(provider, account={"account_linking": linking})
        await _password_user(auth, "s@example.com", verified=True)
        r = await social_sign_in(Client(auth), provider, "s-sub", errorCallbackURL="/failed")
        assert location(r) == "/failed?error=account_not_linked", linking


async def test_sign_up_switches(provider: Provider) -> None:
    provider.set_user("new-sub", email="new@example.com", email_verified=True)
    implicit_off = {"idp": {**_cfg(provider), "disable_implicit_sign_up": True}}
    auth = make_oauth_auth(provider, social_providers=implicit_off)
    r = await social_sign_in(Client(auth), provider, "new-sub", errorCallbackURL="/failed")
    assert location(r) == "/failed?error=signup_disabled"
    assert await auth.adapter.count("user") == 0
    r = await social_sign_in(Client(auth), provider, "new-sub", requestSignUp=True, callbackURL="/in")
    assert location(r) == "/in" and await auth.adapter.count("user") == 1

    off = make_oauth_auth(provider, social_providers={"idp": {**_cfg(provider), "disable_sign_up": True}})
    r = await social_sign_in(Client(off), provider, "new-sub", requestSignUp=True, errorCallbackURL="/failed")
    assert location(r) == "/failed?error=signup_disabled"


def _cfg(provider: Provider) -> dict[str, Any]:
    return {"discovery_url": provider.discovery_url, "client_id": "tessera-app", "client_secret": "s3cret"}


async def test_link_social_adds_a_second_account(provider: Provider) -> None:
    provider.set_user("alice-idp", email="alice@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    alice, user = await _password_user(auth, "alice@example.com", verified=False)
    r = await alice.post("/link-social", {"provider": "idp", "callbackURL": "/settings", "scopes": ["phone"]})
    assert r.status == 200 and r.json_body()["redirect"] is True
    url = r.json_body()["url"]
    assert query_of(url)["scope"] == "openid email profile phone"
    done = await follow_to_tessera(alice, provider.consent(url, "alice-idp"))
    assert done.status == 302 and location(done) == "/settings"
    assert "better-auth.session_token" not in done.set_cookies  # linking does not start a new session
    [account] = await _idp_accounts(auth)
    assert account["userId"] == user["id"] and "phone" in account["scope"].split(",")
    listed = (await alice.get("/list-accounts")).json_body()
    assert sorted(a["providerId"] for a in listed) == ["credential", "idp"]
    # from now on the provider signs in as Alice
    other_browser = Client(auth)
    r = await social_sign_in(other_browser, provider, "alice-idp", callbackURL="/home")
    assert location(r) == "/home"
    assert (await other_browser.get("/get-session")).json_body()["user"]["id"] == user["id"]
    # and Alice can now unlink one of the two
    idp_row = next(a for a in listed if a["providerId"] == "idp")
    assert (await alice.post("/unlink-account", {"accountId": idp_row["id"]})).json_body() == {"status": True}


async def test_link_social_refusals(provider: Provider) -> None:
    provider.set_user("other-email-sub", email="someone-else@example.com", email_verified=True)
    provider.set_user("unverified-sub", email="bob@example.com", email_verified=False)
    provider.set_user("carol-sub", email="carol@example.com", email_verified=True)

    async def link(browser: Client, sub: str, **body: Any) -> str:
        url = await start(browser, path="/link-social", errorCallbackURL="/failed", **body)
        return location(await follow_to_tessera(browser, provider.consent(url, sub)))

    auth = make_oauth_auth(provider)
    bob, _ = await _password_user(auth, "bob@example.com", verified=True)
    assert await link(bob, "other-email-sub") == "/failed?error=email_does_not_match"
    assert await link(bob, "unverified-sub") == "/failed?error=unable_to_link_account"
    assert await _idp_accounts(auth) == []

    loose = make_oauth_auth(provider, account={"account_linking": {"allow_different_emails": True}})
    await social_sign_in(Client(loose), provider, "carol-sub")  # Carol's identity, Carol's user
    bob, bob_user = await _password_user(loose, "bob@example.com", verified=True)
    assert await link(bob, "carol-sub") == "/failed?error=account_already_linked_to_different_user"
    assert await link(bob, "other-email-sub", callbackURL="/ok") == "/ok"
    owners = {a["accountId"]: a["userId"] for a in await _idp_accounts(loose)}
    assert owners["other-email-sub"] == bob_user["id"] and owners["carol-sub"] != bob_user["id"]


async def test_link_social_needs_the_session_that_started_it(provider: Provider) -> None:
    provider.set_user("late-sub", email="late@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    assert (await Client(auth).post("/link-social", {"provider": "idp"})).status == 401
    user_browser, _ = await _password_user(auth, "late@example.com", verified=True)
    url = await start(user_browser, path="/link-social", errorCallbackURL="/failed")
    # the session is revoked (signed out elsewhere) while the user is at the provider
    assert (await user_browser.post("/revoke-sessions")).status == 200
    r = await follow_to_tessera(user_browser, provider.consent(url, "late-sub"))
    assert location(r) == "/failed?error=unable_to_link_account"
    assert await _idp_accounts(auth) == []


async def test_the_last_account_cannot_be_unlinked(provider: Provider) -> None:
    provider.set_user("only-sub", email="only@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    await social_sign_in(browser, provider, "only-sub")
    [account] = (await browser.get("/list-accounts")).json_body()
    assert account["providerId"] == "idp" and account["accountId"] == "only-sub"
    assert set(account["scopes"]) == {"openid", "email", "profile"}
    assert "accessToken" not in account and "refreshToken" not in account and "idToken" not in account
    r = await browser.post("/unlink-account", {"accountId": account["id"]})
    assert r.status == 400 and r.json_body()["code"] == "FAILED_TO_UNLINK_LAST_ACCOUNT"
    assert len(await _idp_accounts(auth)) == 1
