"""The ``/admin/*`` endpoints, path for path and shape for shape Better Auth 1.7's.

Every endpoint but ``create-user`` and ``has-permission`` requires a session read from the store, never
from the cookie cache (Better Auth's ``getAuthoritativeSessionFromCtx``): a demoted or banned admin loses
access at once, not when a cache expires. Without a session the answer is a bodiless 401, as Better Auth's.
Permission checks come before any lookup, so a non-admin learns nothing about other users.

Ending sessions (ban, revoke, remove) goes through ``revoke_user_sessions`` / the revocation set, so cookie
caches on every instance stop accepting them within the bound documented in docs/sessions.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ...api._common import check_password_length
from ...api.session import revoke_user_sessions
from ...context import RequestContext
from ...db.adapter import Operator, SortBy, Where
from ...db.schema import Field, Table
from ...db.store import CREDENTIAL
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, BaseErrorCodes, ErrorCode
from ...session.issue import create_session, set_session_cookies
from ...session.model import SessionData
from ...session.resolver import resolve_session
from ...validation import EMAIL_RE, F, Shape, column_issue, received, validation_error
from ..bearer.hooks import BEARER_AUTHENTICATED
from .access import has_permission
from .errors import AdminErrorCodes
from .hooks import UNBANNED

if TYPE_CHECKING:
    from . import AdminPlugin

ADMIN_SESSION = "admin_session"
SEARCH_FIELDS = ("email", "name")
SEARCH_OPERATORS = ("contains", "starts_with", "ends_with")
SORT_DIRECTIONS = ("asc", "desc")
FILTER_OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "starts_with", "ends_with")
BAN_FIELDS = ("banned", "banReason", "banExpires")
#: the largest LIMIT / OFFSET every backend binds (SQLAlchemy sends them as a 32-bit INTEGER)
MAX_PAGE_BOUND = 2**31 - 1
_UNDEFINED = object()

USER_ID_BODY = Shape({"userId": F("any", optional=True)})


def unauthorized() -> APIError:
    """Better Auth's ``APIError.fromStatus("UNAUTHORIZED")``: 401 with an empty JSON-typed body."""
    return APIError(401, None, "Unauthorized", body=b"")


def js_string(value: Any = _UNDEFINED) -> str:
    """``String(value)`` as JavaScript computes it (zod's ``z.coerce.string()``)."""
    if value is _UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if v is None else js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def user_id_of(body: Mapping[str, Any], key: str = "userId") -> str:
    return js_string(body.get(key, _UNDEFINED))


def roles_value(role: Any) -> str:
    return ",".join(role) if isinstance(role, list) else str(role)


def build_endpoints(plugin: AdminPlugin) -> tuple[Endpoint, ...]:
    options = plugin.options

    def allowed(user: Mapping[str, Any], permissions: Mapping[str, Any]) -> bool:
        return has_permission(
            user_id=str(user.get("id") or ""),
            role=user.get("role"),
            permissions=permissions,
            roles=options.effective_roles,
            default_role=options.default_role,
            admin_user_ids=options.admin_user_ids,
        )

    def require(session: SessionData, permissions: Mapping[str, Any], error: ErrorCode) -> None:
        if not allowed(session.user, permissions):
            raise APIError(403, error)

    def check_roles(roles: Sequence[Any]) -> None:
        for role in roles:
            if not isinstance(role, str):
                raise APIError(400, AdminErrorCodes.INVALID_ROLE_TYPE)
            if options.roles is not None and role not in options.roles:
                raise APIError(400, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE)

    async def existing_user(ctx: RequestContext, user_id: str) -> dict[str, Any]:
        user = await ctx.auth.store.find_user_by_id(user_id)
        if user is None:
            raise APIError(404, BaseErrorCodes.USER_NOT_FOUND)
        return user

    def public_user(ctx: RequestContext, row: Mapping[str, Any]) -> dict[str, Any]:
        return ctx.auth.store.public("user", row)

    # -- users ---------------------------------------------------------------------------------------

    @endpoint("/admin/create-user", "POST", name="create_user", body=Shape({
        "email": F("string"), "password": F("string", optional=True), "name": F("string"),
        "role": F("any", optional=True), "data": F("object", optional=True),
    }), tags=("admin",))
    async def create_user(ctx: RequestContext) -> Any:
        body = ctx.body
        if body.get("role") is not None and not is_roles(body["role"]):
            raise validation_error(["[body.role] Invalid input"])
        session = await optional_session(ctx)
        if session is not None:
            require(session, {"user": ["create"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS)
        data = dict(body.get("data") or {})
        data_role = data.pop("role", None)
        role = body.get("role") if body.get("role") is not None else data_role
        if role is not None:
            if session is not None:
                require(session, {"user": ["set-role"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE)
            check_roles(role if isinstance(role, list) else [role])
        if session is not None and any(k in data for k in BAN_FIELDS):
            require(session, {"user": ["ban"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_BAN_USERS)
        email = body["email"].lower()
        if not EMAIL_RE.match(email):
            raise APIError(400, BaseErrorCodes.INVALID_EMAIL)
        password = body.get("password")
        if password:
            check_password_length(ctx, password)
        fields = user_fields(ctx, data, "body.data", skip=frozenset({"email", "name"}))
        store = ctx.auth.store
        if await store.find_user_by_email(email) is not None:
            raise APIError(400, AdminErrorCodes.USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL)
        hashed = await ctx.auth.email_and_password.password.hash(password) if password else None
        user_row = {
            **fields, "email": email, "name": body["name"],
            "role": roles_value(role) if role is not None else options.default_role,
        }
        async with store.transaction() as tx:
            user = await store.create_user(user_row, tx)
            if hashed is not None:
                await store.create_account(
                    {"providerId": CREDENTIAL, "accountId": user["id"], "password": hashed, "userId": user["id"]}, tx
                )
        return {"user": public_user(ctx, user)}

    @endpoint("/admin/list-users", "GET", name="list_users", query=Shape({
        "searchValue": F("string", optional=True), "searchField": F("string", optional=True),
        "searchOperator": F("string", optional=True), "limit": F("any", optional=True),
        "offset": F("any", optional=True), "sortBy": F("string", optional=True),
        "sortDirection": F("string", optional=True), "filterField": F("string", optional=True),
        "filterValue": F("any", optional=True), "filterOperator": F("string", optional=True),
    }), tags=("admin",))
    async def list_users(ctx: RequestContext) -> Any:
        query = ctx.query
        check_enums(query, {
            "searchField": SEARCH_FIELDS, "searchOperator": SEARCH_OPERATORS,
            "sortDirection": SORT_DIRECTIONS, "filterOperator": FILTER_OPERATORS,
        })
        session = await admin_session(ctx)
        require(session, {"user": ["list"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_LIST_USERS)
        limit, offset = js_number(query.get("limit")), js_number(query.get("offset"))
        table = ctx.auth.schema["user"]
        where: list[Where] = []
        try:
            if query.get("searchValue"):
                # search is case-insensitive on every backend (Better Auth's depends on the database's collation)
                where.append(condition(column(table, query.get("searchField") or "email"), query["searchValue"],
                                       query.get("searchOperator") or "contains", insensitive=True))
            if query.get("filterValue") is not None:
                where.append(condition(column(table, query.get("filterField") or "email"), query["filterValue"],
                                       query.get("filterOperator") or "eq"))
            sort = None
            if query.get("sortBy"):
                sort = SortBy(column(table, query["sortBy"]).name,
                              "desc" if query.get("sortDirection") == "desc" else "asc")
        except (KeyError, ValueError, TypeError):
            # an unknown field or a value it cannot hold: Better Auth's adapter throws and the endpoint
            # answers an empty page
            return {"users": [], "total": 0}
        adapter = ctx.auth.adapter
        rows = await adapter.find_many(
            "user", where,
            limit=page_bound(limit) or ctx.auth.store.find_many_limit, offset=page_bound(offset),
            sort_by=sort,
        )
        total = await adapter.count("user", where)
        result: dict[str, Any] = {"users": [public_user(ctx, r) for r in rows], "total": total}
        if limit:
            result["limit"] = as_json_number(limit)
        if offset:
            result["offset"] = as_json_number(offset)
        return result

    @endpoint("/admin/get-user", "GET", name="get_user", query=Shape({"id": F("string")}), tags=("admin",))
    async def get_user(ctx: RequestContext) -> Any:
        session = await admin_session(ctx)
        require(session, {"user": ["get"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_GET_USER)
        return public_user(ctx, await existing_user(ctx, ctx.query["id"]))

    @endpoint("/admin/update-user", "POST", name="admin_update_user", body=Shape({
        "userId": F("any", optional=True), "data": F("object"),
    }), tags=("admin",))
    async def admin_update_user(ctx: RequestContext) -> Any:
        session = await admin_session(ctx)
        require(session, {"user": ["update"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS)
        user_id = user_id_of(ctx.body)
        data = dict(ctx.body["data"])
        if not data:
            raise APIError(400, AdminErrorCodes.NO_DATA_TO_UPDATE)
        if "password" in data:
            raise APIError(400, AdminErrorCodes.PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER)
        if "id" in data:
            raise APIError(400, AdminErrorCodes.USER_ID_CANNOT_BE_UPDATED)
        if "role" in data:
            require(session, {"user": ["set-role"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE)
            roles = data["role"] if isinstance(data["role"], list) else [data["role"]]
            check_roles(roles)
            data["role"] = ",".join(roles)
        if any(k in data for k in BAN_FIELDS):
            require(session, {"user": ["ban"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_BAN_USERS)
            if data.get("banned") is True and user_id == session.user_id:
                raise APIError(400, AdminErrorCodes.YOU_CANNOT_BAN_YOURSELF)
        store = ctx.auth.store
        if "email" in data or "emailVerified" in data:
            require(session, {"user": ["set-email"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_SET_USERS_EMAIL)
            if "email" in data:
                email = js_string(data["email"]).lower()
                if not EMAIL_RE.match(email):
                    raise APIError(400, BaseErrorCodes.INVALID_EMAIL)
                other = await store.find_user_by_email(email)
                if other is not None and other["id"] != user_id:
                    raise APIError(400, AdminErrorCodes.USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL)
                data["email"] = email
        if "phoneNumber" in data or "phoneNumberVerified" in data:
            require(session, {"user": ["set-phone"]},
                    AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PHONE_NUMBER)
        changes = user_fields(ctx, data, "body.data")
        await existing_user(ctx, user_id)
        updated = await store.update_user(user_id, changes)
        if updated is None:
            raise APIError(500, BaseErrorCodes.FAILED_TO_UPDATE_USER)
        if data.get("banned") is True:
            await revoke_user_sessions(ctx, user_id)
        return public_user(ctx, updated)

    @endpoint("/admin/set-role", "POST", name="set_role", body=Shape({
        "userId": F("any", optional=True), "role": F("any"),
    }), tags=("admin",))
    async def set_role(ctx: RequestContext) -> Any:
        role = ctx.body["role"]
        if not is_roles(role):
            raise validation_error(["[body.role] Invalid input"])
        session = await admin_session(ctx)
        require(session, {"user": ["set-role"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE)
        if options.roles is not None:
            for name in role if isinstance(role, list) else [role]:
                if name not in options.roles:
                    raise APIError(400, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE)
        user_id = user_id_of(ctx.body)
        await existing_user(ctx, user_id)
        updated = await ctx.auth.store.update_user(user_id, {"role": roles_value(role)})
        if updated is None:
            raise APIError(500, BaseErrorCodes.FAILED_TO_UPDATE_USER)
        return {"user": public_user(ctx, updated)}

    @endpoint("/admin/set-user-password", "POST", name="set_user_password", body=Shape({
        "newPassword": F("string"), "userId": F("any", optional=True),
    }), tags=("admin",))
    async def set_user_password(ctx: RequestContext) -> Any:
        new_password: str = ctx.body["newPassword"]
        user_id = user_id_of(ctx.body)
        issues = []
        if not new_password:
            issues.append("[body.newPassword] newPassword cannot be empty")
        if not user_id:
            issues.append("[body.userId] userId cannot be empty")
        if issues:
            raise validation_error(issues)
        session = await admin_session(ctx)
        require(session, {"user": ["set-password"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD)
        check_password_length(ctx, new_password)
        user = await existing_user(ctx, user_id)
        store = ctx.auth.store
        hashed = await ctx.auth.email_and_password.password.hash(new_password)
        if await store.find_credential_account(user_id) is not None:
            await store.set_password(user_id, hashed)
        else:
            await store.create_account(
                {"userId": user_id, "providerId": CREDENTIAL, "accountId": user["id"], "password": hashed}
            )
        return {"status": True}

    @endpoint("/admin/remove-user", "POST", name="remove_user", body=USER_ID_BODY, tags=("admin",))
    async def remove_user(ctx: RequestContext) -> Any:
        session = await admin_session(ctx)
        require(session, {"user": ["delete"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS)
        user_id = user_id_of(ctx.body)
        if user_id == session.user_id:
            raise APIError(400, AdminErrorCodes.YOU_CANNOT_REMOVE_YOURSELF)
        await existing_user(ctx, user_id)
        # sessions, accounts and the user go as one unit; then every instance's cookie cache is told
        await ctx.auth.store.delete_user(user_id)
        await revoke_user_sessions(ctx, user_id)
        return {"success": True}

    # -- bans ----------------------------------------------------------------------------------------

    @endpoint("/admin/ban-user", "POST", name="ban_user", body=Shape({
        "userId": F("any", optional=True), "banReason": F("string", optional=True),
        "banExpiresIn": F("number", optional=True),
    }), tags=("admin",))
    async def ban_user(ctx: RequestContext) -> Any:
        session = await admin_session(ctx)
        require(session, {"user": ["ban"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_BAN_USERS)
        user_id = user_id_of(ctx.body)
        await existing_user(ctx, user_id)
        if user_id == session.user_id:
            raise APIError(400, AdminErrorCodes.YOU_CANNOT_BAN_YOURSELF)
        expires_in = ctx.body.get("banExpiresIn") or options.default_ban_expires_in
        store = ctx.auth.store
        ban_expires = ban_end(store.clock(), expires_in)
        # the row first: from here on no new session can be made for this user (the session.create hook)
        updated = await store.update_user(user_id, {
            "banned": True,
            "banReason": ctx.body.get("banReason") or options.default_ban_reason or "No reason",
            "banExpires": ban_expires,
        })
        if updated is None:
            raise APIError(500, BaseErrorCodes.FAILED_TO_UPDATE_USER)
        # then the sessions made before it, on this instance's store and in every instance's cookie cache
        await revoke_user_sessions(ctx, user_id)
        return {"user": public_user(ctx, updated)}

    @endpoint("/admin/unban-user", "POST", name="unban_user", body=USER_ID_BODY, tags=("admin",))
    async def unban_user(ctx: RequestContext) -> Any:
        session = await admin_session(ctx)
        require(session, {"user": ["ban"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_BAN_USERS)
        user_id = user_id_of(ctx.body)
        await existing_user(ctx, user_id)
        updated = await ctx.auth.store.update_user(user_id, dict(UNBANNED))
        if updated is None:
            raise APIError(500, BaseErrorCodes.FAILED_TO_UPDATE_USER)
        return {"user": public_user(ctx, updated)}

    # -- sessions ------------------------------------------------------------------------------------

    @endpoint("/admin/list-user-sessions", "POST", name="list_user_sessions", body=USER_ID_BODY, tags=("admin",))
    async def list_user_sessions(ctx: RequestContext) -> Any:
        session = await admin_session(ctx)
        require(session, {"session": ["list"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS)
        return {"sessions": await ctx.auth.store.list_sessions(user_id_of(ctx.body))}

    @endpoint("/admin/revoke-user-session", "POST", name="revoke_user_session",
              body=Shape({"sessionToken": F("string")}), tags=("admin",))
    async def revoke_user_session(ctx: RequestContext) -> Any:
        session = await admin_session(ctx)
        require(session, {"session": ["revoke"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS)
        revoked = await ctx.auth.store.delete_session(ctx.body["sessionToken"])
        if revoked is not None:
            ctx.auth.plugin_state["revocations"].revoke([revoked])
        return {"success": True}

    @endpoint("/admin/revoke-user-sessions", "POST", name="revoke_user_sessions", body=USER_ID_BODY,
              tags=("admin",))
    async def revoke_all_user_sessions(ctx: RequestContext) -> Any:
        session = await admin_session(ctx)
        require(session, {"session": ["revoke"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS)
        await revoke_user_sessions(ctx, user_id_of(ctx.body))
        return {"success": True}

    # -- impersonation -------------------------------------------------------------------------------

    @endpoint("/admin/impersonate-user", "POST", name="impersonate_user", body=USER_ID_BODY, tags=("admin",))
    async def impersonate_user(ctx: RequestContext) -> Any:
        session = await admin_session(ctx)
        require(session, {"user": ["impersonate"]}, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS)
        if ctx.state.get(BEARER_AUTHENTICATED):
            raise APIError(400, AdminErrorCodes.YOU_CANNOT_IMPERSONATE_WITH_BEARER)
        if session.session.get("impersonatedBy"):
            # no chains: the admin_session cookie holds one session to return to, and audit trails
            # (``impersonatedBy``) must name the real person
            raise APIError(403, AdminErrorCodes.YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS)
        target = await existing_user(ctx, user_id_of(ctx.body))
        if options.is_admin(target) and not (
            options.allow_impersonating_admins or allowed(session.user, {"user": ["impersonate-admins"]})
        ):
            raise APIError(403, AdminErrorCodes.YOU_CANNOT_IMPERSONATE_ADMINS)
        auth = ctx.auth
        cookies = auth.cookies
        impersonation = await create_session(ctx, target, dont_remember=True, extra={
            "impersonatedBy": session.user_id,
            "expiresAt": auth.now() + timedelta(seconds=options.impersonation_session_duration),
        })
        admin_dont_remember = "true" if cookies.read_dont_remember(ctx.request) else ""
        cookies.clear_session(ctx.response, ctx.request)
        ctx.response.set_cookie(
            cookies.name(ADMIN_SESSION),
            cookies.signer.sign(f"{session.token}:{admin_dont_remember}"),
            cookies.attrs("session_token", max_age=auth.session_config.expires_in),
        )
        set_session_cookies(ctx, impersonation, dont_remember=True)
        return {"session": impersonation.session, "user": public_user(ctx, target)}

    @endpoint("/admin/stop-impersonating", "POST", name="stop_impersonating", tags=("admin",))
    async def stop_impersonating(ctx: RequestContext) -> Any:
        auth = ctx.auth
        session = await resolve_session(ctx)
        if session is None:
            raise unauthorized()
        admin_id = session.session.get("impersonatedBy")
        if not admin_id:
            raise APIError(400, None, "You are not impersonating anyone")
        if await auth.store.find_user_by_id(str(admin_id)) is None:
            raise APIError(400, AdminErrorCodes.FAILED_TO_FIND_USER)
        cookies = auth.cookies
        cookie_name = cookies.name(ADMIN_SESSION)
        raw = ctx.request.cookies.get(cookie_name)
        value = cookies.signer.unsign(raw) if raw else None
        if not value:
            raise APIError(400, AdminErrorCodes.FAILED_TO_FIND_ADMIN_SESSION)
        admin_token, _, dont_remember = value.partition(":")
        admin = await auth.store.find_session(admin_token)
        if admin is None or admin.session["userId"] != admin_id or admin.session["expiresAt"] <= auth.now():
            raise APIError(400, AdminErrorCodes.FAILED_TO_FIND_ADMIN_SESSION)
        revoked = await auth.store.delete_session(session.token)
        if revoked is not None:
            auth.plugin_state["revocations"].revoke([revoked])
        set_session_cookies(ctx, admin, dont_remember=bool(dont_remember))
        if not dont_remember and cookies.dont_remember in ctx.request.cookies:
            cookies.expire(ctx.response, cookies.dont_remember)  # the impersonation's, not the admin's
        cookies.expire(ctx.response, cookie_name)
        return admin.to_dict()

    # -- permissions ---------------------------------------------------------------------------------

    @endpoint("/admin/has-permission", "POST", name="user_has_permission", body=Shape({
        "userId": F("any", optional=True), "role": F("string", optional=True),
    }), tags=("admin",))
    async def user_has_permission(ctx: RequestContext) -> Any:
        body = ctx.body
        requested_permissions(body)
        if not body.get("permissions"):
            raise APIError(400, None, "invalid permission check. no permission(s) were passed.")
        session = await optional_session(ctx)
        if session is None and not body.get("userId") and not body.get("role"):
            raise APIError(400, None, "user id or role is required")
        user: Mapping[str, Any] | None
        if session is not None:
            user = session.user
        elif body.get("role"):
            user = {"id": js_string(body["userId"]) if body.get("userId") else "", "role": body["role"]}
        else:
            user = await ctx.auth.store.find_user_by_id(user_id_of(body))
        if user is None:
            raise APIError(400, None, "user not found")
        return {"error": None, "success": allowed(user, body["permissions"])}

    return (
        create_user, list_users, get_user, admin_update_user, set_role, set_user_password, remove_user,
        ban_user, unban_user, list_user_sessions, revoke_user_session, revoke_all_user_sessions,
        impersonate_user, stop_impersonating, user_has_permission,
    )


# -- helpers -------------------------------------------------------------------------------------------


async def admin_session(ctx: RequestContext) -> SessionData:
    """The caller's session, read from the store (a cookie cache could be minutes stale)."""
    session = await resolve_session(ctx, disable_cookie_cache=True)
    if session is None:
        raise unauthorized()
    return session


async def optional_session(ctx: RequestContext) -> SessionData | None:
    """No session is fine only for a server call without headers (``auth.api.create_user(body=...)``)."""
    session = await resolve_session(ctx, disable_cookie_cache=True)
    if session is None and (ctx.is_http or ctx.request.headers):
        raise unauthorized()
    return session


def is_roles(value: Any) -> bool:
    """``z.union([z.string(), z.array(z.string())])``."""
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def column(table: Table, name: str) -> Field:
    """The user column ``name`` (``id`` included); ``KeyError`` when there is none."""
    return Field("id") if name == "id" else table.field(name)


def check_enums(values: Mapping[str, Any], enums: Mapping[str, Sequence[str]]) -> None:
    issues = []
    for name, allowed_values in enums.items():
        value = values.get(name)
        if value is not None and value not in allowed_values:
            choices = "|".join(f'"{v}"' for v in allowed_values)
            issues.append(f"[query.{name}] Invalid option: expected one of {choices}")
    if issues:
        raise validation_error(issues)


def page_bound(number: int | float | None) -> int | None:
    """A positive ``limit`` / ``offset`` as a statement can carry it: at most ``MAX_PAGE_BOUND`` (a bigger one
    selects the same rows, and the drivers refuse it as a 500), ``None`` when absent or not positive."""
    if not number or number <= 0:
        return None
    return min(int(number), MAX_PAGE_BOUND)


def as_json_number(number: int | float) -> int | float:
    """``number`` as JSON can carry it: an integer beyond 64 bits as the float JavaScript holds anyway."""
    return float(number) if isinstance(number, int) and not -(2**63) <= number < 2**64 else number


def js_number(value: Any) -> int | float | None:
    """``Number(value) || undefined``."""
    if value is None or isinstance(value, bool | list | dict):
        return None
    try:
        number = float(value) if isinstance(value, str) and value.strip() else value
        number = float(number)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or number == 0 or not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def condition(field: Field, value: Any, operator: str, *, insensitive: bool = False) -> Where:
    op: Operator = operator  # type: ignore[assignment]  # checked against FILTER_OPERATORS already
    if op in ("in", "not_in"):
        values = value if isinstance(value, list) else [value]
        return Where(field.name, [coerce(field, v) for v in values], op)
    if isinstance(value, list):
        raise ValueError("a list needs the in or not_in operator")
    if op in ("contains", "starts_with", "ends_with"):
        if field.type != "string":
            raise ValueError(f"{op} needs a string column")
        return Where(field.name, js_string(value), op, insensitive=insensitive)
    return Where(field.name, coerce(field, value), op)


def coerce(field: Field, value: Any) -> Any:
    """A query-string value as the column's type (``"true"`` for a boolean, an ISO date for a date)."""
    if field.type == "boolean":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise ValueError(f"not a boolean: {value!r}")
    if field.type in ("number", "bigint"):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"not a finite number: {value!r}")
        typed = int(number) if number.is_integer() else number
        if isinstance(typed, int) and column_issue(field.type, False, typed):
            raise ValueError(f"out of the column's range: {value!r}")  # the statement would fail on PostgreSQL
        return typed
    if field.type == "date":
        return parse_date(value)
    return value if isinstance(value, str) else js_string(value)


def ban_end(now: datetime, expires_in: float | None) -> datetime | None:
    """When a ban given ``expires_in`` seconds ends; a 400 past year 9999, where Python's datetime and MySQL's
    DATETIME both end."""
    if not expires_in:
        return None
    try:
        return now + timedelta(seconds=expires_in)
    except OverflowError:
        raise validation_error(["[body.banExpiresIn] Too big: the ban must end before 10000"]) from None


def parse_date(value: Any) -> datetime:
    """A date from a ``Date``, epoch milliseconds or an ISO string; ``ValueError`` for anything out of range."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"date out of range: {value!r}") from exc
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError(f"not a date: {value!r}")


def user_fields(
    ctx: RequestContext, data: Mapping[str, Any], where: str, *, skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The user columns in ``data``, typed; keys that are not columns are dropped (as Better Auth's
    adapter drops them). An admin may set columns clients may not (``input=False``)."""
    out: dict[str, Any] = {}
    for f in ctx.auth.schema["user"].fields:
        if f.name in skip or f.name not in data or f.name in ("createdAt", "updatedAt"):
            continue
        value = data[f.name]
        if value is None:
            if f.required:
                raise validation_error([f"[{where}.{f.name}] Invalid input: expected {f.type}, received null"])
            out[f.name] = None
            continue
        ok = {
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "bigint": isinstance(value, int) and not isinstance(value, bool),
        }.get(f.type, True)
        if f.type == "date":
            try:
                value = parse_date(value)
            except (TypeError, ValueError):
                ok = False
        if not ok:
            raise validation_error(
                [f"[{where}.{f.name}] Invalid input: expected {f.type}, received {received(value)}"]
            )
        out[f.name] = value
    return out


def requested_permissions(body: Mapping[str, Any]) -> dict[str, list[str]]:
    """The body's ``permissions`` (or the deprecated ``permission``): exactly one of them, a record of
    action lists (zod's ``xor`` of the two objects)."""
    has_one, has_many = "permission" in body, "permissions" in body
    if has_one == has_many:
        raise validation_error(["[body] Invalid input" + (": more than one option matched" if has_one else "")])
    which = "permissions" if has_many else "permission"
    if not permission_record(body[which]):
        raise validation_error([f"[body.{which}] Invalid input"])
    record: dict[str, list[str]] = body[which]
    return record


def permission_record(value: Any) -> bool:
    """``z.record(z.string(), z.array(z.string()))``."""
    return isinstance(value, dict) and all(
        isinstance(v, list) and all(isinstance(a, str) for a in v) for v in value.values()
    )
