"""The hand-over: a request that carried an anonymous session and signed in or up with a real method.

Better Auth matches its after-hook by path prefix on every request; here the same prefixes choose the endpoints
once, when ``Tessera`` is built (``PathPrefixHook.applies_to``), so the plugin also covers endpoints of plugins
it does not know of (``/sign-in/username``, ``/phone-number/verify``…), as Better Auth's does.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...api.email_verification import call
from ...context import RequestContext
from ...endpoints import Endpoint
from ...errors import APIError
from ...hooks import Hook
from ...session.model import SessionData

if TYPE_CHECKING:
    from . import AnonymousPlugin

logger = logging.getLogger("tessera.anonymous")

#: Better Auth 1.7.24's matcher, prefix for prefix
LINKING_PATHS = (
    "/sign-in", "/sign-up", "/callback", "/magic-link/verify", "/email-otp/verify-email", "/one-tap/callback",
    "/passkey/verify-authentication", "/phone-number/verify", "/verify-email",
)


@dataclass(frozen=True)
class PathPrefixHook(Hook):
    """A hook for the endpoints whose path starts with one of ``prefixes`` (matched once, at build time)."""

    prefixes: tuple[str, ...] = ()

    def applies_to(self, ep: Endpoint) -> bool:
        return ep.path.startswith(self.prefixes)


async def anonymous_session_of_request(ctx: RequestContext, new: SessionData) -> SessionData | None:
    """The anonymous session the request arrived with, read from the database (a cookie cache could still
    hold a session that is gone). ``ctx.session`` is no help: the sign-in replaced it with the new session."""
    auth = ctx.auth
    token = auth.cookies.read_token(ctx.request)
    if token is None or hmac.compare_digest(token, new.token):
        return None
    data = await auth.store.find_session(token)
    if data is None or data.session["expiresAt"] <= auth.now() or not data.user.get("isAnonymous"):
        return None
    return data


async def link_anonymous_user(plugin: AnonymousPlugin, ctx: RequestContext) -> None:
    new = ctx.new_session  # ``None`` without a sign-in, and while a second factor is still due
    if new is None or isinstance(ctx.returned, APIError):
        return
    anon = await anonymous_session_of_request(ctx, new)
    if anon is None:
        return
    options = plugin.options
    if options.on_link_account is not None:
        try:
            await call(options.on_link_account, anonymous_user=anon, new_user=new, ctx=ctx)
        except BaseException:
            await undo_sign_in(ctx, new)
            raise
    if options.disable_delete_anonymous_user or new.user_id == anon.user_id or new.user.get("isAnonymous"):
        return
    try:
        deleted = await plugin.delete_anonymous_user(ctx, anon.user_id)
    except Exception:  # Better Auth logs a failed clean-up and keeps the sign-in
        logger.exception("failed to delete anonymous user %s after linking", anon.user_id)
        return
    if not deleted:
        logger.error("a database hook kept anonymous user %s after linking", anon.user_id)


async def undo_sign_in(ctx: RequestContext, new: SessionData) -> None:
    """``on_link_account`` failed: nothing is half-linked. The new session is revoked and its cookies are not
    sent, so the client keeps its anonymous session (and the anonymous user, untouched) to try again."""
    auth = ctx.auth
    revoked = await auth.store.delete_session(new.token)
    if revoked is not None:
        revocations: Any = auth.plugin_state.get("revocations")
        if revocations is not None:
            revocations.revoke([revoked])
    cookies = auth.cookies
    for name in list(ctx.response.set_cookies):
        if name.startswith((cookies.session_token, cookies.session_data, cookies.dont_remember)):
            del ctx.response.set_cookies[name]
    ctx.new_session = None
