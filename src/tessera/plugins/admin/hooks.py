"""The admin plugin's hooks: every new user gets the default role, no session is issued to a banned user,
and ``/list-sessions`` does not show a user the impersonation sessions opened on their account.

The ban check is a ``session.create`` database hook, so it covers every way a session is made — email
sign-in, social callback, sign-up, email verification, a password change, impersonation, another plugin's
flow — without each of them knowing about bans. It costs one read of the user per session created (Better
Auth pays the same).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...context import RequestContext
from ...errors import APIError
from ...hooks import Hook
from .errors import AdminErrorCodes

if TYPE_CHECKING:
    from . import AdminPlugin

#: the fields an unban clears
UNBANNED: Mapping[str, Any] = {"banned": False, "banReason": None, "banExpires": None}


def default_role_hook(plugin: AdminPlugin) -> Any:
    def before(user: dict[str, Any], ctx: RequestContext | None) -> Any:
        if user.get("role") is None:
            return {"data": {"role": plugin.options.default_role}}
        return None

    return before


def ban_check_hook(plugin: AdminPlugin) -> Any:
    async def before(session: dict[str, Any], ctx: RequestContext | None) -> Any:
        store = plugin.context.store
        user = await store.find_user_by_id(str(session["userId"]))
        if user is None or not user.get("banned"):
            return None
        expires = user.get("banExpires")
        if isinstance(expires, datetime) and expires < store.clock():
            # the ban ran out: lift it on this sign-in, as Better Auth does
            await store.update_user(user["id"], dict(UNBANNED))
            return None
        raise APIError(403, AdminErrorCodes.BANNED_USER, await banned_message(plugin, user))

    return before


async def banned_message(plugin: AdminPlugin, user: dict[str, Any]) -> str:
    message = plugin.options.banned_user_message
    if isinstance(message, str):
        return message
    result = message(plugin.context.store.public("user", user))
    return str(await result) if inspect.isawaitable(result) else str(result)


def hide_impersonations_hook() -> Hook:
    async def after(ctx: RequestContext) -> Any:
        if isinstance(ctx.returned, list):
            return [s for s in ctx.returned if not (isinstance(s, dict) and s.get("impersonatedBy"))]
        return None

    return Hook(after, frozenset({"list_sessions"}))
