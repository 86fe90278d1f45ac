"""The after-hooks: every new session becomes one of the browser's (a signed multi-session cookie), and
sign-out revokes all of them — Better Auth 1.7.24's two ``multiSession()`` hooks."""

from __future__ import annotations

from typing import Any

from ...api.session import revoke_tokens
from ...context import RequestContext
from ...hooks import HookHandler
from .config import MultiSessionOptions
from .endpoints import MULTI_MARK, expire_multi_cookie, held_tokens, multi_cookie_name

SECURE_PREFIX = "__Secure-"


def record_new_session(options: MultiSessionOptions) -> HookHandler:
    """On every endpoint: a session created (or made active) by this request gets its multi-session cookie.
    The browser's other sessions of the same user are revoked first (one session per user per browser), and
    past ``maximum_sessions`` the new session gets no multi-session cookie (it stays the active one)."""

    async def after(ctx: RequestContext) -> Any:
        new = ctx.new_session
        response = ctx.response
        if new is None or not response.set_cookies:
            return None
        cookies = ctx.auth.cookies
        name = multi_cookie_name(cookies, new.token)
        if name in response.set_cookies or name in ctx.request.cookies:
            return None
        keys = [key for key in ctx.request.cookies if MULTI_MARK in key]
        same_user = []
        for key, token in held_tokens(ctx):
            held = await ctx.auth.store.find_session(token)
            if held is not None and held.user_id == new.user_id:
                same_user.append(token)
                expire_multi_cookie(ctx, key)
        if same_user:
            await revoke_tokens(ctx, same_user)
        # Better Auth counts every ``_multi-`` cookie sent, signed or not, plus the session cookie being set
        setting_session = any(cookies.session_token in header for header in response.set_cookies.values())
        if len(keys) - len(same_user) + setting_session > options.maximum_sessions:
            return None
        attrs = cookies.attrs("session_token", max_age=ctx.auth.session_config.expires_in)
        response.set_cookie(name, cookies.signer.sign(new.token), attrs)
        return None

    return after


async def revoke_on_sign_out(ctx: RequestContext) -> Any:
    """Sign-out ends every session the browser holds a validly signed multi-session cookie for."""
    held = held_tokens(ctx)
    for key, _ in held:
        # Better Auth expires the name lower-cased, with ``__Secure-`` restored
        expire_multi_cookie(ctx, key.lower().replace(SECURE_PREFIX.lower(), SECURE_PREFIX, 1))
    if held:
        await revoke_tokens(ctx, [token for _, token in held])
    return None
