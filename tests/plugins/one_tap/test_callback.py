"""``POST /one-tap/callback`` on every backend: sign-up, sign-in, linking by verified email only, the ID-token
checks (signature, algorithm, issuer, audience, expiry, age, hosted domain), ``disable_signup`` and the client id
fallback. Refusals leave nothing written."""

from __future__ import annotations

import base64
import json
from typing import Any

from tessera.db.adapter import Where
from tessera.jwt import generate_jwk
from tests._helpers import Client

from .conftest import CLIENT_ID, FakeGoogle, MakeApp

SESSION = "better-auth.session_token"


async def tap(auth: Any, id_token: Any, **extra: Any) -> Any:
    return await Client(auth).post("/one-tap/callback", {"idToken": id_token, **extra})


async def table(auth: Any, model: str) -> list[dict[str, Any]]:
    return await auth.context.adapter.find_many(model, [])


async def test_a_new_google_user_is_signed_up_and_signed_in(make_app: MakeApp, google: FakeGoogle) -> None:
    auth = await make_app()
    browser = Client(auth)
    token = google.id_token()
    r = await browser.post("/one-tap/callback", {"idToken": token})
    assert r.status == 200, r.body
    assert r.header("cache-control") == "no-store"
    body = r.json_body()
    assert list(body) == ["token", "user"]
    assert body["user"]["email"] == "tap@example.com" and body["user"]["emailVerified"] is True
    assert body["user"]["name"] == "Tap User" and body["user"]["image"] == "https://lh3.googleusercontent.com/a/tap"
    session = (await browser.get("/get-session")).json_body()
    assert session["session"]["token"] == body["token"]
    [account] = await table(auth, "account")
    assert (account["providerId"], account["accountId"]) == ("google", "google-sub-1")
    assert account["idToken"] == token and account["scope"] == "openid,profile,email"

    again = await tap(auth, google.id_token(email="TAP@Example.com"))
    assert again.status == 200 and again.json_body()["user"]["id"] == body["user"]["id"]
    assert len(await table(auth, "user")) == 1 and len(await table(auth, "account")) == 1
    assert google.requests == ["https://www.googleapis.com/oauth2/v3/certs"]  # the keys are cached


def _forged(token: str, **claims: Any) -> str:
    head, payload, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    return f"{head}.{base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b'=').decode()}.{sig}"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_id_tokens_that_are_refused(make_app: MakeApp, google: FakeGoogle) -> None:
    import time

    auth = await make_app()
    now = int(time.time())
    stranger = generate_jwk("RS256", kid="google-1")  # Google's kid, someone else's key
    es256 = generate_jwk("ES256", kid="google-es")
    google.keys.append(es256)  # even a key Google serves may not sign with another algorithm
    good = google.id_token()
    cases = {
        "another client": google.id_token(aud="someone-else", azp="someone-else"),
        "authorized party is another client": google.id_token(azp="someone-else"),
        "another issuer": google.id_token(iss="https://evil.example"),
        "expired": google.id_token(iat=now - 7200, exp=now - 3600),
        "issued over an hour ago": google.id_token(iat=now - 3700, exp=now + 600),
        "no subject": google.id_token(sub=None),
        "signed by a stranger": google.id_token(stranger),
        "claims changed after signing": _forged(good, email="victim@example.com"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{good.split('.')[1]}.",
        "HS256 with a public value as secret": f"{_b64({'alg': 'HS256', 'kid': 'google-1'})}.{good.split('.')[1]}.x",
        "ES256 key from the JWKS": google.id_token(es256),
        "not a JWT": "opaque",
        "empty": "",
    }
    for name, id_token in cases.items():
        r = await tap(auth, id_token)
        assert r.status == 400, (name, r.body)
        assert r.json_body() == {"code": "INVALID_ID_TOKEN", "message": "invalid id token"}, name
        assert "set-cookie" not in dict(r.headers), name
    assert await table(auth, "user") == [] and await table(auth, "account") == []
    for bad in (None, 12, {"token": good}, ["x"]):
        r = await tap(auth, bad)
        assert r.status == 400 and r.json_body()["code"] == "VALIDATION_ERROR", bad


async def test_both_google_issuer_spellings_are_accepted(make_app: MakeApp, google: FakeGoogle) -> None:
    auth = await make_app()
    assert (await tap(auth, google.id_token(iss="accounts.google.com"))).status == 200


async def test_a_token_without_email_is_refused(make_app: MakeApp, google: FakeGoogle) -> None:
    auth = await make_app()
    r = await tap(auth, google.id_token(email=None))
    assert r.status == 400
    assert r.json_body() == {"code": "EMAIL_NOT_AVAILABLE_IN_TOKEN", "message": "Email not available in token"}
    assert await table(auth, "user") == []


async def test_linking_needs_an_address_both_sides_verified(make_app: MakeApp, google: FakeGoogle) -> None:
    auth = await make_app()
    owner = Client(auth)
    assert (await owner.sign_up(email="tap@example.com")).status == 200
    [user] = await table(auth, "user")

    # the local account has not proven the address: whoever registered it must not share Google's identity
    r = await tap(auth, google.id_token())
    assert r.status == 401 and r.json_body()["message"] == "account not linked"
    await auth.context.adapter.update("user", [Where("id", user["id"])], {"emailVerified": True})

    # Google does not vouch for the address: no link either
    r = await tap(auth, google.id_token(email_verified=False))
    assert r.status == 401 and r.json_body()["message"] == "account not linked"
    r = await tap(auth, google.id_token(email_verified="false"))
    assert r.status == 401
    assert [a["providerId"] for a in await table(auth, "account")] == ["credential"]

    r = await tap(auth, google.id_token(email_verified="true"))
    assert r.status == 200 and r.json_body()["user"]["id"] == user["id"]
    assert sorted(a["providerId"] for a in await table(auth, "account")) == ["credential", "google"]


async def test_no_implicit_link_when_linking_is_disabled(make_app: MakeApp, google: FakeGoogle) -> None:
    linking = {"account": {"account_linking": {"enabled": False}}}
    auth = await make_app(tessera=linking)
    assert (await Client(auth).sign_up(email="tap@example.com")).status == 200
    await auth.context.adapter.update("user", [Where("email", "tap@example.com")], {"emailVerified": True})
    assert (await tap(auth, google.id_token())).status == 401


async def test_disable_signup(make_app: MakeApp, google: FakeGoogle) -> None:
    auth = await make_app(disable_signup=True)
    r = await tap(auth, google.id_token())
    assert r.status == 401 and r.json_body()["message"] == "signup disabled"
    assert await table(auth, "user") == []
    provider_says = await make_app(google={"client_id": CLIENT_ID, "disable_sign_up": True})
    assert (await tap(provider_says, google.id_token())).status == 401


async def test_client_id_comes_from_the_plugin_or_the_google_provider(make_app: MakeApp, google: FakeGoogle) -> None:
    alone = await make_app(google=None, client_id="web-client")
    assert (await tap(alone, google.id_token(aud="web-client", azp="web-client"))).status == 200
    assert (await tap(alone, google.id_token())).status == 400

    # the plugin's client id wins over the provider's; the provider's other options still apply
    both = await make_app(client_id=["web-client", "android-client"])
    assert (await tap(both, google.id_token(aud="android-client", azp=None))).status == 200
    assert (await tap(both, google.id_token(email="x@example.com", sub="x"))).status == 400

    nothing = await make_app(google=None)
    r = await tap(nothing, google.id_token())
    assert r.status == 400 and r.json_body()["code"] == "GOOGLE_CLIENT_ID_REQUIRED"


async def test_the_google_hosted_domain_restriction_holds(make_app: MakeApp, google: FakeGoogle) -> None:
    auth = await make_app(google={"client_id": CLIENT_ID, "hd": "corp.example"})
    assert (await tap(auth, google.id_token())).status == 400
    assert (await tap(auth, google.id_token(hd="other.example"))).status == 400
    assert (await tap(auth, google.id_token(hd="corp.example"))).status == 200


async def test_callback_url_must_be_trusted(make_app: MakeApp, google: FakeGoogle) -> None:
    auth = await make_app()
    r = await tap(auth, google.id_token(), callbackURL="https://evil.example/steal")
    assert r.status == 403 and r.json_body()["code"] == "INVALID_CALLBACK_URL"
    assert await table(auth, "user") == []
    assert (await tap(auth, google.id_token(), callbackURL="/dashboard")).status == 200


async def test_server_call(make_app: MakeApp, google: FakeGoogle) -> None:
    auth = await make_app()
    result = await auth.api.one_tap_callback(body={"idToken": google.id_token()})
    assert result["user"]["email"] == "tap@example.com"
