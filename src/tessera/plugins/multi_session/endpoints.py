"""``/multi-session/list-device-sessions``, ``/multi-session/set-active`` and ``/multi-session/revoke``, path for
path and shape for shape Better Auth 1.7.24's ``multiSession()``.

A browser holds a session when it presents ``<session cookie>_multi-<token, lower-cased>`` signed with the
app's secret and carrying the token. The signature is the whole proof: a token named in a request body is
only ever looked up through the cookie the browser holds for it, so nobody can list, switch to or revoke a
session that was not issued to their own browser.
"""

from __future__ import annotations

import hmac
from typing import Any

from ...api.session import revoke_tokens
from ...context import RequestContext
from ...endpoints import Endpoint, endpoint
from ...errors import APIError
from ...session.cookies import SessionCookies
from ...session.issue import set_session_cookies
from ...session.model import SessionData
from ...validation import F, Shape
from .errors import MultiSessionErrors

#: what marks a multi-session cookie, as Better Auth tests it (``key.includes("_multi-")``)
MULTI_MARK = "_multi-"
TOKEN_BODY = Shape({"sessionToken": F("string")})


def multi_cookie_name(cookies: SessionCookies, token: str) -> str:
    return f"{cookies.session_token}{MULTI_MARK}{token.lower()}"


def held_tokens(ctx: RequestContext) -> list[tuple[str, str]]:
    """``(cookie name, token)`` of every validly signed multi-session cookie the request carries."""
    signer = ctx.auth.cookies.signer
    held = []
    for name, value in ctx.request.cookies.items():
        if MULTI_MARK in name:
            token = signer.unsign(value)
            if token and names(name, token):
                held.append((name, token))
    return held


def names(cookie_name: str, token: str) -> bool:
    """Whether the cookie's name is the one issued with ``token``. The signature covers the value only, so a
    browser could move a signed token under another session's name (Better Auth's PR #9991 b): such a cookie is
    not believed (Better Auth 1.7.24 trusts the name; tessera is stricter)."""
    return cookie_name.lower().endswith(MULTI_MARK + token.lower())


async def live_sessions(ctx: RequestContext, tokens: list[str]) -> list[SessionData]:
    """The sessions of ``tokens`` that exist and have not expired, oldest first (Better Auth's
    ``findSessions`` answers in table order)."""
    now = ctx.auth.now()
    found = []
    for token in dict.fromkeys(tokens):
        data = await ctx.auth.store.find_session(token)
        if data is not None and data.session["expiresAt"] > now:
            found.append(data)
    return sorted(found, key=lambda data: data.session["createdAt"])


def expire_multi_cookie(ctx: RequestContext, name: str) -> None:
    ctx.response.set_cookie(name, "", ctx.auth.cookies.attrs("session_token", max_age=0))


def held_token(ctx: RequestContext, session_token: str) -> tuple[str, str]:
    """The multi-session cookie's name and the token it carries for ``sessionToken``; a 401 unless the browser
    holds a validly signed one."""
    name = multi_cookie_name(ctx.auth.cookies, session_token)
    raw = ctx.request.cookies.get(name)
    token = ctx.auth.cookies.signer.unsign(raw) if raw else None
    if not token or not names(name, token):
        raise APIError(401, MultiSessionErrors.INVALID_SESSION_TOKEN)
    return name, token


def build_endpoints() -> tuple[Endpoint, ...]:
    # no-store (Better Auth sets none): the answer carries the bearer token of every session listed
    @endpoint("/multi-session/list-device-sessions", "GET", no_store=True, tags=("multi-session",))
    async def list_device_sessions(ctx: RequestContext) -> Any:
        tokens = [token for _, token in held_tokens(ctx)]
        if not tokens:
            return []
        seen: set[str] = set()
        listed = []
        for data in await live_sessions(ctx, tokens):
            if data.user_id not in seen:  # one entry per user, as Better Auth
                seen.add(data.user_id)
                listed.append(data.to_dict())
        return listed

    @endpoint("/multi-session/set-active", "POST", name="set_active_session", body=TOKEN_BODY,
              tags=("multi-session",))
    async def set_active_session(ctx: RequestContext) -> Any:
        name, token = held_token(ctx, ctx.body["sessionToken"])
        data = await ctx.auth.store.find_session(token)
        if data is None or data.session["expiresAt"] < ctx.auth.now():
            expire_multi_cookie(ctx, name)
            raise APIError(401, MultiSessionErrors.INVALID_SESSION_TOKEN)
        # the cache cookie is rewritten for this session too, so the browser never shows the previous user
        set_session_cookies(ctx, data, dont_remember=ctx.auth.cookies.read_dont_remember(ctx.request))
        return data.to_dict()

    @endpoint("/multi-session/revoke", "POST", name="revoke_device_session", body=TOKEN_BODY, session="session",
              tags=("multi-session", "revoke"))
    async def revoke_device_session(ctx: RequestContext) -> Any:
        assert ctx.session is not None
        name, token = held_token(ctx, ctx.body["sessionToken"])
        # core's revoke path: every instance's cookie cache stops accepting the session
        await revoke_tokens(ctx, (token,))
        expire_multi_cookie(ctx, name)
        if not hmac.compare_digest(ctx.session.token, token):
            return {"status": True}
        # the active session went: another of the browser's sessions takes its place, or it is signed out
        others = await live_sessions(ctx, [held for _, held in held_tokens(ctx)])
        if others:
            set_session_cookies(ctx, others[0], dont_remember=ctx.auth.cookies.read_dont_remember(ctx.request))
        else:
            ctx.auth.cookies.clear_session(ctx.response, ctx.request)
        return {"status": True}

    return (list_device_sessions, set_active_session, revoke_device_session)
