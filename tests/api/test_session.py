from datetime import timedelta

import pytest
from tests._helpers import Client
from tests.api.conftest import Clock, FailingHook, MakeApp


async def test_get_session_without_cookie_is_null_and_not_cached(make_app: MakeApp) -> None:
    r = await Client(await make_app()).get("/get-session")
    assert (r.status, r.body) == (200, b"null")
    assert r.header("cache-control") == "no-store" and r.header("pragma") == "no-cache"


async def test_broken_cookies_read_as_signed_out(make_app: MakeApp) -> None:
    auth = await make_app()
    client = Client(auth)
    await client.sign_up()
    token = client.cookies["better-auth.session_token"].split(".")[0]
    for value in ["garbage", token, token + ".AAAA", f"{token}.{'A' * 43}%3D", "%ZZ", ""]:
        r = await Client(auth).get("/get-session", headers=[("cookie", f"better-auth.session_token={value}")])
        assert (r.status, r.body) == (200, b"null"), value


async def test_sliding_expiry_extends_at_most_once_per_update_age(make_app: MakeApp) -> None:
    clock = Clock()
    auth = await make_app(clock=clock, session={"expires_in": 7 * 86400, "update_age": 86400})
    client = Client(auth)
    await client.sign_up()
    first = (await client.get("/get-session")).json_body()["session"]["expiresAt"]
    clock.now += timedelta(hours=12)
    r = await client.get("/get-session")
    assert r.json_body()["session"]["expiresAt"] == first
    assert not r.set_cookies  # no refresh due: no write, no cookie
    clock.now += timedelta(hours=13)
    r = await client.get("/get-session")
    refreshed = r.json_body()["session"]["expiresAt"]
    assert refreshed > first
    assert "Max-Age=604800" in r.set_cookies["better-auth.session_token"]


async def test_expired_session_is_refused_and_cookies_cleared(make_app: MakeApp) -> None:
    clock = Clock()
    auth = await make_app(clock=clock)
    client = Client(auth)
    await client.sign_up()
    clock.now += timedelta(days=8)
    r = await client.get("/get-session")
    assert r.body == b"null"
    assert "Max-Age=0" in r.set_cookies["better-auth.session_token"]
    removed = await auth.context.store.sweep_expired()
    assert removed["session"] == 1


async def test_dont_remember_sessions_live_a_day_and_never_slide(make_app: MakeApp) -> None:
    clock = Clock()
    auth = await make_app(clock=clock)
    await Client(auth).sign_up()
    client = Client(auth)
    await client.sign_in(rememberMe=False)
    created = (await client.get("/get-session")).json_body()["session"]
    clock.now += timedelta(hours=23)
    r = await client.get("/get-session")
    assert r.json_body()["session"]["expiresAt"] == created["expiresAt"]
    clock.now += timedelta(hours=2)
    assert (await client.get("/get-session")).body == b"null"


async def test_sign_out_revokes_the_session(make_app: MakeApp) -> None:
    auth = await make_app()
    client = Client(auth)
    await client.sign_up()
    stolen = dict(client.cookies)
    r = await client.post("/sign-out")
    assert r.json_body() == {"success": True}
    for name in ["better-auth.session_token", "better-auth.session_data", "better-auth.dont_remember"]:
        assert r.set_cookies[name] == f"{name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
    replay = Client(auth)
    replay.cookies = stolen
    assert (await replay.get("/get-session")).body == b"null"


async def test_cookie_authenticated_posts_need_a_trusted_origin(make_app: MakeApp) -> None:
    auth = await make_app()
    client = Client(auth, origin=None)
    await client.sign_up()
    r = await client.post("/sign-out")
    assert (r.status, r.json_body()["code"]) == (403, "MISSING_OR_NULL_ORIGIN")
    r = await client.post("/sign-out", headers=[("origin", "https://evil.example")])
    assert (r.status, r.json_body()["code"]) == (403, "INVALID_ORIGIN")
    assert (await client.get("/get-session")).json_body() is not None  # still signed in


async def test_login_csrf_from_cross_site_navigation_is_blocked(make_app: MakeApp) -> None:
    auth = await make_app()
    await Client(auth).sign_up()
    r = await Client(auth, origin=None).sign_in(
        headers=[("sec-fetch-site", "cross-site"), ("sec-fetch-mode", "navigate"), ("sec-fetch-dest", "document")]
    )
    assert (r.status, r.json_body()["code"]) == (403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED")
    r = await Client(auth, origin="https://evil.example").sign_in()
    assert (r.status, r.json_body()["code"]) == (403, "INVALID_ORIGIN")


async def test_blank_origin_and_fetch_metadata_are_no_evidence_but_an_empty_cookie_header_is(
    make_app: MakeApp,
) -> None:
    # what Better Auth 1.7.24 answers to each (checked against the reference and in tests/conformance)
    auth = await make_app()
    await Client(auth).sign_up()
    blank = [[("sec-fetch-site", "")], [("sec-fetch-mode", " ")], [("sec-fetch-dest", "")], [("origin", "")],
             [("referer", "")], [("origin", ""), ("referer", "")]]
    for headers in blank:
        r = await Client(auth, origin=None).sign_in(headers=headers)
        assert r.status == 200, headers
    padded = [("sec-fetch-site", " cross-site"), ("sec-fetch-mode", "navigate")]
    r = await Client(auth, origin=None).sign_in(headers=padded)
    assert (r.status, r.json_body()["code"]) == (403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED")
    r = await Client(auth, origin=None).sign_in(headers=[("sec-fetch-site", ""), ("origin", "https://evil.example")])
    assert (r.status, r.json_body()["code"]) == (403, "INVALID_ORIGIN")
    for cookie in ["", " "]:  # Better Auth tests headers.has("cookie"): present, even empty
        r = await Client(auth, origin=None).sign_in(headers=[("cookie", cookie)])
        assert (r.status, r.json_body()["code"]) == (403, "MISSING_OR_NULL_ORIGIN"), repr(cookie)
        r = await Client(auth, origin=None).post("/sign-out", headers=[("cookie", cookie)])
        assert (r.status, r.json_body()["code"]) == (403, "MISSING_OR_NULL_ORIGIN"), repr(cookie)


async def test_list_and_revoke_sessions(make_app: MakeApp) -> None:
    auth = await make_app()
    a = Client(auth)
    await a.sign_up()
    b, c = Client(auth), Client(auth)
    await b.sign_in()
    await c.sign_in()
    sessions = (await a.get("/list-sessions")).json_body()
    assert len(sessions) == 3
    assert "token" in sessions[0]
    b_token = b.cookies["better-auth.session_token"].split(".")[0]
    assert (await a.post("/revoke-session", {"token": b_token})).json_body() == {"status": True}
    assert (await b.get("/get-session")).body == b"null"
    assert (await a.post("/revoke-other-sessions")).json_body() == {"status": True}
    assert (await c.get("/get-session")).body == b"null"
    assert (await a.get("/get-session")).json_body() is not None
    assert (await a.post("/revoke-sessions")).json_body() == {"status": True}
    assert (await a.get("/get-session")).body == b"null"


async def test_revoking_someone_elses_session_does_nothing(make_app: MakeApp) -> None:
    auth = await make_app()
    alice, bob = Client(auth), Client(auth)
    await alice.sign_up()
    await bob.sign_up(email="bob@example.com")
    bob_token = bob.cookies["better-auth.session_token"].split(".")[0]
    assert (await alice.post("/revoke-session", {"token": bob_token})).json_body() == {"status": True}
    assert (await bob.get("/get-session")).json_body() is not None


async def test_list_sessions_requires_a_fresh_session(make_app: MakeApp) -> None:
    clock = Clock()
    auth = await make_app(clock=clock, session={"fresh_age": 3600})
    client = Client(auth)
    await client.sign_up()
    clock.now += timedelta(hours=2)
    r = await client.get("/list-sessions")
    assert (r.status, r.json_body()["code"]) == (403, "SESSION_NOT_FRESH")


async def test_update_user_and_change_password(make_app: MakeApp) -> None:
    auth = await make_app()
    client = Client(auth)
    await client.sign_up()
    assert (await client.post("/update-user", {"name": "Alice B"})).json_body() == {"status": True}
    assert (await client.get("/get-session")).json_body()["user"]["name"] == "Alice B"
    r = await client.post("/update-user", {"email": "x@example.com"})
    assert (r.status, r.json_body()["code"]) == (400, "EMAIL_CAN_NOT_BE_UPDATED")
    r = await client.post("/update-user", {})
    assert (r.status, r.json_body()) == (400, {"message": "No fields to update"})
    wrong = {"currentPassword": "wrong-password-1", "newPassword": "new-password-123"}
    r = await client.post("/change-password", wrong)
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_PASSWORD")
    other = Client(auth)
    await other.sign_in()
    r = await client.post("/change-password", {"currentPassword": "correct-horse-battery",
                                               "newPassword": "new-password-123", "revokeOtherSessions": True})
    body = r.json_body()
    assert r.status == 200 and isinstance(body["token"], str)
    assert (await other.get("/get-session")).body == b"null"
    assert (await client.get("/get-session")).json_body()["session"]["token"] == body["token"]
    assert (await Client(auth).sign_in(password="new-password-123")).status == 200
    assert (await Client(auth).sign_in()).status == 401


async def test_a_vetoed_password_change_is_refused_and_changes_nothing(make_app: MakeApp) -> None:
    auth = await make_app(database_hooks={"account": {"update": {"before": lambda data, ctx: False}}})
    client, other = Client(auth), Client(auth)
    await client.sign_up()
    await other.sign_in()
    r = await client.post("/change-password", {"currentPassword": "correct-horse-battery",
                                               "newPassword": "new-password-123", "revokeOtherSessions": True})
    assert (r.status, r.json_body()) == (400, {"message": "The password could not be changed"})
    assert not r.set_cookies
    assert (await other.get("/get-session")).json_body() is not None  # no session was revoked
    assert (await Client(auth).sign_in()).status == 200
    assert (await Client(auth).sign_in(password="new-password-123")).status == 401


CHANGE = {"currentPassword": "correct-horse-battery", "newPassword": "new-password-123", "revokeOtherSessions": True}


@pytest.mark.parametrize(("step", "status"), [("delete", 500), ("create", 400)])
async def test_change_password_is_one_unit_when_a_later_step_fails(make_app: MakeApp, step: str, status: int) -> None:
    # the password is written first; revoking the sessions (delete) or creating the new one (create) failing
    # afterwards rolls it back: the old password still works and no session is lost
    hook = FailingHook(on=False)
    auth = await make_app(database_hooks={"session": {step: {"before": hook}}})
    client, other = Client(auth), Client(auth)
    await client.sign_up()
    await other.sign_in()
    hook.on = True
    r = await client.post("/change-password", CHANGE)
    assert r.status == status
    assert not r.set_cookies
    hook.on = False
    assert await auth.adapter.count("session") == 2
    assert (await other.get("/get-session")).json_body() is not None
    assert (await client.get("/get-session")).json_body() is not None
    assert (await Client(auth).sign_in(password="new-password-123")).status == 401
    assert (await Client(auth).sign_in()).status == 200
    # once the failure passes, the same request goes through as a whole
    assert (await client.post("/change-password", CHANGE)).status == 200
    assert (await other.get("/get-session")).body == b"null"


async def test_server_api_reads_sessions_from_headers(make_app: MakeApp) -> None:
    auth = await make_app()
    client = Client(auth)
    await client.sign_up()
    data = await auth.api.get_session(headers={"cookie": client.cookie_header()})
    assert data["user"]["email"] == "alice@example.com"
    assert await auth.api.get_session(headers={}) is None
