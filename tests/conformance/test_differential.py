"""Differential tests: the same requests to the pinned Better Auth 1.7.24 server and to tessera.

Both run with equivalent configuration (core only, email and password on, the same secret, rate limiting
off, production mode, ``base_url = http://127.0.0.1:<port>``). Each case runs a scenario — one or more
requests — against each server with its own cookies, and compares the responses as ``Wire`` values: status,
``content-type``/``cache-control``/``pragma``/``location``, every ``Set-Cookie`` (name, attributes, value
kind), and the body's shape (keys in order, value types, exact error ``message``/``code``).

Deliberate differences live in ``conformance_pair.ALLOWED`` with a reason; an entry that no longer differs
fails the test so the list stays true. The servers (``pair``, ``alice``) are shared by the whole session.
"""

from __future__ import annotations

import json

import httpx
from conformance_pair import EVIL, JSON, PASSWORD, Pair, Side, jar_from, signed

# -- sign-up ----------------------------------------------------------------------------------------


def test_sign_up_success(pair: Pair) -> None:
    email = pair.email("signup")
    pair.check(
        "sign-up success",
        lambda s: s.post("/sign-up/email", {"email": email, "password": PASSWORD, "name": "New User"}),
    )


def test_sign_up_with_image_remember_me_false_and_relative_callback(pair: Pair) -> None:
    email = pair.email("signup-image")
    body = {
        "email": email,
        "password": PASSWORD,
        "name": "Img",
        "image": "https://example.com/i.png",
        "rememberMe": False,
        "callbackURL": "/welcome",
    }
    pair.check("sign-up image+rememberMe=false", lambda s: s.post("/sign-up/email", body))


def test_sign_up_mixed_case_email_is_lower_cased(pair: Pair) -> None:
    email = pair.email("MiXeD").replace("example.com", "Example.COM")
    pair.check(
        "sign-up mixed case",
        lambda s: s.post("/sign-up/email", {"email": email, "password": PASSWORD, "name": "M"}),
    )


def test_sign_up_duplicate(pair: Pair, alice: str) -> None:
    pair.check(
        "sign-up duplicate",
        lambda s: s.post("/sign-up/email", {"email": alice, "password": PASSWORD, "name": "Again"}),
    )


def test_sign_up_missing_fields(pair: Pair) -> None:
    pair.check("sign-up missing fields", lambda s: s.post("/sign-up/email", {"email": pair.email("missing")}))


def test_sign_up_short_password(pair: Pair) -> None:
    body = {"email": pair.email("short"), "password": "short", "name": "Bob"}
    pair.check("sign-up short password", lambda s: s.post("/sign-up/email", body))


def test_sign_up_long_password(pair: Pair) -> None:
    body = {"email": pair.email("long"), "password": "x" * 129, "name": "Bob"}
    pair.check("sign-up long password", lambda s: s.post("/sign-up/email", body))


def test_sign_up_invalid_email(pair: Pair) -> None:
    body = {"email": "not-an-email", "password": PASSWORD, "name": "Bob"}
    pair.check("sign-up invalid email", lambda s: s.post("/sign-up/email", body))


def test_sign_up_wrong_types(pair: Pair) -> None:
    body = {"email": pair.email("types"), "password": 12345678, "name": None}
    pair.check("sign-up wrong types", lambda s: s.post("/sign-up/email", body))


def test_sign_up_untrusted_origin(pair: Pair) -> None:
    body = {"email": pair.email("evil"), "password": PASSWORD, "name": "Bob"}
    pair.check("sign-up untrusted origin", lambda s: s.post("/sign-up/email", body, headers={"origin": EVIL}))


def test_sign_up_untrusted_callback_url(pair: Pair) -> None:
    body = {"email": pair.email("cb"), "password": PASSWORD, "name": "Bob", "callbackURL": EVIL + "/x"}
    pair.check("sign-up untrusted callbackURL", lambda s: s.post("/sign-up/email", body))


def test_sign_up_empty_body(pair: Pair) -> None:
    pair.check("sign-up empty body", lambda s: s.send("POST", "/sign-up/email", content=b"", headers=JSON))


def test_sign_up_json_array_body(pair: Pair) -> None:
    pair.check("sign-up array body", lambda s: s.send("POST", "/sign-up/email", content=b"[1,2]", headers=JSON))


def test_sign_up_text_plain(pair: Pair) -> None:
    pair.check(
        "sign-up text/plain",
        lambda s: s.send("POST", "/sign-up/email", content=b"hello", headers={"content-type": "text/plain"}),
    )


def test_sign_up_structured_json_media_type(pair: Pair) -> None:
    body = b'{"email":"x@example.com","password":"correct-horse-battery","name":"X"}'
    pair.check(
        "sign-up +json media type",
        lambda s: s.send("POST", "/sign-up/email", content=body, headers={"content-type": "application/vnd.api+json"}),
    )


def test_sign_up_json_with_charset(pair: Pair) -> None:
    body = {"email": pair.email("charset"), "password": PASSWORD, "name": "Charset"}
    pair.check(
        "sign-up json charset",
        lambda s: s.send(
            "POST",
            "/sign-up/email",
            content=json.dumps(body),
            headers={"content-type": "Application/JSON; charset=utf-8"},
        ),
    )


# -- sign-in ----------------------------------------------------------------------------------------


def test_sign_in_success(pair: Pair, alice: str) -> None:
    pair.check("sign-in success", lambda s: s.post("/sign-in/email", {"email": alice, "password": PASSWORD}))


def test_sign_in_remember_me_false_trusted_origin(pair: Pair, alice: str) -> None:
    body = {"email": alice, "password": PASSWORD, "rememberMe": False}
    pair.check(
        "sign-in rememberMe=false",
        lambda s: s.post("/sign-in/email", body, headers={"origin": s.origin}),
    )


def test_sign_in_with_callback_url(pair: Pair, alice: str) -> None:
    body = {"email": alice, "password": PASSWORD, "callbackURL": "/dashboard"}
    pair.check("sign-in callbackURL", lambda s: s.post("/sign-in/email", body))


def test_sign_in_wrong_password(pair: Pair, alice: str) -> None:
    body = {"email": alice, "password": "wrong-password-1"}
    pair.check("sign-in wrong password", lambda s: s.post("/sign-in/email", body))


def test_sign_in_unknown_email(pair: Pair) -> None:
    body = {"email": pair.email("nobody"), "password": "whatever-123"}
    pair.check("sign-in unknown email", lambda s: s.post("/sign-in/email", body))


def test_sign_in_invalid_email(pair: Pair) -> None:
    pair.check("sign-in invalid email", lambda s: s.post("/sign-in/email", {"email": "nope", "password": PASSWORD}))


def test_sign_in_missing_password(pair: Pair, alice: str) -> None:
    pair.check("sign-in missing password", lambda s: s.post("/sign-in/email", {"email": alice}))


def test_sign_in_untrusted_origin(pair: Pair, alice: str) -> None:
    body = {"email": alice, "password": PASSWORD}
    pair.check("sign-in untrusted origin", lambda s: s.post("/sign-in/email", body, headers={"origin": EVIL}))


def test_sign_in_untrusted_referer(pair: Pair, alice: str) -> None:
    body = {"email": alice, "password": PASSWORD}
    pair.check(
        "sign-in untrusted referer",
        lambda s: s.post("/sign-in/email", body, headers={"referer": EVIL + "/login"}),
    )


def test_sign_in_cross_site_navigation(pair: Pair, alice: str) -> None:
    body = {"email": alice, "password": PASSWORD}
    headers = {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"}
    pair.check("sign-in cross-site navigation", lambda s: s.post("/sign-in/email", body, headers=headers))


def test_sign_in_blank_fetch_metadata(pair: Pair, alice: str) -> None:
    body = {"email": alice, "password": PASSWORD}
    headers = {"sec-fetch-site": "", "sec-fetch-mode": "", "origin": "", "referer": ""}
    pair.check("sign-in blank fetch metadata", lambda s: s.post("/sign-in/email", body, headers=headers))


def test_sign_in_empty_cookie_header(pair: Pair, alice: str) -> None:
    body = {"email": alice, "password": PASSWORD}
    pair.check("sign-in empty cookie header", lambda s: s.post("/sign-in/email", body, headers={"cookie": ""}))


def test_sign_in_malformed_json(pair: Pair) -> None:
    pair.check(
        "sign-in malformed json",
        lambda s: s.send("POST", "/sign-in/email", content=b"{bad json", headers=JSON),
    )


def test_sign_in_form_urlencoded(pair: Pair, alice: str) -> None:
    form = f"email={alice.replace('@', '%40')}&password={PASSWORD}"
    pair.check(
        "sign-in form-urlencoded",
        lambda s: s.send(
            "POST",
            "/sign-in/email",
            content=form,
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
    )


def test_sign_in_no_content_type(pair: Pair, alice: str) -> None:
    pair.check(
        "sign-in no content-type",
        lambda s: s.send("POST", "/sign-in/email", content=b'{"email":"a@b.c","password":"x"}'),
    )


# -- get-session ------------------------------------------------------------------------------------


def test_get_session_valid(pair: Pair) -> None:
    pair.check("get-session valid", lambda s: s.get("/get-session", jar=s.jars["alice"]))


def test_get_session_disable_cookie_cache(pair: Pair) -> None:
    pair.check(
        "get-session disableCookieCache",
        lambda s: s.get("/get-session", jar=s.jars["alice"], params={"disableCookieCache": "true"}),
    )


def test_get_session_no_cookie(pair: Pair) -> None:
    pair.check("get-session no cookie", lambda s: s.get("/get-session"))


def test_get_session_bad_signature(pair: Pair) -> None:
    def scenario(s: Side) -> httpx.Response:
        token = s.jars["alice"]["better-auth.session_token"].split(".")[0]
        return s.get("/get-session", headers={"cookie": f"better-auth.session_token={token}.{'A' * 43}%3D"})

    pair.check("get-session bad signature", scenario)


def test_get_session_garbage(pair: Pair) -> None:
    pair.check(
        "get-session garbage",
        lambda s: s.get("/get-session", headers={"cookie": "better-auth.session_token=garbage"}),
    )


def test_get_session_unknown_token(pair: Pair) -> None:
    cookie = f"better-auth.session_token={signed('Z' * 32)}"
    pair.check("get-session unknown token", lambda s: s.get("/get-session", headers={"cookie": cookie}))


def test_get_session_post_without_defer(pair: Pair) -> None:
    pair.check(
        "get-session POST",
        lambda s: s.post("/get-session", {}, jar=s.jars["alice"], headers={"origin": s.origin}),
    )


def test_get_session_post_malformed_body(pair: Pair) -> None:
    pair.check(
        "get-session POST malformed body",
        lambda s: s.send("POST", "/get-session", content=b"{bad", headers=JSON),
    )


# -- sign-out ---------------------------------------------------------------------------------------


def test_sign_out_cookie_without_origin(pair: Pair) -> None:
    pair.check("sign-out no origin", lambda s: s.send("POST", "/sign-out", jar=s.jars["alice"]))


def test_sign_out_cookie_untrusted_origin(pair: Pair) -> None:
    pair.check(
        "sign-out untrusted origin",
        lambda s: s.send("POST", "/sign-out", jar=s.jars["alice"], headers={"origin": EVIL}),
    )


def test_sign_out_null_origin(pair: Pair) -> None:
    pair.check(
        "sign-out null origin",
        lambda s: s.send("POST", "/sign-out", jar=s.jars["alice"], headers={"origin": "null"}),
    )


def test_sign_out_trusted_origin_then_session_is_gone(pair: Pair, alice: str) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_in(alice)
        out = s.send("POST", "/sign-out", jar=jar, headers={"origin": s.origin})
        return [out, s.get("/get-session", jar=jar)]

    pair.check("sign-out trusted origin", scenario)


def test_sign_out_trusted_referer(pair: Pair, alice: str) -> None:
    def scenario(s: Side) -> httpx.Response:
        jar = s.sign_in(alice, rememberMe=False)
        return s.send("POST", "/sign-out", jar=jar, headers={"referer": s.origin + "/account"})

    pair.check("sign-out trusted referer", scenario)


def test_sign_out_no_cookie(pair: Pair) -> None:
    pair.check("sign-out no cookie", lambda s: s.send("POST", "/sign-out"))


# -- framing ----------------------------------------------------------------------------------------


def test_wrong_method(pair: Pair) -> None:
    pair.check("wrong method", lambda s: s.get("/sign-in/email"))


def test_unknown_path(pair: Pair) -> None:
    pair.check("unknown path", lambda s: s.get("/does-not-exist"))


def test_trailing_slash(pair: Pair) -> None:
    pair.check("trailing slash", lambda s: s.get("/ok/"))


def test_ok(pair: Pair) -> None:
    pair.check("ok", lambda s: s.get("/ok"))


# -- user and password ------------------------------------------------------------------------------


def test_update_user(pair: Pair) -> None:
    email = pair.email("carol")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_up(email, "Carol")
        headers = {"origin": s.origin}
        updated = s.post(
            "/update-user",
            {"name": "Carol Updated", "image": "https://example.com/c.png"},
            jar=jar,
            headers=headers,
        )
        return [
            updated,
            s.get("/get-session", jar=jar),
            s.post("/update-user", {"image": None}, jar=jar, headers=headers),
            s.post("/update-user", {}, jar=jar, headers=headers),
            s.post("/update-user", {"email": "new@example.com"}, jar=jar, headers=headers),
            s.post("/update-user", {"name": 42}, jar=jar, headers=headers),
            s.post("/update-user", {"name": "No Origin"}, jar=jar),
            s.post("/update-user", {"name": "No Session"}, headers=headers),
            s.send(
                "POST",
                "/update-user",
                content=b"name=x",
                jar=jar,
                headers={**headers, "content-type": "application/x-www-form-urlencoded"},
            ),
            s.send("POST", "/update-user", content=b"[]", jar=jar, headers={**headers, **JSON}),
        ]

    pair.check("update-user", scenario)


def test_change_password_wrong_current_password(pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        jar, headers = s.jars["alice"], {"origin": s.origin}
        return [
            s.post(
                "/change-password",
                {"currentPassword": "not-my-password", "newPassword": "new-password-123"},
                jar=jar,
                headers=headers,
            ),
            s.post(
                "/change-password",
                {"currentPassword": PASSWORD, "newPassword": "short"},
                jar=jar,
                headers=headers,
            ),
            s.post("/change-password", {"currentPassword": PASSWORD}, jar=jar, headers=headers),
            s.post(
                "/change-password",
                {"currentPassword": PASSWORD, "newPassword": "new-password-123"},
                headers=headers,
            ),
        ]

    pair.check("change-password errors", scenario)


def test_change_password_success_with_revoke_other_sessions(pair: Pair) -> None:
    email = pair.email("dave")

    def scenario(s: Side) -> list[httpx.Response]:
        first = s.sign_up(email, "Dave")
        other = s.sign_in(email)
        changed = s.post(
            "/change-password",
            {"currentPassword": PASSWORD, "newPassword": "brand-new-password", "revokeOtherSessions": True},
            jar=first,
            headers={"origin": s.origin},
        )
        return [
            changed,
            s.get("/get-session", jar=other),
            s.get("/get-session", jar=jar_from(changed, first)),
        ]

    pair.check("change-password revokeOtherSessions", scenario)


# -- sessions ---------------------------------------------------------------------------------------


def test_list_sessions(pair: Pair) -> None:
    email = pair.email("erin")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_up(email, "Erin")
        s.sign_in(email)
        return [s.get("/list-sessions", jar=jar), s.get("/list-sessions")]

    pair.check("list-sessions", scenario)


def test_revoke_session(pair: Pair) -> None:
    email = pair.email("frank")

    def scenario(s: Side) -> list[httpx.Response]:
        mine = s.sign_up(email, "Frank")
        victim = s.post("/sign-in/email", {"email": email, "password": PASSWORD})
        token = victim.json()["token"]
        headers = {"origin": s.origin}
        return [
            s.post("/revoke-session", {"token": token}, jar=mine, headers=headers),
            s.get("/get-session", jar=jar_from(victim)),
            s.post("/revoke-session", {"token": "Z" * 32}, jar=mine, headers=headers),
            s.post("/revoke-session", {}, jar=mine, headers=headers),
            s.get("/list-sessions", jar=mine),
        ]

    pair.check("revoke-session", scenario)


def test_revoke_other_sessions_and_revoke_sessions(pair: Pair) -> None:
    email = pair.email("grace")

    def scenario(s: Side) -> list[httpx.Response]:
        mine = s.sign_up(email, "Grace")
        other = s.sign_in(email)
        headers = {"origin": s.origin}
        return [
            s.send("POST", "/revoke-other-sessions", jar=mine, headers=headers),
            s.get("/get-session", jar=other),
            s.get("/get-session", jar=mine),
            s.send("POST", "/revoke-sessions", jar=mine, headers=headers),
            s.get("/get-session", jar=mine),
            s.send("POST", "/revoke-sessions", headers=headers),
        ]

    pair.check("revoke-other-sessions + revoke-sessions", scenario)
