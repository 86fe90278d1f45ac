"""``POST /sign-in/magic-link`` and ``GET /magic-link/verify``, path for path and shape for shape Better Auth
1.7.24's ``magicLink()``.

A link's token names one verification row, ``magic-link:<token>`` (or ``magic-link:<hash of token>`` with
``store_token``), whose value is ``{"type":"magic-link","email":…,"name":…}`` — byte for byte what Better Auth
writes, so a link mailed by a Node instance can be opened on a Python one. The ``type`` tag keeps a row
written for another purpose (an OAuth state, a reset token) from being redeemed as a magic link
(CVE-2026-110862). The row is consumed with one ``DELETE … RETURNING``: of any number of concurrent clicks,
exactly one gets a session (Better Auth's #9572).
"""

from __future__ import annotations

import inspect
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ...context import RequestContext
from ...crypto.random import random_string
from ...db.adapter import UniqueViolation
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, BaseErrorCodes, Redirect
from ...session.issue import create_session, set_session_cookies
from ...validation import EMAIL_RE, F, Shape
from .errors import MagicLinkError

if TYPE_CHECKING:
    from . import MagicLinkPlugin

#: Better Auth's ``generateRandomString(32, "a-z", "A-Z")``
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
RECORD_TYPE = "magic-link"
CALLBACKS = ("callbackURL", "newUserCallbackURL", "errorCallbackURL")

SIGN_IN_BODY = Shape({
    "email": F("email"),
    "name": F("string", optional=True),
    "callbackURL": F("string", optional=True),
    "newUserCallbackURL": F("string", optional=True),
    "errorCallbackURL": F("string", optional=True),
    "metadata": F("object", optional=True),
})
VERIFY_QUERY = Shape({
    "token": F("string"),
    "callbackURL": F("string", optional=True),
    "errorCallbackURL": F("string", optional=True),
    "newUserCallbackURL": F("string", optional=True),
}, record=False)


def identifier(stored_token: str) -> str:
    return f"{RECORD_TYPE}:{stored_token}"


def encode_record(email: str, name: str | None) -> str:
    """``JSON.stringify({type, email, name})`` as Node writes it (an absent name is left out)."""
    record: dict[str, str] = {"type": RECORD_TYPE, "email": email}
    if name is not None:
        record["name"] = name
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def decode_record(value: Any) -> tuple[str, str | None] | None:
    """``(email, name)`` of a magic-link row; ``None`` for anything else (strict, as Better Auth's zod schema)."""
    try:
        record = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("type") != RECORD_TYPE or set(record) - {"type", "email", "name"}:
        return None
    email, name = record.get("email"), record.get("name")
    if not isinstance(email, str) or not EMAIL_RE.match(email) or not isinstance(name, str | None):
        return None
    return email, name


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` set (replacing any of the same name), as ``URLSearchParams.set`` does."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*kept, *params.items()])))


async def maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def build_endpoints(plugin: MagicLinkPlugin) -> tuple[Endpoint, ...]:
    options = plugin.options

    async def send(ctx: RequestContext, email: str, url: str, token: str, metadata: Any) -> None:
        sender = options.send_magic_link
        assert sender is not None
        await maybe_await(sender(email=email, url=url, token=token, metadata=metadata, request=ctx.request))

    # not tagged ``sign-in``: no session is made here. The same answer, and the same work (no user lookup at
    # all), whatever the address: nothing tells a registered one apart (ASVS v5.0.0-6.3.8)
    @endpoint("/sign-in/magic-link", "POST", name="sign_in_magic_link", body=SIGN_IN_BODY, form=True,
              csrf="form", tags=("magic-link",))
    async def sign_in_magic_link(ctx: RequestContext) -> Any:
        body = ctx.body
        email: str = body["email"]
        if options.generate_token is not None:
            token = str(await maybe_await(options.generate_token(email)))
        else:
            token = random_string(32, TOKEN_ALPHABET)
        await ctx.auth.store.create_verification(
            identifier(await options.stored(token)), encode_record(email, body.get("name")), options.expires_in
        )
        link = {"token": token, "callbackURL": body.get("callbackURL") or "/"}
        for key in ("newUserCallbackURL", "errorCallbackURL"):
            if body.get(key):
                link[key] = body[key]
        url = f"{ctx.base_url}{ctx.auth.base_path}/magic-link/verify?{urlencode(link)}"
        await ctx.run_in_background_or_await(send(ctx, email, url, token, body.get("metadata")))
        return {"status": True}

    # tagged ``sign-in``: hooks for every sign-in run for it too, and the two-factor plugin challenges it (an
    # inbox is one factor); the callback URLs are checked against the trusted origins although it is a GET
    @endpoint("/magic-link/verify", "GET", name="magic_link_verify", query=VERIFY_QUERY, callback_query=CALLBACKS,
              no_store=True, tags=("sign-in", "magic-link"))
    async def magic_link_verify(ctx: RequestContext) -> Any:
        auth = ctx.auth
        query = ctx.query
        base = ctx.base_url
        callback_url = urljoin(base, query.get("callbackURL") or "/")
        error_url = urljoin(base, query.get("errorCallbackURL") or callback_url)
        new_user_url = urljoin(base, query.get("newUserCallbackURL") or callback_url)

        def fail(error: str, description: str | None = None) -> Redirect:
            params = {"error": error} if description is None else {"error": error, "error_description": description}
            return Redirect(with_query(error_url, **params))

        row = await auth.store.consume_verification(identifier(await options.stored(query["token"])))
        record = decode_record(row.get("value")) if row is not None else None
        if record is None:
            raise fail(MagicLinkError.INVALID_TOKEN)
        email, name = record
        store = auth.store
        new_user = False
        user = await store.find_user_by_email(email)
        if user is None:
            if options.disable_sign_up:
                raise fail(MagicLinkError.NEW_USER_SIGNUP_DISABLED)
            now = auth.now()
            data = {"name": name or "", "email": email.lower(), "emailVerified": True, "image": None,
                    "createdAt": now, "updatedAt": now}
            try:
                user = await store.create_user(data)
            except UniqueViolation:  # created meanwhile (another link for the same address)
                user = await store.find_user_by_email(email)
                if user is None:
                    raise fail(MagicLinkError.FAILED_TO_CREATE_USER) from None
            except APIError as exc:  # a database hook refused it
                raise fail(exc.code or MagicLinkError.FAILED_TO_CREATE_USER, exc.message) from None
            else:
                new_user = True
        if not user["emailVerified"]:
            user = await plugin.revoke_unproven_access(user["id"])
            if user is None:
                raise fail(MagicLinkError.USER_NOT_FOUND)
        try:
            session = await create_session(ctx, user, status_on_failure=500)
        except APIError as exc:
            # a ban or a second-factor challenge answers as on every other sign-in; a plain refusal redirects
            if exc.code == BaseErrorCodes.FAILED_TO_CREATE_SESSION:
                raise fail(MagicLinkError.FAILED_TO_CREATE_SESSION) from None
            raise
        set_session_cookies(ctx, session)
        if not query.get("callbackURL"):
            return {"token": session.token, "user": session.user, "session": session.session}
        raise Redirect(new_user_url if new_user else callback_url)

    return sign_in_magic_link, magic_link_verify
