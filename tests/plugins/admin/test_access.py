"""Who may call what: non-admins and anonymous callers are refused with stable codes, roles and
``admin_user_ids`` grant exactly their statements, and impersonation keeps its guard rails."""

from __future__ import annotations

from typing import Any

import pytest

from tessera import ConfigError
from tessera.db.adapter import Where
from tessera.plugins.admin import (
    ADMIN_ROLE,
    DEFAULT_STATEMENTS,
    USER_ROLE,
    AdminPlugin,
    admin,
    create_access_control,
)
from tessera.plugins.bearer import bearer
from tests._helpers import Client, make_auth
from tests.plugins.admin.conftest import PASSWORD, World, populate

# endpoint, method, body (or query), the code a signed-in non-admin gets
DENIALS: list[tuple[str, str, Any, str]] = [
    ("/admin/create-user", "POST", {"email": "x@example.com", "name": "X"}, "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS"),
    ("/admin/list-users", "GET", "", "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS"),
    ("/admin/get-user", "GET", "id=x", "YOU_ARE_NOT_ALLOWED_TO_GET_USER"),
    ("/admin/update-user", "POST", {"userId": "x", "data": {"name": "Y"}}, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS"),
    ("/admin/set-role", "POST", {"userId": "x", "role": "admin"}, "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE"),
    ("/admin/set-user-password", "POST", {"userId": "x", "newPassword": PASSWORD},
     "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD"),
    ("/admin/ban-user", "POST", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"),
    ("/admin/unban-user", "POST", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"),
    ("/admin/list-user-sessions", "POST", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS"),
    ("/admin/revoke-user-session", "POST", {"sessionToken": "x"}, "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS"),
    ("/admin/revoke-user-sessions", "POST", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS"),
    ("/admin/remove-user", "POST", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS"),
    ("/admin/impersonate-user", "POST", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS"),
]


async def send(client: Client, method: str, path: str, payload: Any) -> Any:
    if method == "GET":
        return await client.get(path, query=payload)
    return await client.post(path, payload)


@pytest.mark.parametrize(("path", "method", "payload", "code"), DENIALS, ids=[d[0] for d in DENIALS])
async def test_a_regular_user_is_refused_and_an_anonymous_caller_gets_a_bare_401(
    world: World, path: str, method: str, payload: Any, code: str
) -> None:
    r = await send(world.alice, method, path, payload)
    assert r.status == 403 and r.json_body() == {"message": r.json_body()["message"], "code": code}
    anonymous = await send(Client(world.auth), method, path, payload)
    assert anonymous.status == 401 and anonymous.body == b""
    assert anonymous.header("content-type") == "application/json"


async def test_a_demoted_admin_loses_access_at_once_even_with_a_cookie_cache() -> None:
    w = await populate(make_auth(plugins=[admin()], session={"cookie_cache": {"enabled": True}}))
    assert (await w.admin.get("/admin/list-users")).status == 200
    # behind the store's back, so no instance hears of it: only the store read can tell
    await w.auth.adapter.update("user", [Where("id", w.admin_id)], {"role": "user"})
    assert (await w.admin.get("/admin/list-users")).status == 403


async def test_admin_user_ids_and_custom_roles() -> None:
    ac = create_access_control({**DEFAULT_STATEMENTS, "project": ("create", "delete")})
    support = ac.new_role({"user": ("list", "get"), "session": ("list",), "project": ("create",)})
    auth = make_auth(plugins=[admin(roles={"admin": ADMIN_ROLE, "user": USER_ROLE, "support": support})])
    w = await populate(auth)
    await auth.context.store.update_user(w.alice_id, {"role": "support"})
    assert (await w.alice.get("/admin/list-users")).status == 200
    ban = await w.alice.post("/admin/ban-user", {"userId": w.admin_id})
    assert (ban.status, ban.json_body()["code"]) == (403, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS")
    unknown = await w.admin.post("/admin/set-role", {"userId": w.alice_id, "role": "superhero"})
    assert (unknown.status, unknown.json_body()["code"]) == (400, "YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE")
    check = await w.alice.post("/admin/has-permission", {"permissions": {"project": ["create"]}})
    assert check.json_body() == {"error": None, "success": True}
    check = await w.alice.post("/admin/has-permission", {"permissions": {"project": ["create", "delete"]}})
    assert check.json_body() == {"error": None, "success": False}

    by_id = make_auth(plugins=[admin()])
    w2 = await populate(by_id)
    plugin = by_id.plugin(AdminPlugin)
    object.__setattr__(plugin.options, "admin_user_ids", (w2.alice_id,))
    assert (await w2.alice.get("/admin/list-users")).status == 200  # role "user", listed by id


async def test_has_permission_answers_and_bad_bodies(world: World) -> None:
    r = await world.admin.post("/admin/has-permission", {"permissions": {"user": ["ban"], "session": ["revoke"]}})
    assert r.json_body() == {"error": None, "success": True}
    r = await world.admin.post("/admin/has-permission", {"permissions": {"user": ["impersonate-admins"]}})
    assert r.json_body() == {"error": None, "success": False}
    r = await world.alice.post("/admin/has-permission", {"permissions": {"user": ["list"]}, "role": "admin"})
    assert r.json_body() == {"error": None, "success": False}  # a session's own role wins over the body's
    api = world.auth.api
    assert await api.user_has_permission(body={"role": "admin", "permissions": {"user": ["list"]}}) == {
        "error": None, "success": True,
    }
    assert (await api.user_has_permission(body={"userId": world.admin_id, "permissions": {"user": ["list"]}}))[
        "success"] is True
    for body, expected in (
        ({}, {"message": "[body] Invalid input", "code": "VALIDATION_ERROR"}),
        ({"permission": {"user": ["list"]}}, {"message": "invalid permission check. no permission(s) were passed."}),
        ({"permission": {}, "permissions": {}},
         {"message": "[body] Invalid input: more than one option matched", "code": "VALIDATION_ERROR"}),
        ({"permissions": {"user": "list"}}, {"message": "[body.permissions] Invalid input", "code": "VALIDATION_ERROR"}),
    ):
        r = await world.alice.post("/admin/has-permission", body)
        assert (r.status, r.json_body()) == (400, expected), body
    anonymous = await Client(world.auth).post("/admin/has-permission", {"permissions": {"user": ["list"]}})
    assert anonymous.status == 401


async def test_create_user_from_the_server_needs_no_session(world: World) -> None:
    created = await world.auth.api.create_user(body={"email": "srv@example.com", "name": "S", "role": "admin"})
    assert created["user"]["role"] == "admin"
    with pytest.raises(Exception) as info:
        await world.auth.api.create_user(body={"email": "s2@example.com", "name": "S"}, headers={"x-any": "1"})
    assert getattr(info.value, "status", None) == 401


async def test_admins_cannot_be_impersonated_unless_permitted(world: World) -> None:
    store = world.auth.context.store
    other = Client(world.auth)
    r = await other.sign_up("root@example.com", PASSWORD, "Root")
    root_id = r.json_body()["user"]["id"]
    await store.update_user(root_id, {"role": "user,admin"})
    refused = await world.admin.post("/admin/impersonate-user", {"userId": root_id})
    assert (refused.status, refused.json_body()["code"]) == (403, "YOU_CANNOT_IMPERSONATE_ADMINS")
    assert "better-auth.admin_session" not in refused.set_cookies
    missing = await world.admin.post("/admin/impersonate-user", {"userId": "nobody"})
    assert (missing.status, missing.json_body()["code"]) == (404, "USER_NOT_FOUND")

    permitted = make_auth(plugins=[admin(allow_impersonating_admins=True)])
    w = await populate(permitted)
    await permitted.context.store.update_user(w.alice_id, {"role": "admin"})
    assert (await w.admin.post("/admin/impersonate-user", {"userId": w.alice_id})).status == 200


async def test_no_impersonation_from_an_impersonation_or_a_bearer_session() -> None:
    auth = make_auth(plugins=[admin(), bearer()])
    w = await populate(auth)
    store = auth.context.store
    await store.update_user(w.alice_id, {"role": "admin"})
    bob = Client(auth)
    bob_id = (await bob.sign_up("bob@example.com", PASSWORD, "Bob")).json_body()["user"]["id"]
    # an admin being impersonated (allowed here) still cannot start a second impersonation
    object.__setattr__(auth.plugin(AdminPlugin).options, "allow_impersonating_admins", True)
    assert (await w.admin.post("/admin/impersonate-user", {"userId": w.alice_id})).status == 200
    chained = await w.admin.post("/admin/impersonate-user", {"userId": bob_id})
    assert (chained.status, chained.json_body()["code"]) == (403, "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS")
    await w.admin.post("/admin/stop-impersonating")

    token = (await Client(auth).sign_in("admin@example.com", PASSWORD)).header("set-auth-token")
    assert token
    api = Client(auth, origin=None)
    r = await api.post("/admin/impersonate-user", {"userId": bob_id}, headers=[("authorization", f"Bearer {token}")])
    assert (r.status, r.json_body()["code"]) == (400, "YOU_CANNOT_IMPERSONATE_WITH_BEARER")
    assert await store.adapter.count("session", ()) == 4  # admin x2, alice, bob: no impersonation session made


async def test_stop_impersonating_needs_the_admin_cookie(world: World) -> None:
    assert (await world.admin.post("/admin/impersonate-user", {"userId": world.alice_id})).status == 200
    world.admin.cookies.pop("better-auth.admin_session")
    r = await world.admin.post("/admin/stop-impersonating")
    # Better Auth answers a code-less 500 here: the cookie is the client's input, so tessera answers a 400
    assert (r.status, r.json_body()) == (
        400, {"message": "Failed to find admin session", "code": "FAILED_TO_FIND_ADMIN_SESSION"},
    )
    # a forged cookie (another session's token, unsigned) is no better
    world.admin.cookies["better-auth.admin_session"] = "forged:"
    r = await world.admin.post("/admin/stop-impersonating")
    assert (r.status, r.json_body()["code"]) == (400, "FAILED_TO_FIND_ADMIN_SESSION")
    assert (await Client(world.auth).post("/admin/stop-impersonating")).status == 401


async def test_a_banned_user_cannot_be_impersonated(world: World) -> None:
    assert (await world.admin.post("/admin/ban-user", {"userId": world.alice_id})).status == 200
    r = await world.admin.post("/admin/impersonate-user", {"userId": world.alice_id})
    assert (r.status, r.json_body()["code"]) == (403, "BANNED_USER")
    assert (await world.admin.get("/get-session")).json_body()["user"]["email"] == "admin@example.com"


async def test_banned_message_function_and_ban_defaults() -> None:
    def message(user: dict[str, Any]) -> str:
        return f"{user['email']} is banned: {user['banReason']}"

    auth = make_auth(plugins=[admin(banned_user_message=message, default_ban_reason="rules",
                                    default_ban_expires_in=60)])
    w = await populate(auth)
    r = await w.admin.post("/admin/ban-user", {"userId": w.alice_id})
    assert r.json_body()["user"]["banReason"] == "rules" and r.json_body()["user"]["banExpires"]
    refused = await Client(auth).sign_in("alice@example.com", PASSWORD)
    assert refused.json_body() == {"message": "alice@example.com is banned: rules", "code": "BANNED_USER"}


def test_configuration_errors() -> None:
    with pytest.raises(ConfigError, match="Invalid admin roles: owner"):
        admin(admin_roles=["admin", "owner"])
    with pytest.raises(ConfigError, match="impersonation_session_duration"):
        admin(impersonation_session_duration=0)
    with pytest.raises(ConfigError, match="unexpected keyword"):
        admin(default_rol="user")
    assert admin(admin_roles="admin, user").options.admin_roles == ("admin", "user")


def test_the_schema_carries_better_auths_columns() -> None:
    from tessera.adapters.sqlalchemy.migrate import generate_sql

    sql = generate_sql(make_auth(plugins=[admin()]).schema, "postgresql")
    for column in ("role TEXT,", "banned BOOLEAN DEFAULT false,", '"banReason" TEXT,',
                   '"banExpires" TIMESTAMP WITH TIME ZONE,', '"impersonatedBy" TEXT,'):
        assert column in sql, column


async def test_clients_cannot_set_their_own_role_or_ban_fields(world: World) -> None:
    signup = await Client(world.auth).sign_up("mallory@example.com", PASSWORD, "M", role="admin")
    assert (signup.status, signup.json_body()["code"]) == (400, "FIELD_NOT_ALLOWED")
    for field, value in (("role", "admin"), ("banned", False), ("banExpires", None)):
        r = await world.alice.post("/update-user", {field: value})
        assert (r.status, r.json_body()["code"]) == (400, "FIELD_NOT_ALLOWED"), field
    assert (await world.alice.get("/get-session")).json_body()["user"]["role"] == "user"
