"""``POST /device/code``, ``POST /device/token``, ``GET /device``, ``POST /device/approve`` and ``POST /device/deny``,
path for path and shape for shape Better Auth 1.7.24's ``deviceAuthorization()`` (RFC 8628).

The flow: a device asks ``/device/code`` for a secret device code and a short user code; the person opens
``verification_uri`` signed in, and ``GET /device?user_code=…`` claims the code for their account; they approve
(or deny) it; meanwhile the device polls ``/device/token`` with its device code, at most once per ``interval``,
until it gets a session token.

Where the races are closed: a poll records itself with a compare-and-set on ``lastPolledAt`` (two concurrent
polls inside one interval: one is answered, the other ``slow_down``); approve and deny change a row only while it
is still ``pending`` and claimed by the caller; the approved row is consumed (``DELETE … RETURNING``) before a
session is made, so of any number of concurrent polls exactly one gets a session.
"""

from __future__ import annotations

import hmac
import inspect
import re
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ...context import RequestContext
from ...crypto.random import ALPHANUMERIC, random_string
from ...db.adapter import Adapter, Row, UniqueViolation, Where
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, BaseErrorCodes
from ...session.issue import create_session
from ...session.resolver import resolve_session
from ...validation import F, Shape, column_issue, validation_error
from .config import MAX_CODE_LENGTH
from .errors import DeviceAuthorizationErrorCodes as E
from .errors import OAuthError, device_error

if TYPE_CHECKING:
    from . import DeviceAuthorizationPlugin

#: Better Auth's user-code alphabet: no 0/O, 1/I, so a code read aloud or typed is not misread
USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DEFAULT_USER_CODE = re.compile(f"^[{USER_CODE_ALPHABET}]+$")
_NOT_ALNUM = re.compile(r"[^a-zA-Z0-9]")
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
#: ``/device/code`` tries this many fresh code pairs when one collides with a stored one
GENERATION_ATTEMPTS = 3
REQUEST_FIELDS = ("client_id", "user_id", "scope")
MODEL = "deviceCode"

CODE_BODY = Shape({
    "client_id": F("string"),
    "user_id": F("string", optional=True),
    "scope": F("string", optional=True),
})
TOKEN_FIELDS = {"device_code": F("string"), "client_id": F("string")}
VERIFY_QUERY = Shape({"user_code": F("string")})
DECISION_BODY = Shape({"userCode": F("string")})


async def maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def normalize_user_code(user_code: str) -> str:
    """Better Auth's ``normalizeUserCode``: separators and other punctuation dropped, letters upper-cased, so
    ``abcd-efgh`` finds ``ABCDEFGH``."""
    return _NOT_ALNUM.sub("", user_code).upper()


def same(stored: Any, given: str) -> bool:
    """Constant-time equality of a stored code and a presented one. Also re-checks what the database matched:
    MySQL's default collation compares case- and accent-insensitively, so its match alone proves nothing."""
    return isinstance(stored, str) and hmac.compare_digest(stored.encode(), given.encode())


def verification_uris(configured: str | None, base: str, user_code: str) -> tuple[str, str]:
    """``(verification_uri, verification_uri_complete)``: the configured URL, or a path resolved against the
    base URL (``/device`` by default), and the same with ``user_code`` set in its query."""
    uri = configured or "/device"
    url = uri if urlsplit(uri).scheme else urljoin(base, uri)
    parts = urlsplit(url)
    if not parts.path:
        parts = parts._replace(path="/")  # WHATWG URL serialisation: ``https://x`` is ``https://x/``
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "user_code"]
    complete = parts._replace(query=urlencode([*kept, ("user_code", user_code)]))
    return urlunsplit(parts), urlunsplit(complete)


def checked_code(code: Any, label: str) -> str:
    """A generated code as Better Auth's ``validateGeneratedCode`` accepts it."""
    if not isinstance(code, str):
        raise device_error(400, OAuthError.INVALID_REQUEST, f"Generated {label} code must be a string")
    if len(code) > MAX_CODE_LENGTH:
        raise device_error(400, OAuthError.INVALID_REQUEST, f"Generated {label} code must be at most 191 characters")
    return code


def form_fields(ctx: RequestContext) -> dict[str, list[str]] | None:
    """The non-empty values of each request field of an ``application/x-www-form-urlencoded`` body (a repeated
    field is refused, as RFC 6749 §3.1 asks), or ``None`` for a JSON body or a direct call."""
    if not ctx.is_http:
        return None
    media = ctx.request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        return None
    values: dict[str, list[str]] = {name: [] for name in REQUEST_FIELDS}
    for key, value in parse_qsl(ctx.request.body.decode("utf-8", "replace"), keep_blank_values=True):
        if key in values and value:
            values[key].append(value)
    return values


def build_endpoints(plugin: DeviceAuthorizationPlugin) -> tuple[Endpoint, ...]:
    options = plugin.options
    interval_ms = options.interval_ms

    def adapter(ctx: RequestContext) -> Adapter:
        return ctx.auth.adapter

    async def new_device_code() -> str:
        if options.generate_device_code is not None:
            return checked_code(await maybe_await(options.generate_device_code()), "device")
        return random_string(options.device_code_length, ALPHANUMERIC)

    async def new_user_code() -> str:
        if options.generate_user_code is not None:
            return checked_code(await maybe_await(options.generate_user_code()), "user")
        choice = secrets.choice
        return "".join(choice(USER_CODE_ALPHABET) for _ in range(options.user_code_length))

    async def client_is_valid(client_id: str) -> bool:
        return options.validate_client is None or bool(await maybe_await(options.validate_client(client_id)))

    async def find_by_user_code(ctx: RequestContext, user_code: str) -> Row | None:
        """The row of ``user_code`` as given, else (for codes of the default alphabet) of its normalised form;
        custom codes are matched exactly, as Better Auth does."""
        db = adapter(ctx)
        row = await db.find_one(MODEL, [Where("userCode", user_code)])
        if row is not None and same(row.get("userCode"), user_code):
            return row
        normalized = normalize_user_code(user_code)
        if normalized == user_code or not DEFAULT_USER_CODE.match(normalized):
            return None
        row = await db.find_one(MODEL, [Where("userCode", normalized)])
        return row if row is not None and same(row.get("userCode"), normalized) else None

    def expired(ctx: RequestContext, row: Row) -> bool:
        expires_at: datetime = row["expiresAt"]
        return expires_at < ctx.auth.now()

    # -- the device ------------------------------------------------------------------------------------

    @endpoint("/device/code", "POST", name="device_code", form=True, no_store=True, tags=("device-authorization",))
    async def device_code(ctx: RequestContext) -> Any:
        try:
            body = CODE_BODY.validate(ctx.body, "body")
        except APIError as exc:  # RFC 8628 §3.2: a malformed request is ``invalid_request``
            raise device_error(400, OAuthError.INVALID_REQUEST, exc.message) from None
        for name in REQUEST_FIELDS:
            if body.get(name) == "":
                body[name] = None
        form = form_fields(ctx)
        if form is not None:
            for name, values in form.items():
                if len(values) > 1:
                    raise device_error(400, OAuthError.INVALID_REQUEST, f"{name} must not be repeated")
                body[name] = values[0] if values else None
        client_id: str | None = body.get("client_id")
        if not client_id:
            raise device_error(400, OAuthError.INVALID_REQUEST, "client_id is required")
        # what one backend cannot store (MySQL's TEXT holds 65,535 bytes) is refused on all of them
        keyed = ctx.auth.schema[MODEL].keyed_fields()
        for name, column in (("client_id", "clientId"), ("user_id", "userId"), ("scope", "scope")):
            problem = column_issue("string", column in keyed, body.get(name))
            if problem:
                raise device_error(400, OAuthError.INVALID_REQUEST, f"[body.{name}] {problem}")
        if not await client_is_valid(client_id):
            raise device_error(400, OAuthError.INVALID_CLIENT, "Invalid client ID")
        scope: str | None = body.get("scope")
        if options.on_device_auth_request is not None:
            await maybe_await(options.on_device_auth_request(client_id, scope))
        now = ctx.auth.now()
        for _ in range(GENERATION_ATTEMPTS):
            code, user_code = await new_device_code(), await new_user_code()
            try:
                await adapter(ctx).create(MODEL, {
                    "id": ctx.auth.generate_id(MODEL),
                    "deviceCode": code,
                    "userCode": user_code,
                    "userId": body.get("user_id") or None,
                    "expiresAt": now + timedelta(milliseconds=options.expires_in_ms),
                    "status": "pending",
                    "lastPolledAt": None,
                    "pollingInterval": interval_ms,
                    "clientId": client_id,
                    "scope": scope,
                })
            except UniqueViolation:  # one of the codes is taken: draw both again
                continue
            uri, complete = verification_uris(
                options.verification_uri, f"{ctx.base_url}{ctx.auth.base_path}", user_code
            )
            return {
                "device_code": code,
                "user_code": user_code,
                "verification_uri": uri,
                "verification_uri_complete": complete,
                "expires_in": options.expires_in_ms // 1000,
                "interval": interval_ms // 1000,
            }
        raise device_error(500, OAuthError.SERVER_ERROR, "Failed to generate a unique device code")

    def token_body(data: Any) -> dict[str, Any]:
        """zod's ``{grant_type: literal, device_code, client_id}`` with its messages, in its order."""
        if not isinstance(data, dict):
            return Shape(TOKEN_FIELDS).validate(data, "body")
        issues = []
        if data.get("grant_type") != GRANT_TYPE:
            issues.append(f'[body.grant_type] Invalid input: expected "{GRANT_TYPE}"')
        try:
            body = Shape(TOKEN_FIELDS).validate(data, "body")
        except APIError as exc:
            issues.append(exc.message)
        if issues:
            raise validation_error(issues)
        return body

    @endpoint("/device/token", "POST", name="device_token", no_store=True, tags=("device-authorization",))
    async def device_token(ctx: RequestContext) -> Any:
        body = token_body(ctx.body)
        client_id: str = body["client_id"]
        if options.validate_client is not None and not await client_is_valid(client_id):
            raise device_error(400, OAuthError.INVALID_CLIENT, "Invalid client ID")
        db = adapter(ctx)
        row = await db.find_one(MODEL, [Where("deviceCode", body["device_code"])])
        if row is None or not same(row.get("deviceCode"), body["device_code"]):
            raise device_error(400, OAuthError.INVALID_GRANT, E.INVALID_DEVICE_CODE)
        if row.get("clientId") and row["clientId"] != client_id:
            raise device_error(400, OAuthError.INVALID_GRANT, "Client ID mismatch")
        await record_poll(ctx, row)
        if expired(ctx, row):
            await db.delete(MODEL, [Where("id", row["id"])])
            raise device_error(400, OAuthError.EXPIRED_TOKEN, E.EXPIRED_DEVICE_CODE)
        status = row.get("status")
        if status == "pending":
            raise device_error(400, OAuthError.AUTHORIZATION_PENDING, E.AUTHORIZATION_PENDING)
        if status == "denied":
            await db.delete(MODEL, [Where("id", row["id"])])
            raise device_error(400, OAuthError.ACCESS_DENIED, E.ACCESS_DENIED)
        if status != "approved" or not row.get("userId"):
            raise device_error(500, OAuthError.SERVER_ERROR, E.INVALID_DEVICE_CODE_STATUS)
        # consumed first: of concurrent polls only the one that deletes the approved row goes on
        claimed = await db.consume_one(MODEL, [
            Where("id", row["id"]), Where("clientId", client_id), Where("status", "approved"),
        ])
        if claimed is None or not claimed.get("userId"):
            raise device_error(400, OAuthError.INVALID_GRANT, E.INVALID_DEVICE_CODE)
        user = await ctx.auth.store.find_user_by_id(claimed["userId"])
        if user is None:  # deleted since approving: the grant dies with the account
            raise device_error(400, OAuthError.INVALID_GRANT, E.USER_NOT_FOUND)
        try:
            session = await create_session(ctx, user)
        except APIError as exc:
            if exc.code != BaseErrorCodes.FAILED_TO_CREATE_SESSION:
                raise  # a ban answers as on every sign-in
            # a session.create hook refused: the device must stop polling (RFC 8628 §3.5 access_denied)
            raise device_error(400, OAuthError.ACCESS_DENIED, E.FAILED_TO_CREATE_SESSION) from None
        # no cookie: the token travels in the body; after-hooks see the session as the new one
        ctx.new_session = session
        expires_at: datetime = session.session["expiresAt"]
        return {
            "access_token": session.token,
            "token_type": "Bearer",
            "expires_in": int((expires_at - ctx.auth.now()).total_seconds()),
            "scope": claimed.get("scope") or "",
        }

    async def record_poll(ctx: RequestContext, row: Row) -> None:
        """Refuse a poll sooner than the row's interval after the last one (``slow_down``), else stamp it.

        The stamp is a compare-and-set: it only lands while ``lastPolledAt`` is still what was read (null) or at
        least one interval old, so of two concurrent polls inside one interval exactly one is answered.
        """
        db = adapter(ctx)
        now = ctx.auth.now()
        interval = row.get("pollingInterval")
        last: datetime | None = row.get("lastPolledAt")
        if not interval:
            await db.update(MODEL, [Where("id", row["id"])], {"lastPolledAt": now})
            return
        cutoff = now - timedelta(milliseconds=interval)
        if last is not None and last > cutoff:
            raise device_error(400, OAuthError.SLOW_DOWN, E.POLLING_TOO_FREQUENTLY)
        guard = Where("lastPolledAt", None) if last is None else Where("lastPolledAt", cutoff, "lte")
        stamped = await db.increment_one(MODEL, [Where("id", row["id"]), guard], {}, {"lastPolledAt": now})
        if stamped is None:
            if await db.find_one(MODEL, [Where("id", row["id"])]) is None:  # consumed or expired meanwhile
                raise device_error(400, OAuthError.INVALID_GRANT, E.INVALID_DEVICE_CODE)
            raise device_error(400, OAuthError.SLOW_DOWN, E.POLLING_TOO_FREQUENTLY)

    # -- the person ------------------------------------------------------------------------------------

    @endpoint("/device", "GET", name="device_verify", query=VERIFY_QUERY, tags=("device-authorization",))
    async def device_verify(ctx: RequestContext) -> Any:
        user_code: str = ctx.query["user_code"]
        row = await find_by_user_code(ctx, user_code)
        if row is None:
            raise device_error(400, OAuthError.INVALID_REQUEST, E.INVALID_USER_CODE)
        if expired(ctx, row):
            raise device_error(400, OAuthError.EXPIRED_TOKEN, E.EXPIRED_USER_CODE)
        # authoritative: a session revoked but still in a cookie cache claims nothing
        session = await resolve_session(ctx, disable_cookie_cache=True)
        user_id = session.user_id if session is not None else None
        if user_id is not None and not row.get("userId") and row.get("status") == "pending":
            # the first signed-in visitor claims the code; a concurrent claim by someone else wins or loses whole
            claimed = await adapter(ctx).increment_one(
                MODEL,
                [Where("id", row["id"]), Where("status", "pending"), Where("userId", None)],
                {},
                {"userId": user_id},
            )
            if claimed is None:
                current = await adapter(ctx).find_one(MODEL, [Where("id", row["id"])])
                if current is None:
                    raise device_error(400, OAuthError.INVALID_REQUEST, E.INVALID_USER_CODE)
                row = current
            else:
                row = {**row, "userId": user_id}
        answer: dict[str, Any] = {"user_code": user_code, "status": row.get("status")}
        if user_id is not None and row.get("userId") == user_id:  # only the claimant sees who asks for what
            answer["client_id"] = row.get("clientId")
            answer["scope"] = row.get("scope")
        return answer

    async def decide(ctx: RequestContext, status: str, verb: str) -> Any:
        session = await resolve_session(ctx, disable_cookie_cache=True)
        if session is None:
            raise device_error(401, OAuthError.UNAUTHORIZED, E.AUTHENTICATION_REQUIRED)
        row = await find_by_user_code(ctx, ctx.body["userCode"])
        if row is None:
            raise device_error(400, OAuthError.INVALID_REQUEST, E.INVALID_USER_CODE)
        if expired(ctx, row):
            raise device_error(400, OAuthError.EXPIRED_TOKEN, E.EXPIRED_USER_CODE)
        if row.get("status") != "pending":
            raise device_error(400, OAuthError.INVALID_REQUEST, E.DEVICE_CODE_ALREADY_PROCESSED)
        if not row.get("userId"):
            raise device_error(400, OAuthError.INVALID_REQUEST, E.DEVICE_CODE_NOT_CLAIMED)
        if row["userId"] != session.user_id:
            raise device_error(
                403, OAuthError.ACCESS_DENIED, f"You are not authorized to {verb} this device authorization"
            )
        if status == "approved":
            # granting a device a session is a sensitive action: an old (possibly stolen) session may not
            fresh_age = ctx.auth.session_config.fresh_age
            age = (ctx.auth.now() - session.session["createdAt"]).total_seconds()
            if fresh_age and age > fresh_age:
                raise APIError(403, BaseErrorCodes.SESSION_NOT_FRESH)
        # only while still pending and still the caller's: approve and deny racing each other, one wins
        changed = await adapter(ctx).increment_one(
            MODEL,
            [Where("id", row["id"]), Where("status", "pending"), Where("userId", session.user_id)],
            {},
            {"status": status},
        )
        if changed is None:
            raise device_error(400, OAuthError.INVALID_REQUEST, E.DEVICE_CODE_ALREADY_PROCESSED)
        return {"success": True}

    @endpoint("/device/approve", "POST", name="device_approve", body=DECISION_BODY, tags=("device-authorization",))
    async def device_approve(ctx: RequestContext) -> Any:
        return await decide(ctx, "approved", "approve")

    @endpoint("/device/deny", "POST", name="device_deny", body=DECISION_BODY, tags=("device-authorization",))
    async def device_deny(ctx: RequestContext) -> Any:
        return await decide(ctx, "denied", "deny")

    return device_code, device_token, device_verify, device_approve, device_deny
