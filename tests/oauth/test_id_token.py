"""Sign-in and linking with an ID token the front end already holds (One Tap, native SDKs)."""

from __future__ import annotations

import base64
import json

from tests._helpers import Client
from tests.oauth.conftest import Provider, make_oauth_auth, oidc_config


def _tamper(token: str, **claims: object) -> str:
    head, payload, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{sig}"


def _unsigned(token: str) -> str:
    _, payload, _ = token.split(".")
    head = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    return f"{head}.{payload}."


async def test_id_token_sign_in_opens_a_session(provider: Provider) -> None:
    provider.set_user("tap-sub", email="tap@example.com", email_verified=True, name="Tap")
    tokens = provider.token_for("tessera-app", "tap-sub", nonce="nonce-123")
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    r = await browser.post(
        "/sign-in/social",
        {"provider": "idp", "idToken": {"token": tokens["id_token"], "nonce": "nonce-123",
                                        "accessToken": tokens["access_token"]}},
    )
    assert r.status == 200, r.body
    body = r.json_body()
    assert list(body) == ["redirect", "token", "user"] and body["redirect"] is False
    assert body["user"]["email"] == "tap@example.com" and body["user"]["emailVerified"] is True
    session = (await browser.get("/get-session")).json_body()
    assert session["session"]["token"] == body["token"]
    [account] = await auth.adapter.find_many("account")
    assert account["accountId"] == "tap-sub" and account["idToken"] == tokens["id_token"]
    assert account["accessToken"] == tokens["access_token"]


async def test_id_tokens_that_must_be_refused(provider: Provider) -> None:
    provider.set_user("evil-sub", email="evil@example.com", email_verified=True)
    good = provider.token_for("tessera-app", "evil-sub", nonce="n-1")["id_token"]
    other_client = provider.token_for("someone-elses-app", "evil-sub", nonce="n-1")["id_token"]
    auth = make_oauth_auth(provider)
    cases = {
        "wrong nonce": {"token": good, "nonce": "n-2"},
        "issued to another client": {"token": other_client, "nonce": "n-1"},
        "claims changed after signing": {"token": _tamper(good, email="victim@example.com"), "nonce": "n-1"},
        "alg none": {"token": _unsigned(good), "nonce": "n-1"},
        "not a JWT": {"token": "opaque-token"},
    }
    for name, id_token in cases.items():
        r = await Client(auth).post("/sign-in/social", {"provider": "idp", "idToken": id_token})
        assert r.status == 401, name
        assert r.json_body() == {"message": "Invalid token", "code": "INVALID_TOKEN"}, name
    assert await auth.adapter.count("user") == 0


async def test_id_token_sign_in_keeps_the_linking_rules(provider: Provider) -> None:
    provider.set_user("pre-sub", email="pre@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    assert (await Client(auth).sign_up(email="pre@example.com")).status == 200  # unverified squatter
    token = provider.token_for("tessera-app", "pre-sub")["id_token"]
    r = await Client(auth).post("/sign-in/social", {"provider": "idp", "idToken": {"token": token}})
    assert r.status == 401
    assert r.json_body() == {"message": "account not linked", "code": "OAUTH_LINK_ERROR"}


async def test_providers_without_id_token_support(provider: Provider) -> None:
    auth = make_oauth_auth(
        provider,
        social_providers={
            "idp": oidc_config(provider, disable_id_token_sign_in=True),
            "github": {"client_id": "gh", "client_secret": "x"},
        },
    )
    for provider_id in ("idp", "github"):
        r = await Client(auth).post("/sign-in/social", {"provider": provider_id, "idToken": {"token": "a.b.c"}})
        assert r.status == 404 and r.json_body()["code"] == "ID_TOKEN_NOT_SUPPORTED", provider_id


async def test_link_social_with_an_id_token(provider: Provider) -> None:
    provider.set_user("link-sub", email="linker@example.com", email_verified=True)
    provider.set_user("taken-sub", email="linker@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    owner = Client(auth)
    taken = provider.token_for("tessera-app", "taken-sub")["id_token"]
    assert (await owner.post("/sign-in/social", {"provider": "idp", "idToken": {"token": taken}})).status == 200

    auth2 = make_oauth_auth(provider)
    user = Client(auth2)
    r = await user.sign_up(email="linker@example.com")
    await auth2.context.store.update_user(r.json_body()["user"]["id"], {"emailVerified": True})
    token = provider.token_for("tessera-app", "link-sub")["id_token"]
    r = await user.post("/link-social", {"provider": "idp", "idToken": {"token": token}})
    assert r.status == 200 and r.json_body() == {"url": "", "status": True, "redirect": False}
    r = await user.post("/link-social", {"provider": "idp", "idToken": {"token": token}})  # idempotent
    assert r.json_body() == {"url": "", "status": True, "redirect": False}
    assert [a["accountId"] for a in await auth2.adapter.find_many("account") if a["providerId"] == "idp"] == [
        "link-sub"
    ]
    # an identity that belongs to someone else
    second = Client(auth)
    r = await second.sign_up(email="second@example.com")
    r = await second.post("/link-social", {"provider": "idp", "idToken": {"token": taken}})
    assert r.status == 409 and r.json_body()["code"] == "SOCIAL_ACCOUNT_ALREADY_LINKED"
