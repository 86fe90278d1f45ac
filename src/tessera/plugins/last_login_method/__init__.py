"""The last-login-method plugin (Better Auth's ``lastLoginMethod()``): remember how a browser last signed in, so
a sign-in page can say "you last used Google". Compatible with the official ``lastLoginMethodClient``::

    from tessera.plugins.last_login_method import last_login_method

    auth = Tessera(..., plugins=[last_login_method(store_in_database=True)])

Every response that issues a session sets ``better-auth.last_used_login_method=<method>`` (readable by
scripts, 30 days); with ``store_in_database`` the user row's ``lastLoginMethod`` is kept too. No endpoints.
See docs/last-login-method.md.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import replace
from typing import Any

from ...context import RequestContext
from ...db.schema import Field, TableExtension
from ...errors import APIError
from ...hooks import Hook
from ..base import ContextPlugin, plugin_from_options
from ..two_factor.challenge import CHALLENGED_USER, TWO_FACTOR_COOKIE
from .config import DEFAULT_COOKIE_NAME, FIELD, LastLoginMethodOptions
from .resolve import BY_ENDPOINT, default_method

__all__ = [
    "BY_ENDPOINT",
    "DEFAULT_COOKIE_NAME",
    "LastLoginMethodOptions",
    "LastLoginMethodPlugin",
    "last_login_method",
]

logger = logging.getLogger("tessera")

#: ``ctx.state`` key: this request's method, once worked out
METHOD = "last_login_method.method"
#: the verification row keeping a challenged sign-in's method until its second factor: ``<prefix><user id>``
PENDING = "last-login-method:"
#: the two-factor plugin's endpoints that finish a challenged sign-in
SECOND_FACTOR_ENDPOINTS = frozenset({"verify_totp", "verify_two_factor_otp", "verify_backup_code"})


class LastLoginMethodPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(LastLoginMethodPlugin).options`` is its ``LastLoginMethodOptions``."""

    options: LastLoginMethodOptions

    def __init__(self, options: LastLoginMethodOptions) -> None:
        stored = options.store_in_database
        super().__init__(
            id="last-login-method",
            schema=(TableExtension("user", (Field(FIELD, required=False, input=False, column=options.column),)),)
            if stored else (),
            # only adds a cookie: a get-session answer rendered ahead stays valid
            after=(Hook(self._set_cookie, keeps_result=True),),
            database_hooks={"user": {"create": {"before": self._on_user_create}},
                            "session": {"create": {"after": self._on_session_create}}} if stored else {},
            init=self._init,
            options=options,
        )

    async def method_for(self, ctx: RequestContext, user_id: str | None) -> str | None:
        """The method of the sign-in this request completes: ``resolve``'s answer, or — for a sign-in finished by a
        second factor — the first factor's, kept when the challenge was opened. Worked out once per request."""
        if METHOD in ctx.state:
            return ctx.state[METHOD]  # type: ignore[no-any-return]
        method = self.resolve(ctx)
        if (
            method is None and user_id is not None and ctx.endpoint.name in SECOND_FACTOR_ENDPOINTS
            and ctx.auth.cookies.name(TWO_FACTOR_COOKIE) in ctx.request.cookies
        ):
            row = await ctx.auth.store.consume_verification(PENDING + user_id)
            value = row.get("value") if row is not None else None
            method = value if isinstance(value, str) and value else None
        ctx.state[METHOD] = method
        return method

    async def _hold_across_challenge(self, ctx: RequestContext) -> None:
        """A first-factor sign-in stopped at a second-factor challenge: keep its method for the step that
        finishes it (a verification row per user, living as long as the challenge)."""
        user_id = ctx.state.get(CHALLENGED_USER)
        method = self.resolve(ctx) if user_id else None
        if method is None:
            return
        two_factor = ctx.auth.plugin_state.get("two-factor")
        lifetime = getattr(getattr(two_factor, "options", None), "two_factor_cookie_max_age", 600)
        store = ctx.auth.store
        await store.delete_verifications([PENDING + str(user_id)])
        await store.create_verification(PENDING + str(user_id), method, int(lifetime))

    def resolve(self, ctx: RequestContext) -> str | None:
        """The method this request signs in with: ``custom_resolve_method``'s answer, else the default one."""
        custom = self.options.custom_resolve_method
        method = custom(ctx) if custom is not None else None
        if method is None:
            method = default_method(ctx)
        return method if isinstance(method, str) and method else None

    async def _set_cookie(self, ctx: RequestContext) -> Any:
        # a session was issued by this request and its cookie is being set (not a second-factor challenge, not a
        # refused sign-in, not a session merely refreshed)
        returned = ctx.returned
        if ctx.new_session is None:
            if CHALLENGED_USER in ctx.state:
                await self._hold_across_challenge(ctx)
            return None
        if isinstance(returned, APIError) and not 300 <= returned.status < 400:
            return None
        cookies = ctx.auth.cookies
        header = ctx.response.set_cookies.get(cookies.session_token)
        if header is None or "Max-Age=0" in header:
            return None
        method = await self.method_for(ctx, ctx.new_session.user_id)
        if method is None:
            return None
        check = self.options.before_store_cookie
        if check is not None:
            try:
                permitted = check(ctx, method)
                if inspect.isawaitable(permitted):
                    permitted = await permitted
            except Exception:
                logger.exception("last_login_method: before_store_cookie raised; the cookie is not set")
                return None
            if not permitted:
                return None
        attrs = replace(cookies.attrs("session_token", max_age=self.options.max_age), http_only=False)
        ctx.response.set_cookie(self.options.cookie_name, method, attrs)
        return None

    async def _on_user_create(self, user: dict[str, Any], ctx: RequestContext | None) -> Any:
        method = self.resolve(ctx) if ctx is not None else None
        return {"data": {**user, FIELD: method}} if method is not None else None

    async def _on_session_create(self, session: dict[str, Any], ctx: RequestContext | None) -> None:
        user_id = session.get("userId")
        method = await self.method_for(ctx, str(user_id)) if ctx is not None and user_id else None
        if method is None or not user_id:
            return
        user = ctx.session_user if ctx is not None else None
        if user is not None and user.get("id") == user_id and user.get(FIELD) == method:
            return  # already recorded: no write, and the user's cookie caches stay valid
        try:
            await self.context.store.update_user(str(user_id), {FIELD: method})
        except Exception as exc:  # as Better Auth: the sign-in goes on (the class only: no row data in logs)
            logger.error("last_login_method: failed to update lastLoginMethod (%s)", type(exc).__name__)
            return
        if user is not None and user.get("id") == user_id:
            user[FIELD] = method  # the sign-in answers (and caches) the user as it now is


def last_login_method(options: LastLoginMethodOptions | None = None, /, **kwargs: Any) -> LastLoginMethodPlugin:
    """Better Auth's ``lastLoginMethod()`` plugin. Keyword arguments are ``LastLoginMethodOptions`` fields:
    ``last_login_method(store_in_database=True, max_age=86400, custom_resolve_method=fn)``."""
    return plugin_from_options("last_login_method", LastLoginMethodPlugin, LastLoginMethodOptions, options, kwargs)
