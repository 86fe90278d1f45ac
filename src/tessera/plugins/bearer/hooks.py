"""The bearer plugin's two hooks: ``Authorization: Bearer`` in, ``set-auth-token`` out.

Built on the public plugin surface only: a before-hook that rewrites ``ctx.request`` and an after-hook that
reads ``ctx.response`` — the same way an application's own plugin would.
"""

from __future__ import annotations

from urllib.parse import unquote

from ...context import RequestContext
from ...hooks import HookHandler
from ...http import parse_set_cookie
from .config import BearerOptions

SET_AUTH_TOKEN = "set-auth-token"
#: ``ctx.state`` key set when a valid bearer token supplied the session cookie
BEARER_AUTHENTICATED = "bearer_authenticated"


def bearer_credential(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive), URL-decoded."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    if "%" in token:
        try:
            token = unquote(token, errors="strict")
        except UnicodeDecodeError:
            return None
    # an unsigned token is looked up as it is: one with a NUL matches no session and fails PostgreSQL's statement
    return None if "\x00" in token else token


def session_from_bearer(options: BearerOptions) -> HookHandler:
    """Before every endpoint: turn a valid bearer token into the session cookie the rest of tessera reads.

    An invalid or unsigned (with ``require_signature``) token is ignored: the request simply proceeds
    without a session, as Better Auth does. The injected cookie goes first, so it wins over a cookie the
    client also sent.
    """

    async def before(ctx: RequestContext) -> None:
        header = ctx.request.headers.get("authorization")
        token = bearer_credential(header) if header else None
        if token is None:
            return
        signer = ctx.auth.signer
        value, dot, signature = token.rpartition(".")
        if dot:
            # the signature may come in standard or URL-safe base64; compared in constant time
            if not value or not signer.verify_base64url_or_std(value, signature):
                return
        elif options.require_signature:
            return
        else:
            value = token
        # re-signed in the cookie's canonical form (standard base64), which the session resolver expects
        ctx.request = ctx.request.with_cookie(ctx.auth.cookies.session_token, signer.sign(value))
        # the session of this request came from a bearer token: flows that answer with a new session
        # cookie (admin impersonation) cannot work for this client and refuse (better-auth PR #10825)
        ctx.state[BEARER_AUTHENTICATED] = True

    return before


async def expose_session_token(ctx: RequestContext) -> None:
    """After every endpoint that sets a live session cookie: hand its signed value to bearer clients."""
    header = ctx.response.set_cookies.get(ctx.auth.cookies.session_token)
    if header is None:
        return
    _, value, attributes = parse_set_cookie(header)
    max_age = attributes.get("max-age")
    if not value or (max_age is not None and max_age.lstrip("-").isdigit() and int(max_age) <= 0):
        return
    ctx.response.set_header(SET_AUTH_TOKEN, value)
    ctx.response.append_expose_header(SET_AUTH_TOKEN)
