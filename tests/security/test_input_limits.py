"""Request body size limits on every way in, and strict typing of inputs.

ASVS v5.0.0-15.2.2 (resource exhaustion: a body is parsed, and a password hashed, only below a limit),
15.3.5 (no coercion of a number or array where a string is expected), 15.3.3 (mass assignment).
"""

from __future__ import annotations

import pytest
from tests._helpers import Client, make_auth

from tessera.http import Headers, Request


async def test_the_core_refuses_oversized_bodies_whatever_the_way_in() -> None:
    """ASVS v5.0.0-15.2.2 (found here): only the ASGI app enforced ``max_body_size``; a framework integration
    (Flask's ``get_data()``) or a hand-built request reached the JSON parser and the hasher with any size."""
    auth = make_auth(advanced={"max_body_size": 1024})
    big = b'{"email":"a@example.com","name":"A","password":"' + b"x" * 4096 + b'"}'
    r = await auth.handle(Request("POST", "/api/auth/sign-up/email",
                                  Headers.from_pairs([("content-type", "application/json")]), body=big))
    assert (r.status, r.json_body()["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert await auth.adapter.count("user") == 0
    small = b'{"email":"a@example.com","name":"A","password":"correct-horse-battery"}'
    r = await auth.handle(Request("POST", "/api/auth/sign-up/email",
                                  Headers.from_pairs([("content-type", "application/json")]), body=small))
    assert r.status == 200


def test_flask_refuses_oversized_bodies_without_buffering_them() -> None:
    """ASVS v5.0.0-15.2.2: the Flask integration refuses a declared oversized body unread, and reads at most one
    byte past the limit of an undeclared one."""
    flask = pytest.importorskip("flask")
    from tessera.integrations.flask import TesseraFlask

    auth = make_auth(advanced={"max_body_size": 1024})
    app = flask.Flask(__name__)
    extension = TesseraFlask(auth, app)
    try:
        client = app.test_client()
        r = client.post("/api/auth/sign-up/email", data=b"{" + b" " * 4096 + b"}",
                        headers={"content-type": "application/json", "origin": "http://127.0.0.1:3000"})
        assert r.status_code == 413 and r.get_json()["code"] == "PAYLOAD_TOO_LARGE"
        r = client.post("/api/auth/sign-up/email",
                        json={"email": "a@example.com", "name": "A", "password": "correct-horse-battery"},
                        headers={"origin": "http://127.0.0.1:3000"})
        assert r.status_code == 200
    finally:
        extension.close()


@pytest.mark.parametrize(
    "body",
    [
        {"email": ["alice@example.com"], "password": "correct-horse-battery"},
        {"email": "alice@example.com", "password": ["correct-horse-battery"]},
        {"email": "alice@example.com", "password": 12345678},
        {"email": {"$ne": None}, "password": "correct-horse-battery"},
        {"email": "alice@example.com", "password": {"$gt": ""}},
    ],
)
async def test_non_string_credentials_are_refused_not_coerced(body: dict[str, object]) -> None:
    """ASVS v5.0.0-15.3.5: arrays, numbers and operator objects where strings belong are a 400, never a match."""
    auth = make_auth()
    await Client(auth).sign_up()
    r = await Client(auth).post("/sign-in/email", body)
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")


async def test_repeated_form_fields_do_not_pollute() -> None:
    """ASVS v5.0.0-15.3.7: HTTP parameter pollution in a form sign-in picks one value and stays a string."""
    auth = make_auth()
    await Client(auth).sign_up()
    raw = b"email=alice%40example.com&password=wrong-password-1&password=correct-horse-battery"
    r = await Client(auth).post("/sign-in/email", raw=raw, content_type="application/x-www-form-urlencoded")
    assert r.status in (200, 401)  # one of the two values, consistently, never a list
    assert r.status != 500


@pytest.mark.parametrize(("field", "value"), [("emailVerified", True), ("id", "attacker-id"),
                                             ("createdAt", "2020-01-01T00:00:00.000Z")])
async def test_protected_user_fields_cannot_be_mass_assigned(field: str, value: object) -> None:
    """ASVS v5.0.0-15.3.3, security.md §2.9 lesson 3: neither sign-up nor update-user sets protected columns
    (refused with a 400, or for ``id`` ignored)."""
    auth = make_auth()
    r = await Client(auth).sign_up(**{field: value})
    assert r.status == 400 or r.json_body()["user"][field] != value
    browser = Client(auth)
    await browser.sign_up("bob@example.com")
    r = await browser.post("/update-user", {field: value})
    assert r.status == 400
    for email in ("alice@example.com", "bob@example.com"):
        user = await auth.context.store.find_user_by_email(email)
        assert user is None or (user["emailVerified"] is False and user["id"] != "attacker-id"
                                and user["createdAt"].year != 2020)
