"""``GET /one-time-token/generate`` and ``POST /one-time-token/verify``, path for path and shape for shape Better
Auth 1.7.24's ``oneTimeToken()``.

A token names one verification row, ``one-time-token:<token>`` (or ``one-time-token:<hash of token>`` with
``store_token``), whose value is the token of the session it stands for — the layout Better Auth writes, in the
verification table or in secondary storage, so a token minted by a Node instance can be redeemed on a Python
one. The row is consumed with one ``DELETE … RETURNING`` (an atomic get-and-delete in secondary storage): of
any number of concurrent redemptions, exactly one receives the session.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from ...context import RequestContext
from ...crypto.random import random_string
from ...endpoints import Endpoint, endpoint
from ...errors import APIError
from ...session.issue import set_session_cookies
from ...session.model import SessionData
from ...validation import F, Shape
from .errors import OneTimeTokenErrors

if TYPE_CHECKING:
    from .config import OneTimeTokenOptions

#: Better Auth's ``generateRandomString(32)``: ``a-z``, ``0-9``, ``A-Z``, ``-_``
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
PREFIX = "one-time-token:"
VERIFY_BODY = Shape({"token": F("string")})


async def issue_token(ctx: RequestContext, options: OneTimeTokenOptions, data: SessionData) -> str:
    """Mint a one-time token for ``data``'s session and store it: the token."""
    if options.generate_token is not None:
        made = options.generate_token(data.to_dict(), ctx)
        token = str(await made if inspect.isawaitable(made) else made)
    else:
        token = random_string(32, TOKEN_ALPHABET)
    identifier = PREFIX + await options.stored(token)
    await ctx.auth.store.create_verification(identifier, data.token, options.expires_in_seconds)
    return token


def build_endpoints(options: OneTimeTokenOptions) -> tuple[Endpoint, ...]:
    @endpoint("/one-time-token/generate", "GET", name="generate_one_time_token", session="session",
              no_store=True, tags=("one-time-token",))
    async def generate_one_time_token(ctx: RequestContext) -> Any:
        if options.disable_client_request and ctx.is_http:
            raise APIError.of(400, OneTimeTokenErrors.CLIENT_REQUESTS_DISABLED)
        assert ctx.session is not None
        return {"token": await issue_token(ctx, options, ctx.session)}

    # the answer carries the session's bearer token: no-store (Better Auth sets none; ASVS v5.0.0-14.3.2)
    @endpoint("/one-time-token/verify", "POST", name="verify_one_time_token", body=VERIFY_BODY, no_store=True,
              tags=("one-time-token",))
    async def verify_one_time_token(ctx: RequestContext) -> Any:
        auth = ctx.auth
        row = await auth.store.consume_verification(PREFIX + await options.stored(ctx.body["token"]))
        value = row.get("value") if row is not None else None
        if not isinstance(value, str) or not value:
            raise APIError.of(400, OneTimeTokenErrors.INVALID_TOKEN)
        data = await auth.store.find_session(value)
        if data is None:
            raise APIError.of(400, OneTimeTokenErrors.SESSION_NOT_FOUND)
        # checked before any cookie is set: Better Auth sets the cookie of an expired session, then refuses
        if data.session["expiresAt"] <= auth.now():
            raise APIError.of(400, OneTimeTokenErrors.ONE_TIME_TOKEN_SESSION_EXPIRED)
        if not options.disable_set_session_cookie:
            set_session_cookies(ctx, data)
        return data.to_dict()

    return generate_one_time_token, verify_one_time_token


def set_ott_header(options: OneTimeTokenOptions) -> Any:
    """The after-hook of ``set_ott_header_on_new_session``: a response that created a session also carries a
    one-time token for it in ``set-ott`` (exposed to browsers through ``Access-Control-Expose-Headers``)."""

    async def after(ctx: RequestContext) -> Any:
        new = ctx.new_session
        returned = ctx.returned
        if new is None or (isinstance(returned, APIError) and not 300 <= returned.status < 400):
            return None
        ctx.response.set_header("set-ott", await issue_token(ctx, options, new))
        ctx.response.append_expose_header("set-ott")
        return None

    return after
