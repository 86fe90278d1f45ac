"""Every ``/admin/*`` endpoint, on every database backend: shapes, codes, and what each one changes."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests._helpers import Client
from tests.plugins.admin.conftest import PASSWORD, MakeWorld


async def test_sign_up_gives_the_default_role_and_the_ban_columns(make_world: MakeWorld) -> None:
    w = await make_world()
    user = (await w.alice.get("/get-session")).json_body()["user"]
    assert {k: user[k] for k in ("role", "banned", "banReason", "banExpires")} == {
        "role": "user", "banned": False, "banReason": None, "banExpires": None,
    }
    session = (await w.alice.get("/get-session")).json_body()["session"]
    assert "impersonatedBy" in session and session["impersonatedBy"] is None


async def test_create_user_then_sign_in(make_world: MakeWorld) -> None:
    w = await make_world()
    r = await w.admin.post("/admin/create-user", {
        "email": "Bob@Example.com", "password": PASSWORD, "name": "Bob", "role": ["user", "admin"],
        "data": {"image": "https://example.com/b.png", "unknownColumn": 1},
    })
    assert r.status == 200, r.body
    user = r.json_body()["user"]
    assert (user["email"], user["name"], user["role"], user["image"], user["banned"]) == (
        "bob@example.com", "Bob", "user,admin", "https://example.com/b.png", False,
    )
    assert list(user)[-1] == "id" and "unknownColumn" not in user
    assert (await Client(w.auth).sign_in("bob@example.com", PASSWORD)).status == 200

    no_password = await w.admin.post("/admin/create-user", {"email": "carol@example.com", "name": "Carol"})
    assert no_password.json_body()["user"]["role"] == "user"
    assert await w.auth.adapter.count("account") == 3  # admin, alice, bob: carol has no credential

    again = await w.admin.post("/admin/create-user", {"email": "bob@example.com", "password": PASSWORD, "name": "B"})
    assert (again.status, again.json_body()["code"]) == (400, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")
    bad = await w.admin.post("/admin/create-user", {"email": "not-an-email", "name": "X"})
    assert (bad.status, bad.json_body()["code"]) == (400, "INVALID_EMAIL")
    short = await w.admin.post("/admin/create-user", {"email": "d@example.com", "name": "D", "password": "short"})
    assert (short.status, short.json_body()["code"]) == (400, "PASSWORD_TOO_SHORT")
    role_type = await w.admin.post("/admin/create-user", {"email": "e@example.com", "name": "E", "data": {"role": 5}})
    assert (role_type.status, role_type.json_body()["code"]) == (400, "INVALID_ROLE_TYPE")


async def test_list_users_search_filter_sort_and_page(make_world: MakeWorld) -> None:
    w = await make_world()
    for name in ("Carol", "Dave", "Erin"):
        await w.admin.post("/admin/create-user", {"email": f"{name.lower()}@example.com", "name": name})
    everyone = (await w.admin.get("/admin/list-users")).json_body()
    assert everyone["total"] == 5 and len(everyone["users"]) == 5
    assert "limit" not in everyone and "offset" not in everyone

    page = (await w.admin.get("/admin/list-users", query="limit=2&offset=1&sortBy=email&sortDirection=desc")).json_body()
    assert page["total"] == 5 and (page["limit"], page["offset"]) == (2, 1)
    assert [u["email"] for u in page["users"]] == ["dave@example.com", "carol@example.com"]

    found = (await w.admin.get("/admin/list-users", query="searchValue=ar&searchField=name")).json_body()
    assert [u["name"] for u in found["users"]] == ["Carol"] and found["total"] == 1
    starts = (await w.admin.get("/admin/list-users",
                                query="searchValue=e&searchField=name&searchOperator=starts_with")).json_body()
    assert [u["name"] for u in starts["users"]] == ["Erin"]

    admins = (await w.admin.get("/admin/list-users", query="filterField=role&filterValue=admin")).json_body()
    assert [u["email"] for u in admins["users"]] == ["admin@example.com"] and admins["total"] == 1
    not_banned = (await w.admin.get("/admin/list-users", query="filterField=banned&filterValue=false")).json_body()
    assert not_banned["total"] == 5
    some = (await w.admin.get("/admin/list-users",
                              query="filterField=name&filterOperator=in&filterValue=Dave&filterValue=Erin")).json_body()
    assert sorted(u["name"] for u in some["users"]) == ["Dave", "Erin"]

    unknown = await w.admin.get("/admin/list-users", query="sortBy=nope")
    assert unknown.status == 200 and unknown.json_body() == {"users": [], "total": 0}
    bad = await w.admin.get("/admin/list-users", query="searchField=role")
    assert bad.status == 400 and bad.json_body() == {
        "message": '[query.searchField] Invalid option: expected one of "email"|"name"', "code": "VALIDATION_ERROR",
    }


async def test_get_update_and_set_role(make_world: MakeWorld) -> None:
    w = await make_world()
    got = await w.admin.get("/admin/get-user", query=f"id={w.alice_id}")
    assert got.status == 200 and got.json_body()["email"] == "alice@example.com"
    missing = await w.admin.get("/admin/get-user", query="id=nobody")
    assert (missing.status, missing.json_body()["code"]) == (404, "USER_NOT_FOUND")

    updated = await w.admin.post("/admin/update-user", {"userId": w.alice_id, "data": {
        "name": "Alice B", "email": "ALICE.B@example.com", "emailVerified": True, "role": ["user", "admin"],
    }})
    assert updated.status == 200, updated.body
    body = updated.json_body()  # the user itself, not wrapped (as Better Auth answers)
    assert (body["name"], body["email"], body["emailVerified"], body["role"]) == (
        "Alice B", "alice.b@example.com", True, "user,admin",
    )
    for data, code in (
        ({}, "NO_DATA_TO_UPDATE"),
        ({"password": "x"}, "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER"),
        ({"id": "x"}, "USER_ID_CANNOT_BE_UPDATED"),
        ({"email": "admin@example.com"}, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"),
        ({"email": "nope"}, "INVALID_EMAIL"),
        ({"role": 3}, "INVALID_ROLE_TYPE"),
        ({"name": 3}, "VALIDATION_ERROR"),
    ):
        r = await w.admin.post("/admin/update-user", {"userId": w.alice_id, "data": data})
        assert (r.status, r.json_body()["code"]) == (400, code), data
    self_ban = await w.admin.post("/admin/update-user", {"userId": w.admin_id, "data": {"banned": True}})
    assert (self_ban.status, self_ban.json_body()["code"]) == (400, "YOU_CANNOT_BAN_YOURSELF")
    nobody = await w.admin.post("/admin/update-user", {"userId": "nobody", "data": {"name": "X"}})
    assert (nobody.status, nobody.json_body()["code"]) == (404, "USER_NOT_FOUND")

    r = await w.admin.post("/admin/set-role", {"userId": w.alice_id, "role": "user"})
    assert r.status == 200 and r.json_body()["user"]["role"] == "user"
    r = await w.admin.post("/admin/set-role", {"userId": "nobody", "role": "user"})
    assert (r.status, r.json_body()["code"]) == (404, "USER_NOT_FOUND")
    r = await w.admin.post("/admin/set-role", {"userId": w.alice_id, "role": 1})
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")


async def test_set_user_password(make_world: MakeWorld) -> None:
    w = await make_world()
    r = await w.admin.post("/admin/set-user-password", {"userId": w.alice_id, "newPassword": "a-brand-new-one"})
    assert r.status == 200 and r.json_body() == {"status": True}
    assert (await Client(w.auth).sign_in("alice@example.com", "a-brand-new-one")).status == 200
    assert (await Client(w.auth).sign_in("alice@example.com", PASSWORD)).status == 401

    created = await w.admin.post("/admin/create-user", {"email": "nopw@example.com", "name": "N"})
    uid = created.json_body()["user"]["id"]
    assert (await w.admin.post("/admin/set-user-password", {"userId": uid, "newPassword": PASSWORD})).status == 200
    assert (await Client(w.auth).sign_in("nopw@example.com", PASSWORD)).status == 200  # an account was made

    for body, code in (
        ({"userId": w.alice_id, "newPassword": "short"}, "PASSWORD_TOO_SHORT"),
        ({"userId": w.alice_id, "newPassword": ""}, "VALIDATION_ERROR"),
        ({"userId": w.alice_id}, "VALIDATION_ERROR"),
    ):
        r = await w.admin.post("/admin/set-user-password", body)
        assert (r.status, r.json_body()["code"]) == (400, code), body
    r = await w.admin.post("/admin/set-user-password", {"userId": "nobody", "newPassword": PASSWORD})
    assert (r.status, r.json_body()["code"]) == (404, "USER_NOT_FOUND")


async def test_ban_ends_sessions_and_refuses_sign_in_until_unbanned(make_world: MakeWorld) -> None:
    w = await make_world()
    phone = Client(w.auth)
    await phone.sign_in("alice@example.com", PASSWORD)
    r = await w.admin.post("/admin/ban-user", {"userId": w.alice_id, "banReason": "spam", "banExpiresIn": 3600})
    assert r.status == 200, r.body
    user = r.json_body()["user"]
    assert user["banned"] is True and user["banReason"] == "spam"
    assert isinstance(user["banExpires"], str)
    assert (await w.alice.get("/get-session")).body == b"null"
    assert (await phone.get("/get-session")).body == b"null"
    assert await w.auth.adapter.count("session", ()) == 1  # the admin's only

    refused = await Client(w.auth).sign_in("alice@example.com", PASSWORD)
    assert refused.status == 403
    assert refused.json_body() == {
        "message": "You have been banned from this application. Please contact support if you believe this is an error.",
        "code": "BANNED_USER",
    }
    assert "better-auth.session_token" not in refused.set_cookies

    self_ban = await w.admin.post("/admin/ban-user", {"userId": w.admin_id})
    assert (self_ban.status, self_ban.json_body()["code"]) == (400, "YOU_CANNOT_BAN_YOURSELF")
    nobody = await w.admin.post("/admin/ban-user", {"userId": "nobody"})
    assert (nobody.status, nobody.json_body()["code"]) == (404, "USER_NOT_FOUND")

    r = await w.admin.post("/admin/unban-user", {"userId": w.alice_id})
    assert r.status == 200
    assert {k: r.json_body()["user"][k] for k in ("banned", "banReason", "banExpires")} == {
        "banned": False, "banReason": None, "banExpires": None,
    }
    assert (await Client(w.auth).sign_in("alice@example.com", PASSWORD)).status == 200


async def test_an_expired_ban_is_lifted_at_the_next_sign_in(make_world: MakeWorld) -> None:
    w = await make_world()
    store = w.auth.context.store
    await store.update_user(w.alice_id, {"banned": True, "banReason": "x",
                                         "banExpires": store.clock() - timedelta(minutes=1)})
    r = await Client(w.auth).sign_in("alice@example.com", PASSWORD)
    assert r.status == 200, r.body
    row = await store.find_user_by_id(w.alice_id)
    assert row is not None and (row["banned"], row["banReason"], row["banExpires"]) == (False, None, None)


async def test_user_sessions_list_revoke_and_remove(make_world: MakeWorld) -> None:
    w = await make_world()
    laptop = Client(w.auth)
    await laptop.sign_in("alice@example.com", PASSWORD)
    listed = await w.admin.post("/admin/list-user-sessions", {"userId": w.alice_id})
    sessions = listed.json_body()["sessions"]
    assert len(sessions) == 2 and all(s["userId"] == w.alice_id for s in sessions)
    assert isinstance(datetime.fromisoformat(sessions[0]["expiresAt"].replace("Z", "+00:00")), datetime)

    laptop_token = (await laptop.get("/get-session")).json_body()["session"]["token"]
    r = await w.admin.post("/admin/revoke-user-session", {"sessionToken": laptop_token})
    assert r.json_body() == {"success": True}
    assert (await laptop.get("/get-session")).body == b"null"
    assert (await w.alice.get("/get-session")).json_body() is not None

    r = await w.admin.post("/admin/revoke-user-sessions", {"userId": w.alice_id})
    assert r.json_body() == {"success": True}
    assert (await w.alice.get("/get-session")).body == b"null"

    self_remove = await w.admin.post("/admin/remove-user", {"userId": w.admin_id})
    assert (self_remove.status, self_remove.json_body()["code"]) == (400, "YOU_CANNOT_REMOVE_YOURSELF")
    r = await w.admin.post("/admin/remove-user", {"userId": w.alice_id})
    assert r.json_body() == {"success": True}
    assert await w.auth.context.store.find_user_by_id(w.alice_id) is None
    assert await w.auth.adapter.count("account") == 1
    again = await w.admin.post("/admin/remove-user", {"userId": w.alice_id})
    assert (again.status, again.json_body()["code"]) == (404, "USER_NOT_FOUND")


async def test_impersonation_round_trip(make_world: MakeWorld) -> None:
    w = await make_world()
    admin_token = (await w.admin.get("/get-session")).json_body()["session"]["token"]
    r = await w.admin.post("/admin/impersonate-user", {"userId": w.alice_id})
    assert r.status == 200, r.body
    body = r.json_body()
    assert body["user"]["id"] == w.alice_id and body["session"]["impersonatedBy"] == w.admin_id
    assert "better-auth.admin_session" in r.set_cookies and "better-auth.dont_remember" in r.set_cookies
    assert "Max-Age" not in r.set_cookies["better-auth.session_token"]  # dies with the browser

    now = (await w.admin.get("/get-session")).json_body()
    assert now["user"]["id"] == w.alice_id and now["session"]["impersonatedBy"] == w.admin_id
    expires = datetime.fromisoformat(now["session"]["expiresAt"].replace("Z", "+00:00"))
    created = datetime.fromisoformat(now["session"]["createdAt"].replace("Z", "+00:00"))
    assert timedelta(minutes=59) < expires - created <= timedelta(hours=1)

    # alice's own device does not see the admin's session on her account
    mine = (await w.alice.get("/list-sessions")).json_body()
    assert len(mine) == 1 and mine[0]["impersonatedBy"] is None

    back = await w.admin.post("/admin/stop-impersonating")
    assert back.status == 200, back.body
    assert back.json_body()["user"]["id"] == w.admin_id and back.json_body()["session"]["token"] == admin_token
    assert "Max-Age=0" in back.set_cookies["better-auth.admin_session"]
    assert "better-auth.admin_session" not in w.admin.cookies
    assert (await w.admin.get("/get-session")).json_body()["user"]["id"] == w.admin_id
    sessions = await w.auth.adapter.find_many("session")
    assert not [s for s in sessions if s.get("impersonatedBy")]  # the impersonation session is gone

    not_now = await w.admin.post("/admin/stop-impersonating")
    assert (not_now.status, not_now.json_body()) == (400, {"message": "You are not impersonating anyone"})
