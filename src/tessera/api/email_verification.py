"""POST /send-verification-email and GET /verify-email (also the change-email confirmation steps).

Tokens are Better Auth's stateless HS256 JWTs keyed by the raw secret, carrying ``email``, ``userId`` and for
email changes ``updateTo`` and ``requestType``. A token is honoured only for the account it was issued to.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any
from urllib.parse import quote

from ..context import RequestContext
from ..crypto import hs256
from ..db.adapter import UniqueViolation
from ..endpoints import endpoint
from ..errors import APIError, BaseErrorCodes, Redirect
from ..session.issue import create_session, set_session_cookies
from ..session.resolver import resolve_session
from ..validation import F, Shape

ENUMERATION_FLOOR_SECONDS = 0.5


async def call(callback: Any, **kwargs: Any) -> Any:
    result = callback(**kwargs)
    if inspect.isawaitable(result):
        return await result
    return result


def append_query(url: str, **params: str) -> str:
    sep = "&" if "?" in url else "?"
    return url + sep + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())


def verification_url(ctx: RequestContext, token: str, callback_url: str) -> str:
    return (
        f"{ctx.base_url}{ctx.auth.base_path}/verify-email?token={token}"
        f"&callbackURL={quote(callback_url or '/', safe='')}"
    )


def mint_token(ctx: RequestContext, email: str, user_id: str, **extra: str) -> str:
    payload: dict[str, Any] = {"email": email.lower(), **extra, "userId": user_id}
    return hs256.sign(ctx.auth.signer, payload, expires_in=ctx.auth.email_verification.expires_in)


async def send_verification_email_for(
    ctx: RequestContext, user: dict[str, Any], callback_url: str, *, background: bool = True
) -> None:
    sender = ctx.auth.email_verification.send_verification_email
    if sender is None:
        raise APIError(400, BaseErrorCodes.VERIFICATION_EMAIL_NOT_ENABLED)
    token = mint_token(ctx, user["email"], user["id"])
    url = verification_url(ctx, token, callback_url)
    work = call(sender, user=user, url=url, token=token, request=ctx.request)
    if background:
        await ctx.run_in_background_or_await(work)
    else:
        await work


@endpoint(
    "/send-verification-email",
    "POST",
    body=Shape({"email": F("email"), "callbackURL": F("string", optional=True)}),
    tags=("email-verification",),
)
async def send_verification_email(ctx: RequestContext) -> Any:
    auth = ctx.auth
    if auth.email_verification.send_verification_email is None:
        raise APIError(400, BaseErrorCodes.VERIFICATION_EMAIL_NOT_ENABLED)
    email = ctx.body["email"].lower()
    callback = ctx.body.get("callbackURL") or "/"
    session = await resolve_session(ctx)
    if session is not None:
        if session.user["email"] != email:
            raise APIError(400, BaseErrorCodes.EMAIL_MISMATCH)
        if session.user["emailVerified"]:
            raise APIError(400, BaseErrorCodes.EMAIL_ALREADY_VERIFIED)
        await send_verification_email_for(ctx, session.user, callback)
        return {"status": True}
    # unauthenticated: the same answer, in no less time, whether or not the address exists
    started = time.monotonic()
    user = await auth.store.find_user_by_email(email)
    if user is not None and not user["emailVerified"]:
        ctx.run_in_background(send_verification_email_for(ctx, user, callback, background=False))
    remaining = ENUMERATION_FLOOR_SECONDS - (time.monotonic() - started)
    if remaining > 0:
        await asyncio.sleep(remaining)
    return {"status": True}


def _fail(ctx: RequestContext, status: int, code: Any, error: str) -> APIError:
    callback = ctx.query.get("callbackURL")
    if callback:
        return Redirect(append_query(callback, error=error))
    return APIError(status, code)


@endpoint(
    "/verify-email",
    "GET",
    query=Shape({"token": F("string"), "callbackURL": F("string", optional=True)}, record=False),
    callback_query=("callbackURL",),
    # a GET that may set a fresh session cookie: no cache may keep it (ASVS v5.0.0-14.3.2; Better Auth sets none)
    no_store=True,
    tags=("email-verification",),
)
async def verify_email(ctx: RequestContext) -> Any:
    auth = ctx.auth
    try:
        claims = hs256.verify(auth.signer, ctx.query["token"])
    except hs256.TokenError as exc:
        if exc.reason == "expired":
            raise _fail(ctx, 401, BaseErrorCodes.TOKEN_EXPIRED, "token_expired") from None
        raise _fail(ctx, 401, BaseErrorCodes.INVALID_TOKEN, "invalid_token") from None
    email = claims.get("email")
    if not isinstance(email, str):
        raise _fail(ctx, 401, BaseErrorCodes.INVALID_TOKEN, "invalid_token")
    user = await auth.store.find_user_by_email(email)
    if user is None:
        raise _fail(ctx, 401, BaseErrorCodes.USER_NOT_FOUND, "user_not_found")
    bound_to = claims.get("userId")
    if bound_to is not None and bound_to != user["id"]:
        raise _fail(ctx, 401, BaseErrorCodes.INVALID_USER, "invalid_user")
    session = await resolve_session(ctx)
    callback = ctx.query.get("callbackURL")
    update_to = claims.get("updateTo")
    if isinstance(update_to, str):
        if session is not None and session.user_id != user["id"]:
            raise _fail(ctx, 401, BaseErrorCodes.INVALID_USER, "invalid_user")
        return await _verify_email_change(ctx, user, update_to, claims.get("requestType"), callback)

    if user["emailVerified"]:
        if callback:
            raise Redirect(callback)
        return {"status": True, "user": None}
    config = auth.email_verification
    if config.before_email_verification is not None:
        await call(config.before_email_verification, user=user, request=ctx.request)
    updated = await auth.store.update_user(user["id"], {"emailVerified": True})
    if updated is None:
        raise _fail(ctx, 401, BaseErrorCodes.USER_NOT_FOUND, "user_not_found")
    if config.after_email_verification is not None:
        await call(config.after_email_verification, user=updated, request=ctx.request)
    if config.auto_sign_in_after_verification and (session is None or session.user_id != user["id"]):
        new_session = await create_session(ctx, updated)
        set_session_cookies(ctx, new_session)
    if callback:
        raise Redirect(callback)
    return {"status": True, "user": None}


async def _verify_email_change(
    ctx: RequestContext, user: dict[str, Any], new_email: str, request_type: Any, callback: str | None
) -> Any:
    auth = ctx.auth
    if request_type == "change-email-confirmation":
        # the current address agreed; now prove the new one
        token = mint_token(ctx, user["email"], user["id"], updateTo=new_email, requestType="change-email-verification")
        url = verification_url(ctx, token, callback or "/")
        sender = auth.email_verification.send_verification_email
        if sender is None:
            raise APIError(400, BaseErrorCodes.VERIFICATION_EMAIL_NOT_ENABLED)
        await ctx.run_in_background_or_await(
            call(sender, user={**user, "email": new_email}, url=url, token=token, request=ctx.request)
        )
        if callback:
            raise Redirect(callback)
        return {"status": True}
    if request_type != "change-email-verification":
        # Only a link mailed to the *new* address proves it. Anything else carrying ``updateTo`` (an unknown
        # or missing request type, e.g. a pre-1.7 approval link that went to the old address) must not mark
        # the new address verified.
        raise _fail(ctx, 401, BaseErrorCodes.INVALID_TOKEN, "invalid_token")
    if await auth.store.find_user_by_email(new_email) is not None:
        raise _fail(ctx, 400, BaseErrorCodes.USER_ALREADY_EXISTS, "user_already_exists")
    try:
        updated = await auth.store.update_user(
            user["id"], {"email": new_email.lower(), "emailVerified": True}
        )
    except UniqueViolation:  # registered between the lookup and the update
        raise _fail(ctx, 400, BaseErrorCodes.USER_ALREADY_EXISTS, "user_already_exists") from None
    if updated is None:
        raise _fail(ctx, 401, BaseErrorCodes.USER_NOT_FOUND, "user_not_found")
    session = ctx.session
    if session is not None and session.user_id == user["id"]:
        refreshed = type(session)(session.session, auth.store.public("user", updated))
        set_session_cookies(ctx, refreshed, dont_remember=auth.cookies.read_dont_remember(ctx.request))
    if callback:
        raise Redirect(callback)
    return {"status": True, "user": auth.store.public("user", updated)}
