from urllib.parse import quote

import pytest
from tests._helpers import BASE, Client
from tests.api.conftest import MakeApp

from tessera.db.schema import Field
from tessera.http import Headers, Request


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b"{bad json", "application/json", 400, "BAD_REQUEST"),
        (b'{"email": 1, "password": [], "name": {}}', "application/json", 400, "VALIDATION_ERROR"),
        (b"[]", "application/json", 400, "VALIDATION_ERROR"),
        (b"null", "application/json", 400, "VALIDATION_ERROR"),
        (b'"string"', "application/json", 400, "VALIDATION_ERROR"),
        (b"<xml/>", "application/xml", 415, "UNSUPPORTED_MEDIA_TYPE"),
        # Better Auth 1.7.24 reads no body without a Content-Type: the endpoint sees none (differential test)
        (b"email=a", None, 400, "VALIDATION_ERROR"),
        (b'{"a":1}', "application/vnd.api+json", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b'{"email":"a@b.co","password":"correct-horse","name":"A","rememberMe":"yes"}', "application/json", 400,
         "VALIDATION_ERROR"),
        (b"\xff\xfe", "application/json", 400, "BAD_REQUEST"),
        (b'{"email":"a@b.co","password":"correct-horse","name":"A","image":5}', "application/json", 400,
         "VALIDATION_ERROR"),
    ],
)
async def test_bad_bodies_get_a_clear_4xx_and_store_nothing(
    make_app: MakeApp, raw: bytes, content_type: str | None, status: int, code: str
) -> None:
    auth = await make_app()
    r = await Client(auth).post("/sign-up/email", raw=raw, content_type=content_type)
    assert r.status == status
    assert r.json_body()["code"] == code
    assert await auth.adapter.count("user") == 0


async def test_validation_messages_match_better_auth(make_app: MakeApp) -> None:
    auth = await make_app()
    r = await Client(auth).post("/sign-up/email", {"email": "bob@example.com"})
    assert r.json_body() == {
        "message": "[body.name] Invalid input: expected string, received undefined; "
        "[body.password] Invalid input: expected string, received undefined",
        "code": "VALIDATION_ERROR",
    }
    r = await Client(auth).post("/sign-up/email", {"email": "nope", "password": "correct-horse", "name": "B"})
    assert r.json_body() == {"message": "[body.email] Invalid email address", "code": "VALIDATION_ERROR"}


@pytest.mark.parametrize("email", ["alice\uff20example.com", "alice@exam\u0440le.com", "a@b", ".a@b.com", "a..b@c.com"])
async def test_unicode_and_malformed_emails_are_rejected(make_app: MakeApp, email: str) -> None:
    r = await Client(await make_app()).sign_up(email=email)
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/auth/sign-in/email"), ("GET", "/api/auth/nope"), ("POST", "/api/auth//sign-in/email"),
     ("GET", "/api/auth/"), ("GET", "/elsewhere"), ("DELETE", "/api/auth/get-session")],
)
async def test_unknown_routes_and_wrong_methods_are_empty_404s(make_app: MakeApp, method: str, path: str) -> None:
    r = await (await make_app()).handle(Request(method, path, Headers()))
    assert (r.status, r.body, r.header("content-type")) == (404, b"", None)


async def test_oversized_bodies_are_refused_before_parsing(make_app: MakeApp) -> None:
    auth = await make_app(advanced={"max_body_size": 1024})
    sent: list[dict] = []
    messages = [{"type": "http.request", "body": b"{" + b" " * 2048 + b"}", "more_body": False}]

    async def receive() -> dict:
        return messages.pop(0)

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/auth/sign-up/email", "query_string": b"",
             "headers": [(b"content-type", b"application/json")]}
    await auth(scope, receive, send)
    assert sent[0]["status"] == 413
    assert b"PAYLOAD_TOO_LARGE" in sent[1]["body"]


async def test_unsupported_query_values_do_not_500(make_app: MakeApp) -> None:
    auth = await make_app()
    r = await Client(auth).get("/get-session", query="disableCookieCache=1&disableCookieCache=2&x=%ff")
    assert r.status == 200


# -- found by tests/api/test_hostile_requests.py: each was a 500 on some backend ------------------------

NUL_BODIES = [
    ("/sign-up/email", {"email": "nul@example.com", "password": "correct-horse-battery", "name": "a\x00b"}, "name"),
    ("/sign-up/email", {"email": "nul@example.com", "password": "correct-horse-battery", "name": "A",
                        "image": "\x00"}, "image"),
    ("/sign-up/email", {"email": "nul@example.com", "password": "correct-horse-battery", "name": "A",
                        "nickname": "\x00"}, "nickname"),
    ("/update-user", {"name": "a\x00"}, "name"),
    ("/update-user", {"nickname": {"deep": ["\x00"]}}, "nickname.deep[0]"),
    ("/reset-password", {"newPassword": "new-password-123", "token": "\x00abc"}, "token"),
    ("/revoke-session", {"token": "\x00"}, "token"),
]


@pytest.mark.parametrize(("path", "body", "where"), NUL_BODIES)
async def test_nul_characters_in_any_body_field_are_a_validation_error(
    make_app: MakeApp, path: str, body: dict, where: str
) -> None:
    # PostgreSQL can neither store nor compare a NUL: every one of these was a 500 there
    auth = await make_app(user={"additional_fields": [Field("nickname", required=False)]})
    client = Client(auth)
    await client.sign_up()
    r = await client.post(path, body)
    assert (r.status, r.json_body()) == (
        400, {"message": f"[body.{where}] Invalid input: NUL characters are not allowed", "code": "VALIDATION_ERROR"}
    )
    assert await auth.adapter.count("user") == 1
    assert (await client.get("/get-session")).json_body()["user"]["name"] == "Alice"


async def test_nul_characters_in_a_query_or_a_path_parameter_are_refused(make_app: MakeApp) -> None:
    auth = await make_app(email_verification={"send_verification_email": lambda **kw: None})
    r = await Client(auth).get("/verify-email", query="token=%00")
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")
    r = await auth.handle(Request("GET", "/api/auth/reset-password/a\x00b", Headers(), query_string="callbackURL=/"))
    assert (r.status, r.body) == (404, b"")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"name": "n" * 256}, "[user.name] Too big: expected string to have <=255 characters"),
        ({"email": "e" * 250 + "@example.com"}, "[user.email] Too big: expected string to have <=255 characters"),
        ({"image": "i" * 70_000}, "[user.image] Too big: expected string to have <=65535 bytes"),
        ({"age": 2**31}, "[user.age] Too big: expected number to be <=2147483647"),
        ({"age": -(2**31) - 1}, "[user.age] Too small: expected number to be >=-2147483648"),
        ({"age": 1.5}, "[user.age] Invalid input: expected int, received number"),
    ],
)
async def test_values_no_backend_can_store_are_refused_on_every_backend(
    make_app: MakeApp, extra: dict, message: str
) -> None:
    # MySQL's VARCHAR(255) / TEXT and every SQL backend's INTEGER refused these with a 500; the memory adapter
    # took them: now all refuse them alike, before any row is written
    auth = await make_app(user={"additional_fields": [Field("age", "number", required=False)]})
    r = await Client(auth).sign_up(**{"email": "alice@example.com", **extra})
    assert (r.status, r.json_body()) == (400, {"message": message, "code": "VALIDATION_ERROR"})
    assert [await auth.adapter.count(t) for t in ("user", "account", "session")] == [0, 0, 0]
    client = Client(auth)
    await client.sign_up()
    if "email" not in extra:
        r = await client.post("/update-user", extra)
        assert (r.status, r.json_body()) == (400, {"message": message, "code": "VALIDATION_ERROR"})
    assert (await client.get("/get-session")).json_body()["user"]["name"] == "Alice"


async def test_largest_storable_values_are_kept(make_app: MakeApp) -> None:
    auth = await make_app(user={"additional_fields": [Field("age", "number", required=False)]})
    r = await Client(auth).sign_up(name="n" * 255, image="i" * 65_535, age=2**31 - 1)
    assert r.status == 200
    user = r.json_body()["user"]
    assert (len(user["name"]), len(user["image"]), user["age"]) == (255, 65_535, 2**31 - 1)


@pytest.mark.parametrize(
    ("callback", "location"),
    [("/caf\u0101", "/caf%C4%81?error=INVALID_TOKEN"), ("/\u00e9t\u00e9?q=\u4e2d", "/%C3%A9t%C3%A9?q=%E4%B8%AD&error=INVALID_TOKEN")],
)
async def test_redirects_to_a_client_url_are_headers_a_server_can_write(
    make_app: MakeApp, callback: str, location: str
) -> None:
    # a Location carrying "\u0101" could not be encoded as a header: the ASGI app failed mid-response (a 500)
    auth = await make_app()
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    query = ("callbackURL=" + quote(callback, safe="")).encode()
    scope = {"type": "http", "method": "GET", "path": "/api/auth/reset-password/dead-token", "query_string": query,
             "headers": [(b"host", b"127.0.0.1:3000")]}
    await auth(scope, receive, send)
    headers = dict(sent[0]["headers"])
    assert sent[0]["status"] == 302
    assert headers[b"location"] == (BASE + location).encode()


async def test_a_hostile_user_agent_does_not_fail_the_sign_in(make_app: MakeApp) -> None:
    """The ``User-Agent`` is the client's to choose: a NUL (PostgreSQL cannot store one) or a huge value is
    cleaned and cut for the session row, never a 4xx/5xx for the person signing in."""
    auth = await make_app()
    await Client(auth).sign_up()
    for agent, kept in (("Mozilla/5.0\x00evil", "Mozilla/5.0evil"), ("A" * 70_000, "A" * 4096)):
        client = Client(auth)
        r = await client.sign_in(headers=[("user-agent", agent)])
        assert r.status == 200, r.body
        assert (await client.get("/get-session")).json_body()["session"]["userAgent"] == kept


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": None}, "[body.name] Invalid input: expected string, received null"),
        ({"rank": None}, "[body.rank] Invalid input: expected number, received null"),
    ],
)
async def test_null_for_a_required_user_column_is_a_validation_error(
    make_app: MakeApp, body: dict, message: str
) -> None:
    # a NOT NULL column given null was a 500 on every SQL backend (the memory adapter stored it)
    auth = await make_app(user={"additional_fields": [Field("rank", "number", default=1)]})
    client = Client(auth)
    await client.sign_up()
    r = await client.post("/update-user", body)
    assert (r.status, r.json_body()) == (400, {"message": message, "code": "VALIDATION_ERROR"})
    user = (await client.get("/get-session")).json_body()["user"]
    assert (user["name"], user["rank"]) == ("Alice", 1)
    assert (await client.post("/update-user", {"image": None})).status == 200
