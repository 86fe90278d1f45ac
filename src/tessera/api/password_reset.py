"""Password reset: POST /request-password-reset, GET /reset-password/:token, POST /reset-password.

A reset token is 24 random alphanumeric characters stored as the verification row
``reset-password:<token>`` holding the user id. Redeeming it is a single atomic consume, so one token resets
one password even when two requests race (Better Auth 1.6's email-OTP and magic-link races, applied here).
Consuming the token, writing the credential account and revoking the sessions (when configured) are one
database transaction, as in Better Auth: if a step fails, none of them happened and the link still works.
Rows kept in secondary storage instead of the database are outside that transaction.

Asking for a reset answers the same message whether or not the address is registered, after the same kind of
work (a token minted, one verification-table statement). The mail itself goes through
``run_in_background_or_await``: configure ``advanced.background_tasks.handler`` to take the mail's latency off
the answer as well. There is no ``/forget-password`` route: Better Auth 1.7 removed it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from ..context import RequestContext
from ..crypto.random import random_string
from ..db.adapter import Adapter
from ..db.store import CREDENTIAL
from ..endpoints import endpoint
from ..errors import APIError, BaseErrorCodes, Redirect
from ..validation import F, Shape
from ._common import PASSWORD_CHANGE_REFUSED, check_password_length
from .email_verification import call
from .session import announce_user_revocation, password_changed

RESET_PREFIX = "reset-password:"
RESET_TOKEN_LENGTH = 24
RESET_MESSAGE = "If this email exists in our system, check your email for the reset link"


@endpoint(
    "/request-password-reset",
    "POST",
    body=Shape({"email": F("email"), "redirectTo": F("string", optional=True)}),
    tags=("password-reset",),
)
async def request_password_reset(ctx: RequestContext) -> Any:
    auth = ctx.auth
    config = auth.email_and_password
    sender = config.send_reset_password
    if sender is None:
        raise APIError(400, BaseErrorCodes.RESET_PASSWORD_DISABLED)
    answer = {"status": True, "message": RESET_MESSAGE}
    token = random_string(RESET_TOKEN_LENGTH)
    identifier = RESET_PREFIX + token
    user = await auth.store.find_user_by_email(ctx.body["email"])
    if user is None:
        # the same statement count as a real request: one verification-table round trip
        await auth.store.find_verification(identifier)
        return answer
    await auth.store.create_verification(identifier, user["id"], config.reset_password_token_expires_in)
    callback = quote(ctx.body.get("redirectTo") or "/", safe="")
    url = f"{ctx.base_url}{auth.base_path}/reset-password/{token}?callbackURL={callback}"
    await ctx.run_in_background_or_await(
        call(sender, user=auth.store.public("user", user), url=url, token=token, request=ctx.request)
    )
    return answer


@endpoint(
    "/reset-password/:token",
    "GET",
    name="request_password_reset_callback",
    query=Shape({"callbackURL": F("string")}),
    callback_query=("callbackURL",),
    tags=("password-reset",),
)
async def request_password_reset_callback(ctx: RequestContext) -> Any:
    """The link in the mail: hand the token to the application's reset page, or tell it the link is dead."""
    token = ctx.params.get("token", "")
    callback = ctx.query["callbackURL"]
    if not callback:
        raise Redirect(_with_params(ctx, None, error="INVALID_TOKEN"))
    if token and await ctx.auth.store.find_verification(RESET_PREFIX + token) is not None:
        raise Redirect(_with_params(ctx, callback, token=token))
    raise Redirect(_with_params(ctx, callback, error="INVALID_TOKEN"))


def _with_params(ctx: RequestContext, callback: str | None, **params: str) -> str:
    """Better Auth's ``new URL(callbackURL, baseURL)`` with ``searchParams.set``: absolute, keys replaced."""
    base = f"{ctx.base_url}{ctx.auth.base_path}"
    parts = urlsplit(urljoin(base, callback) if callback else f"{base}/error")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


@endpoint(
    "/reset-password",
    "POST",
    body=Shape({"newPassword": F("string"), "token": F("string", optional=True)}),
    query=Shape({"token": F("string", optional=True)}),
    tags=("password-reset",),
)
async def reset_password(ctx: RequestContext) -> Any:
    auth = ctx.auth
    config = auth.email_and_password
    token = ctx.body.get("token") or ctx.query.get("token")
    if not token:
        raise APIError(400, BaseErrorCodes.INVALID_TOKEN)
    new_password: str = ctx.body["newPassword"]
    check_password_length(ctx, new_password)
    store = auth.store
    identifier = RESET_PREFIX + token
    # read first, as Better Auth does: a dead token costs no hashing, and the hash is not computed in the unit
    verification = await store.find_verification(identifier)
    if verification is None:
        raise APIError(400, BaseErrorCodes.INVALID_TOKEN)
    user_id = verification["value"]
    user = await store.find_user_by_id(user_id)
    if user is None:
        raise APIError(400, BaseErrorCodes.USER_NOT_FOUND)
    password_hash = await config.password.hash(new_password)

    async def consume(tx: Adapter) -> None:
        if await store.consume_verification(identifier, tx) is None:  # spent meanwhile by a racing request
            raise APIError(400, BaseErrorCodes.INVALID_TOKEN)

    await reset_credential_password(ctx, user, password_hash, consume)
    return {"status": True}


async def reset_credential_password(
    ctx: RequestContext, user: dict[str, Any], password_hash: str, consume: Callable[[Adapter], Awaitable[None]]
) -> None:
    """Write a reset password, as every reset flow does (this link's, email-OTP's): ``consume`` spends the
    proof (a token, a one-time code) inside the transaction that writes the credential account and, with
    ``revoke_sessions_on_password_reset``, deletes the user's sessions, so a failed step leaves the proof
    usable; then the cookie caches learn of it on every instance and ``on_password_reset`` runs."""
    config = ctx.auth.email_and_password
    store = ctx.auth.store
    user_id = user["id"]
    revoke = config.revoke_sessions_on_password_reset
    # one unit: the proof is spent only if the password is written (and the sessions revoked) with it
    async with store.transaction() as tx:
        await consume(tx)
        if await store.find_credential_account(user_id, tx) is None:
            await store.create_account(
                {"accountId": user_id, "providerId": CREDENTIAL, "userId": user_id, "password": password_hash}, tx
            )
        elif await store.set_password(user_id, password_hash, tx) is None:
            raise APIError(400, None, PASSWORD_CHANGE_REFUSED)
        if revoke:
            await store.delete_sessions(user_id, adapter=tx)
    if revoke:
        announce_user_revocation(ctx, user_id)
    else:
        password_changed(ctx, user_id)
    if config.on_password_reset is not None:
        await call(config.on_password_reset, user=store.public("user", user), request=ctx.request)
