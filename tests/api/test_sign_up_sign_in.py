import asyncio

from tests._helpers import BASE, Client
from tests.api.conftest import MakeApp

from tessera.http import Headers, Request


async def test_sign_up_signs_in_and_answers_like_better_auth(make_app: MakeApp) -> None:
    auth = await make_app()
    client = Client(auth, origin=None)
    r = await client.sign_up()
    assert r.status == 200
    body = r.json_body()
    assert list(body) == ["token", "user"]
    assert list(body["user"]) == ["name", "email", "emailVerified", "image", "createdAt", "updatedAt", "id"]
    assert body["user"]["email"] == "alice@example.com" and body["user"]["emailVerified"] is False
    cookie = r.set_cookies["better-auth.session_token"]
    assert cookie.startswith(f"better-auth.session_token={body['token']}.")
    assert cookie.endswith("; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax")
    assert "%3D" in cookie  # the signature is URL-encoded as encodeURIComponent does
    session = (await client.get("/get-session")).json_body()
    assert session["user"]["id"] == body["user"]["id"]
    assert session["session"]["token"] == body["token"]


async def test_duplicate_sign_up_is_422_and_stores_nothing_new(make_app: MakeApp) -> None:
    auth = await make_app()
    await Client(auth).sign_up()
    r = await Client(auth).sign_up(password="another-password-1")
    assert r.status == 422
    assert r.json_body() == {"message": "User already exists. Use another email.",
                             "code": "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"}
    assert await auth.adapter.count("user") == 1
    assert await auth.adapter.count("account") == 1
    assert await auth.adapter.count("session") == 1


async def test_duplicate_sign_up_is_enumeration_safe_when_verification_is_required(make_app: MakeApp) -> None:
    auth = await make_app(email_and_password={"require_email_verification": True})
    first = await Client(auth).sign_up()
    second = await Client(auth).sign_up()
    assert first.status == second.status == 200
    a, b = first.json_body(), second.json_body()
    assert a["token"] is None and b["token"] is None
    assert list(a["user"]) == list(b["user"]) and a["user"]["id"] != b["user"]["id"]
    assert await auth.adapter.count("user") == 1


async def test_email_is_lower_cased_and_sign_in_is_case_insensitive(make_app: MakeApp) -> None:
    auth = await make_app()
    await Client(auth).sign_up(email="Alice@Example.COM")
    r = await Client(auth).sign_in(email="alice@example.com")
    assert r.status == 200
    assert r.json_body()["user"]["email"] == "alice@example.com"


async def test_sign_in_answers_and_sets_cookies(make_app: MakeApp) -> None:
    auth = await make_app()
    await Client(auth).sign_up()
    r = await Client(auth).sign_in()
    body = r.json_body()
    assert list(body) == ["redirect", "token", "user"]
    assert body["redirect"] is False
    r = await Client(auth).sign_in(callbackURL="/dashboard")
    body = r.json_body()
    assert list(body) == ["redirect", "token", "url", "user"]
    assert body["redirect"] is True and body["url"] == "/dashboard"
    assert r.header("location") == "/dashboard"


async def test_remember_me_false_gives_a_browser_session_cookie(make_app: MakeApp) -> None:
    auth = await make_app()
    await Client(auth).sign_up()
    r = await Client(auth).sign_in(rememberMe=False)
    assert "Max-Age" not in r.set_cookies["better-auth.session_token"]
    assert r.set_cookies["better-auth.dont_remember"].startswith("better-auth.dont_remember=true.")


async def test_wrong_password_and_unknown_email_get_the_same_answer(make_app: MakeApp) -> None:
    auth = await make_app()
    await Client(auth).sign_up()
    wrong = await Client(auth).sign_in(password="wrong-password-1")
    unknown = await Client(auth).sign_in(email="nobody@example.com")
    assert wrong.status == unknown.status == 401
    assert wrong.body == unknown.body == b'{"message":"Invalid email or password","code":"INVALID_EMAIL_OR_PASSWORD"}'
    assert not wrong.set_cookies and not unknown.set_cookies


async def test_password_policy(make_app: MakeApp) -> None:
    auth = await make_app()
    r = await Client(auth).sign_up(password="short")
    assert (r.status, r.json_body()["code"]) == (400, "PASSWORD_TOO_SHORT")
    r = await Client(auth).sign_up(password="x" * 129)
    assert (r.status, r.json_body()["code"]) == (400, "PASSWORD_TOO_LONG")
    r = await Client(auth).sign_in(password="x" * 129)
    assert (r.status, r.json_body()["code"]) == (400, "PASSWORD_TOO_LONG")
    assert await auth.adapter.count("user") == 0


async def test_protected_user_fields_cannot_be_set_at_sign_up(make_app: MakeApp) -> None:
    auth = await make_app()
    r = await Client(auth).sign_up(emailVerified=True)
    assert (r.status, r.json_body()["code"]) == (400, "FIELD_NOT_ALLOWED")
    assert await auth.adapter.count("user") == 0


async def test_sign_up_disabled(make_app: MakeApp) -> None:
    auth = await make_app(email_and_password={"disable_sign_up": True})
    r = await Client(auth).sign_up()
    assert (r.status, r.json_body()["code"]) == (400, "EMAIL_PASSWORD_SIGN_UP_DISABLED")


async def test_email_not_verified_blocks_sign_in_when_required(make_app: MakeApp) -> None:
    sent: list[str] = []

    async def send(user, url, token, request):  # type: ignore[no-untyped-def]
        sent.append(url)

    auth = await make_app(email_and_password={"require_email_verification": True},
                     email_verification={"send_verification_email": send, "send_on_sign_in": True})
    await Client(auth).sign_up()
    assert len(sent) == 1 and sent[0].startswith(f"{BASE}/api/auth/verify-email?token=")
    r = await Client(auth).sign_in()
    assert (r.status, r.json_body()["code"]) == (403, "EMAIL_NOT_VERIFIED")
    assert len(sent) == 2
    token = sent[0].split("token=")[1].split("&")[0]
    r = await Client(auth).get("/verify-email", query=f"token={token}")
    assert r.json_body() == {"status": True, "user": None}
    assert (await Client(auth).sign_in()).status == 200


async def test_concurrent_duplicate_sign_ups_create_one_user(make_app: MakeApp) -> None:
    auth = await make_app()
    results = await asyncio.gather(*(Client(auth).sign_up() for _ in range(5)))
    assert sorted(r.status for r in results) == [200, 422, 422, 422, 422]
    assert await auth.adapter.count("user") == 1


async def test_form_posts_are_accepted_on_sign_in(make_app: MakeApp) -> None:
    auth = await make_app()
    await Client(auth).sign_up()
    r = await auth.handle(Request(
        "POST", "/api/auth/sign-in/email",
        Headers.from_pairs([("content-type", "application/x-www-form-urlencoded")]),
        body=b"email=alice%40example.com&password=correct-horse-battery",
    ))
    assert r.status == 200
