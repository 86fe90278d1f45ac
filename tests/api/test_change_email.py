from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests._helpers import BASE, Client
from tests.api.conftest import MakeApp, Outbox

from tessera import Tessera
from tessera.crypto import hs256


async def app(make_app: MakeApp, outbox: Outbox, *, verify: bool = True, **change: Any) -> Tessera:
    options: dict[str, Any] = {"user": {"change_email": {"enabled": True, **change}}}
    if verify:
        options["email_verification"] = {"send_verification_email": outbox.callback("verify")}
    return await make_app(**options)


def link_query(url: str) -> str:
    assert url.startswith(f"{BASE}/api/auth/verify-email?")
    return urlsplit(url).query


def claims(auth: Tessera, url: str) -> dict[str, Any]:
    token = parse_qs(urlsplit(url).query)["token"][0]
    return hs256.verify(auth.context.signer, token)


async def signed_in(auth: Tessera, email: str = "alice@example.com", *, verified: bool = False) -> Client:
    client = Client(auth)
    r = await client.sign_up(email=email)
    if verified:
        await auth.context.store.update_user(r.json_body()["user"]["id"], {"emailVerified": True})
    return client


async def test_disabled_by_default(make_app: MakeApp) -> None:
    client = await signed_in(await make_app())
    r = await client.post("/change-email", {"newEmail": "new@example.com"})
    assert (r.status, r.json_body()) == (400, {"message": "Change email is disabled", "code": "CHANGE_EMAIL_DISABLED"})


async def test_needs_a_session(make_app: MakeApp, outbox: Outbox) -> None:
    r = await Client(await app(make_app, outbox)).post("/change-email", {"newEmail": "new@example.com"})
    assert (r.status, r.json_body()["code"]) == (401, "UNAUTHORIZED")


async def test_same_email_is_a_message_without_code(make_app: MakeApp, outbox: Outbox) -> None:
    client = await signed_in(await app(make_app, outbox))
    r = await client.post("/change-email", {"newEmail": "ALICE@example.com"})
    assert (r.status, r.json_body()) == (400, {"message": "Email is the same"})


async def test_no_possible_flow_is_refused_before_looking_up_the_address(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox, verify=False)
    client = await signed_in(auth)
    await Client(auth).sign_up(email="taken@example.com")
    for new in ["new@example.com", "taken@example.com"]:  # the same answer: nothing learnt about "taken"
        r = await client.post("/change-email", {"newEmail": new})
        assert (r.status, r.json_body()) == (400, {"message": "Verification email isn't enabled"})


async def test_registered_target_answers_like_any_other_and_sends_nothing(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox)
    client = await signed_in(auth)
    await Client(auth).sign_up(email="taken@example.com")
    taken = await client.post("/change-email", {"newEmail": "taken@example.com"})
    assert outbox.calls == []
    free = await client.post("/change-email", {"newEmail": "free@example.com"})
    assert (taken.status, taken.body, sorted(taken.headers)) == (free.status, free.body, sorted(free.headers))
    assert free.json_body() == {"status": True}
    assert [c["user"]["email"] for c in outbox.of("verify")] == ["free@example.com"]
    me = (await client.get("/get-session")).json_body()["user"]
    assert me["email"] == "alice@example.com"


async def test_new_address_is_proven_then_changed_and_verified(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox)
    client = await signed_in(auth)
    user_id = (await client.get("/get-session")).json_body()["user"]["id"]
    r = await client.post("/change-email", {"newEmail": "New@Example.com", "callbackURL": "/settings"})
    assert r.json_body() == {"status": True}
    mail = outbox.last("verify")
    assert mail["user"]["email"] == "new@example.com" and mail["user"]["id"] == user_id
    assert mail["url"].endswith("&callbackURL=%2Fsettings")
    token = claims(auth, mail["url"])
    assert token["email"] == "alice@example.com" and token["updateTo"] == "new@example.com"
    assert token["requestType"] == "change-email-verification" and token["userId"] == user_id
    assert (await client.get("/get-session")).json_body()["user"]["email"] == "alice@example.com"

    r = await client.get("/verify-email", query=link_query(mail["url"]))
    assert (r.status, r.header("location")) == (302, "/settings")
    me = (await client.get("/get-session")).json_body()["user"]
    assert (me["email"], me["emailVerified"]) == ("new@example.com", True)
    assert (await Client(auth).sign_in(email="new@example.com")).status == 200
    assert (await Client(auth).sign_in(email="alice@example.com")).status == 401


async def test_verified_users_approve_from_the_old_address_first(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox, send_change_email_confirmation=outbox.callback("confirm"))
    client = await signed_in(auth, verified=True)
    r = await client.post("/change-email", {"newEmail": "new@example.com"})
    assert r.json_body() == {"status": True}
    confirm = outbox.last("confirm")
    assert confirm["user"]["email"] == "alice@example.com" and confirm["new_email"] == "new@example.com"
    assert claims(auth, confirm["url"])["requestType"] == "change-email-confirmation"
    assert outbox.of("verify") == []

    r = await client.get("/verify-email", query=link_query(confirm["url"]))
    assert (r.status, r.header("location")) == (302, "/")
    assert (await client.get("/get-session")).json_body()["user"]["email"] == "alice@example.com"
    verify = outbox.last("verify")
    assert verify["user"]["email"] == "new@example.com"
    assert claims(auth, verify["url"])["requestType"] == "change-email-verification"

    r = await client.get("/verify-email", query=link_query(verify["url"]).replace("&callbackURL=%2F", ""))
    assert r.status == 200 and r.json_body()["status"] is True
    assert (r.json_body()["user"]["email"], r.json_body()["user"]["emailVerified"]) == ("new@example.com", True)
    assert (await client.get("/get-session")).json_body()["user"]["email"] == "new@example.com"


async def test_confirmation_is_skipped_for_unverified_users(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox, send_change_email_confirmation=outbox.callback("confirm"))
    client = await signed_in(auth)  # unverified: there is no proven old address to ask
    await client.post("/change-email", {"newEmail": "new@example.com"})
    assert outbox.of("confirm") == []
    assert claims(auth, outbox.last("verify")["url"])["requestType"] == "change-email-verification"


async def test_unverified_users_may_switch_directly(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox, update_email_without_verification=True)
    client = await signed_in(auth)
    r = await client.post("/change-email", {"newEmail": "new@example.com"})
    assert r.json_body() == {"status": True}
    assert "better-auth.session_token" in r.set_cookies  # the session cookie is re-issued for the new user data
    me = (await client.get("/get-session")).json_body()["user"]
    assert (me["email"], me["emailVerified"]) == ("new@example.com", False)
    mail = outbox.last("verify")  # a plain verification of the new address
    assert mail["user"]["email"] == "new@example.com" and "updateTo" not in claims(auth, mail["url"])
    await client.get("/verify-email", query=link_query(mail["url"]))
    assert (await client.get("/get-session")).json_body()["user"]["emailVerified"] is True


async def test_direct_switch_needs_no_mail_and_is_not_for_verified_users(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox, verify=False, update_email_without_verification=True)
    client = await signed_in(auth)
    assert (await client.post("/change-email", {"newEmail": "new@example.com"})).json_body() == {"status": True}
    assert (await client.get("/get-session")).json_body()["user"]["email"] == "new@example.com"
    verified = await signed_in(auth, "vera@example.com", verified=True)
    r = await verified.post("/change-email", {"newEmail": "vera2@example.com"})
    assert (r.status, r.json_body()) == (400, {"message": "Verification email isn't enabled"})


async def test_change_links_work_only_for_their_own_user(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox)
    alice = await signed_in(auth)
    bob = await signed_in(auth, "bob@example.com")
    await alice.post("/change-email", {"newEmail": "new@example.com", "callbackURL": "/settings"})
    url = outbox.last("verify")["url"]
    r = await bob.get("/verify-email", query=link_query(url))
    assert (r.status, r.header("location")) == (302, "/settings?error=invalid_user")
    query = link_query(url).replace("&callbackURL=%2Fsettings", "")
    r = await bob.get("/verify-email", query=query)
    assert (r.status, r.json_body()["code"]) == (401, "INVALID_USER")
    assert (await bob.get("/get-session")).json_body()["user"]["email"] == "bob@example.com"
    assert (await alice.get("/get-session")).json_body()["user"]["email"] == "alice@example.com"


async def test_a_link_never_verifies_an_address_nobody_proved(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox)
    client = await signed_in(auth)
    user_id = (await client.get("/get-session")).json_body()["user"]["id"]
    signer = auth.context.signer
    for extra in [{}, {"requestType": "change-email-confirmation-typo"}]:
        # a validly signed token carrying updateTo without the new-address request type (pre-1.7 links,
        # which went to the *old* address) must not mark the new address verified
        token = hs256.sign(
            signer, {"email": "alice@example.com", "updateTo": "new@example.com", "userId": user_id, **extra},
            expires_in=3600,
        )
        r = await client.get("/verify-email", query=f"token={token}")
        assert (r.status, r.json_body()["code"]) == (401, "INVALID_TOKEN")
    me = (await client.get("/get-session")).json_body()["user"]
    assert (me["email"], me["emailVerified"]) == ("alice@example.com", False)


async def test_address_taken_meanwhile_is_refused_at_verification(make_app: MakeApp, outbox: Outbox) -> None:
    auth = await app(make_app, outbox)
    client = await signed_in(auth)
    await client.post("/change-email", {"newEmail": "new@example.com"})
    await Client(auth).sign_up(email="new@example.com")
    query = link_query(outbox.last("verify")["url"])
    r = await client.get("/verify-email", query=query)
    assert (r.status, r.header("location")) == (302, "/?error=user_already_exists")
    r = await client.get("/verify-email", query=query.replace("&callbackURL=%2F", ""))
    assert (r.status, r.json_body()["code"]) == (400, "USER_ALREADY_EXISTS")
    assert (await client.get("/get-session")).json_body()["user"]["email"] == "alice@example.com"


async def test_callback_url_must_be_trusted(make_app: MakeApp, outbox: Outbox) -> None:
    client = await signed_in(await app(make_app, outbox))
    for target in ["https://evil.com", "//evil.com"]:
        r = await client.post("/change-email", {"newEmail": "new@example.com", "callbackURL": target})
        assert (r.status, r.json_body()["code"]) == (403, "INVALID_CALLBACK_URL"), target
    assert outbox.calls == []


async def test_invalid_new_email_is_a_validation_error(make_app: MakeApp) -> None:
    auth = await make_app(user={"change_email": {"enabled": True}})
    client = await signed_in(auth)
    r = await client.post("/change-email", {"newEmail": "nope"})
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")


async def test_server_api_call(make_app: MakeApp) -> None:
    outbox = Outbox()
    auth = await make_app(
        user={"change_email": {"enabled": True}},
        email_verification={"send_verification_email": outbox.callback("verify")},
    )
    client = await signed_in(auth)
    headers = [("cookie", client.cookie_header())]
    assert await auth.api.change_email(body={"newEmail": "new@example.com"}, headers=headers) == {"status": True}
    assert outbox.last("verify")["user"]["email"] == "new@example.com"
