"""POST /delete-user and GET /delete-user/callback.

Deleting an account needs one proof beyond the session: the password, a mailed token, or a fresh session.
With ``send_delete_account_verification`` configured the account is only deleted through the mailed link
(``delete-account-<token>``, 32 characters of ``[0-9a-z]``, bound to the user it was issued for).

The callback reads the session from the store, never from the cookie cache, so a session revoked elsewhere
cannot finish a deletion (Better Auth PR #9991). The token is consumed atomically before anything is deleted:
of two racing callbacks only one deletes, and a token presented by another user is burned, not honoured.
Deletion revokes the user's sessions through ``revoke_user_sessions`` so cookie caches learn of it
(GHSA-2vg6-77g8-24mp: sessions must not outlive their user).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..context import RequestContext
from ..crypto.random import LOWER_ALPHANUMERIC, random_string
from ..endpoints import endpoint
from ..errors import APIError, BaseErrorCodes, Redirect, not_found
from ..session.resolver import resolve_session
from ..validation import F, Shape
from ._common import check_user_password
from .email_verification import call
from .session import revoke_user_sessions

DELETE_PREFIX = "delete-account-"
DELETE_TOKEN_LENGTH = 32
USER_DELETED = {"success": True, "message": "User deleted"}
USER_DELETE_REFUSED = "The user could not be deleted"


@endpoint(
    "/delete-user",
    "POST",
    body=Shape(
        {
            "callbackURL": F("string", optional=True),
            "password": F("string", optional=True),
            "token": F("string", optional=True),
        }
    ),
    session="sensitive",
    tags=("delete-user",),
)
async def delete_user(ctx: RequestContext) -> Any:
    assert ctx.session is not None
    auth = ctx.auth
    config = auth.user_config.delete_user
    if not config.enabled:
        raise not_found()
    session = ctx.session
    body = ctx.body
    password = body.get("password")
    if password:
        valid = await check_user_password(ctx, session.user_id, password)
        if valid is None:
            raise APIError(400, BaseErrorCodes.CREDENTIAL_ACCOUNT_NOT_FOUND)
        if not valid:
            raise APIError(400, BaseErrorCodes.INVALID_PASSWORD)

    if body.get("token"):
        await _redeem(ctx, session.user, body["token"])
        return dict(USER_DELETED)

    if config.send_delete_account_verification is not None:
        token = random_string(DELETE_TOKEN_LENGTH, LOWER_ALPHANUMERIC)
        await auth.store.create_verification(
            DELETE_PREFIX + token, session.user_id, config.delete_token_expires_in
        )
        callback = quote(body.get("callbackURL") or "/", safe="")
        url = f"{ctx.base_url}{auth.base_path}/delete-user/callback?token={token}&callbackURL={callback}"
        await ctx.run_in_background_or_await(
            call(
                config.send_delete_account_verification,
                user=session.user, url=url, token=token, request=ctx.request,
            )
        )
        return {"success": True, "message": "Verification email sent"}

    fresh_age = auth.session_config.fresh_age
    if not password and fresh_age:
        age = (auth.now() - session.session["createdAt"]).total_seconds()
        if age >= fresh_age:
            raise APIError(400, BaseErrorCodes.SESSION_EXPIRED)
    await _delete(ctx, session.user)
    return dict(USER_DELETED)


@endpoint(
    "/delete-user/callback",
    "GET",
    query=Shape({"token": F("string"), "callbackURL": F("string", optional=True)}),
    callback_query=("callbackURL",),
    tags=("delete-user",),
)
async def delete_user_callback(ctx: RequestContext) -> Any:
    if not ctx.auth.user_config.delete_user.enabled:
        raise APIError(404, "NOT_FOUND", "Not found")
    # authoritative read: a revoked session still inside a cookie cache must not delete the account
    session = await resolve_session(ctx, disable_cookie_cache=True)
    if session is None:
        raise APIError(404, BaseErrorCodes.FAILED_TO_GET_USER_INFO)
    await _redeem(ctx, session.user, ctx.query["token"])
    callback = ctx.query.get("callbackURL")
    if callback:
        raise Redirect(callback)
    return dict(USER_DELETED)


async def _redeem(ctx: RequestContext, user: dict[str, Any], token: str) -> None:
    """Consume the deletion token (single use, even when it belongs to someone else) and delete its owner."""
    verification = await ctx.auth.store.consume_verification(DELETE_PREFIX + token)
    if verification is None or verification["value"] != user["id"]:
        raise APIError(404, BaseErrorCodes.INVALID_TOKEN)
    await _delete(ctx, user)


async def _delete(ctx: RequestContext, user: dict[str, Any]) -> None:
    auth = ctx.auth
    config = auth.user_config.delete_user
    if config.before_delete is not None:
        await call(config.before_delete, user=user, request=ctx.request)
    if not await auth.store.delete_user(user["id"]):  # a database hook vetoed it: nothing was removed
        raise APIError(400, None, USER_DELETE_REFUSED)
    # the rows went with the user; this tells cookie caches, and catches a session created meanwhile
    await revoke_user_sessions(ctx, user["id"])
    auth.cookies.clear_session(ctx.response, ctx.request)
    if config.after_delete is not None:
        await call(config.after_delete, user=user, request=ctx.request)
