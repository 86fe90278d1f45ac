"""The hot path: turn a request's cookie into a session, with sliding expiry.

Per call: one HMAC verify of the cookie, one statement (session JOIN user), and a write at most once per
``update_age`` per session. Results are memoised on the request context, so any number of session checks in
one request cost one lookup. Expired rows are left for the background sweeper.
"""

from __future__ import annotations

from datetime import timedelta

from ..context import RequestContext
from .model import SessionData


async def resolve_session(
    ctx: RequestContext, *, disable_cookie_cache: bool = False, disable_refresh: bool = False
) -> SessionData | None:
    if ctx.session_memo is not False and not disable_cookie_cache:
        return ctx.session  # memoised for this request
    auth = ctx.auth
    cookies = auth.cookies
    request = ctx.request
    token = cookies.read_token(request)
    if token is None:
        ctx.session_memo = None
        return None

    cache = auth.plugin_state.get("cookie_cache")
    if cache is not None and not disable_cookie_cache:
        cached: SessionData | None = cache.read(ctx, token)
        if cached is not None:
            ctx.session_memo = cached
            return cached

    data = await auth.store.find_session(token)
    now = auth.now()
    if data is None or data.session["expiresAt"] <= now:
        cookies.clear_session(ctx.response, request)
        ctx.session_memo = None
        return None

    dont_remember = cookies.read_dont_remember(request)
    config = auth.session_config
    # an impersonation session (admin plugin) keeps its own short expiry: it is never extended
    if not (dont_remember or disable_refresh or config.disable_session_refresh or config.defer_session_refresh
            or data.session.get("impersonatedBy")):
        expires_at = data.session["expiresAt"]
        due = expires_at - timedelta(seconds=config.expires_in) + timedelta(seconds=config.update_age) <= now
        if due:
            new_expiry = now + timedelta(seconds=config.expires_in)
            updated = await auth.store.update_session(token, {"expiresAt": new_expiry})
            if updated is None:
                cookies.clear_session(ctx.response, request)
                ctx.session_memo = None
                return None
            data.session["expiresAt"] = updated["expiresAt"]
            data.session["updatedAt"] = updated["updatedAt"]
            data.json = None  # rendered before the slide
            cookies.set_session(ctx.response, token, dont_remember=False)

    if cache is not None:
        cache.write(ctx, data, dont_remember=dont_remember)
    ctx.session_memo = data
    return data
