"""The custom-session plugin (Better Auth's ``customSession()``): reshape what ``get-session`` answers with a
server callback, compatible with the official ``customSessionClient``::

    from tessera.plugins.custom_session import custom_session

    async def shape(data, ctx):
        roles = await load_roles(data["user"]["id"])
        return {"user": {**data["user"], "roles": roles}, "session": data["session"]}

    auth = Tessera(..., plugins=[custom_session(shape)])

``fn(data, ctx)`` (sync or async) receives ``{"session": …, "user": …}`` — a deep copy, its own to change — and the
request's ``RequestContext``; what it returns is the answer of ``GET``/``POST /get-session`` and of
``auth.api.get_session``. With ``should_mutate_list_device_sessions_endpoint`` it also maps every entry of the
multi-session plugin's ``/multi-session/list-device-sessions``. No endpoints, no schema. See
docs/custom-session.md, which also says what becomes of the cookie cache and the pre-rendered answer.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...context import RequestContext
from ...errors import ConfigError
from ...hooks import Hook
from ...session.model import SessionData
from ..base import ContextPlugin

__all__ = ["CustomSessionFn", "CustomSessionOptions", "CustomSessionPlugin", "custom_session"]

#: ``fn({"session": …, "user": …}, ctx)`` -> the answer, sync or async
CustomSessionFn = Callable[[dict[str, Any], RequestContext], Any]
#: ``auth.plugin_state`` key the core's get-session looks for (the plugin's id)
PLUGIN_ID = "custom-session"


@dataclass(frozen=True)
class CustomSessionOptions:
    """Better Auth's ``CustomSessionPluginOptions`` in snake_case."""

    #: also apply the callback to every entry of ``/multi-session/list-device-sessions``
    should_mutate_list_device_sessions_endpoint: bool = False


class CustomSessionPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(CustomSessionPlugin).fn`` is the callback."""

    options: CustomSessionOptions

    def __init__(self, fn: CustomSessionFn, options: CustomSessionOptions) -> None:
        if not callable(fn):
            raise ConfigError("custom_session(): the first argument must be a function fn(data, ctx)")
        self.fn = fn
        after: tuple[Hook, ...] = ()
        if options.should_mutate_list_device_sessions_endpoint:
            # replaces the listed entries: it does not keep the result (nothing there is pre-rendered anyway)
            after = (Hook(self._list_device_sessions, endpoints=frozenset({"list_device_sessions"})),)
        super().__init__(id=PLUGIN_ID, after=after, init=self._init, options=options)

    async def customize(self, ctx: RequestContext, data: dict[str, Any]) -> Any:
        """What the callback makes of one ``{"session", "user"}``. It gets a deep copy: the dicts a cookie-cache
        hit hands out share their values with the verified cookie every request of that browser reads, and
        after-hooks (``set-auth-jwt``) still read this request's session — a callback changing what it was given
        must change neither."""
        shaped = self.fn(copy.deepcopy(data), ctx)
        return await shaped if inspect.isawaitable(shaped) else shaped

    async def get_session_answer(self, ctx: RequestContext, data: SessionData) -> Any:
        """get-session's answer for ``data`` (called by the core endpoint, which then renders it afresh)."""
        return await self.customize(ctx, data.to_dict())

    async def _list_device_sessions(self, ctx: RequestContext) -> Any:
        listed = ctx.returned
        if not isinstance(listed, list):
            return None  # a refusal: left as it is
        return [await self.customize(ctx, entry) for entry in listed]


def custom_session(
    fn: CustomSessionFn, options: CustomSessionOptions | None = None, /, **kwargs: Any
) -> CustomSessionPlugin:
    """Better Auth's ``customSession(fn, options, pluginOptions)``. ``fn(data, ctx)`` reshapes the session answer;
    keyword arguments are ``CustomSessionOptions`` fields:
    ``custom_session(fn, should_mutate_list_device_sessions_endpoint=True)``. (Better Auth's second argument, the
    auth options, only serves TypeScript's type inference and has no counterpart.)"""
    if options is not None and kwargs:
        raise ConfigError("custom_session(): pass CustomSessionOptions or keyword arguments, not both")
    try:
        resolved = options or CustomSessionOptions(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"custom_session(): {exc}") from None
    return CustomSessionPlugin(fn, resolved)
