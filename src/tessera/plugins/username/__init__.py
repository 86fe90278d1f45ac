"""The username plugin (Better Auth's ``username()``): users may sign in with a username and a password,
compatible with the official ``usernameClient``::

    from tessera.plugins.username import username

    auth = Tessera(..., plugins=[username(min_username_length=4)])

Adds the ``username`` (unique) and ``displayUsername`` user fields, ``POST /sign-in/username`` and
``POST /is-username-available``, and checks the username (and display username) sent to ``/sign-up/email``
and ``/update-user``: validated, normalised (lower-case by default) and refused when taken. Any other write
of a username (``auth.api`` calls, the admin plugin) is checked by a database hook. The unique index settles
races: of two concurrent sign-ups with one username, the one whose insert loses answers
``USERNAME_IS_ALREADY_TAKEN`` and leaves no row. See docs/username.md.
"""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...db.schema import Field, TableExtension
from ...errors import APIError, BaseErrorCodes
from ...hooks import Hook
from ...session.resolver import resolve_session
from ..base import ContextPlugin, plugin_from_options
from .config import (
    Normalizer,
    UsernameOptions,
    ValidationOrder,
    Validator,
    default_username_validator,
)
from .endpoints import build_endpoints, find_by_username
from .errors import UsernameErrorCodes

__all__ = [
    "Normalizer",
    "UsernameErrorCodes",
    "UsernameOptions",
    "UsernamePlugin",
    "ValidationOrder",
    "Validator",
    "default_username_validator",
    "username",
]

#: the endpoints whose request hooks check the username; the database hooks only normalise for them
_HTTP_CHECKED = frozenset({"sign_up_email", "update_user"})


def _body(ctx: RequestContext) -> dict[str, Any] | None:
    return ctx.body if isinstance(ctx.body, dict) else None


class UsernamePlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(UsernamePlugin).options`` is its ``UsernameOptions``."""

    options: UsernameOptions

    def __init__(self, options: UsernameOptions) -> None:
        fields = [Field("username", required=False, unique=True, sortable=True)]
        if options.display_username:
            fields.append(Field("displayUsername", required=False))
        sign_up_only = frozenset({"sign_up_email"})
        checked = frozenset({"sign_up_email", "update_user"})
        super().__init__(
            id="username",
            endpoints=build_endpoints(options),
            schema=(TableExtension("user", tuple(fields)),),
            before=(
                Hook(self._display_username_as_username, sign_up_only),
                Hook(self._check_request, checked),
                Hook(self._username_as_display_username, sign_up_only),
            ),
            after=(Hook(self._lost_race, checked),),
            error_codes=UsernameErrorCodes,
            database_hooks={"user": {"create": {"before": self._before_create},
                                     "update": {"before": self._before_update}}},
            init=self._init,
            options=options,
        )

    # -- request hooks (Better Auth's ``hooks.before``, in its order) -----------------------------------

    async def _display_username_as_username(self, ctx: RequestContext) -> None:
        """A sign-up with only a display username uses it as the username when it is a valid one."""
        body = _body(ctx)
        if body is None or not isinstance(body.get("displayUsername"), str) or "username" in body:
            return
        if await self.options.username_error(body["displayUsername"]) is None:
            body["username"] = body["displayUsername"]

    async def _check_request(self, ctx: RequestContext) -> None:
        body = _body(ctx)
        if body is None:
            return
        options = self.options
        value = body.get("username")
        if isinstance(value, str):
            invalid = await options.username_error(value)
            if invalid is not None:
                raise APIError(400, invalid)
            normalized = options.normalize(value)
            updating = ctx.endpoint.name == "update_user"
            session = await resolve_session(ctx) if updating else None
            if updating and options.immutable_username and session is not None:
                current = session.user.get("username")
                if current and current != normalized:
                    raise APIError(400, UsernameErrorCodes.USERNAME_IS_IMMUTABLE)
            existing = await find_by_username(ctx.auth.adapter, normalized)
            if existing is not None and (session is None or existing["id"] != session.user_id):
                raise APIError(400, UsernameErrorCodes.USERNAME_IS_ALREADY_TAKEN)
        if not options.display_username:
            return
        display = body.get("displayUsername")
        if isinstance(display, str) and not await options.display_username_ok(display):
            raise APIError(400, UsernameErrorCodes.INVALID_DISPLAY_USERNAME)

    async def _username_as_display_username(self, ctx: RequestContext) -> None:
        body = _body(ctx)
        if body is not None and self.options.display_username and body.get("username") and (
            not body.get("displayUsername")
        ):
            body["displayUsername"] = body["username"]

    async def _lost_race(self, ctx: RequestContext) -> Any:
        """The request check passed but the insert or update met the unique index: a concurrent request took
        the username in between. The core answers a generic failure; name the cause."""
        failed = ctx.returned
        if not isinstance(failed, APIError) or failed.code not in (
            BaseErrorCodes.FAILED_TO_CREATE_USER, BaseErrorCodes.FAILED_TO_UPDATE_USER
        ):
            return None
        body = _body(ctx)
        value = body.get("username") if body is not None else None
        if not isinstance(value, str):
            return None
        holder = await find_by_username(ctx.auth.adapter, self.options.normalize(value))
        if holder is None or (ctx.session is not None and holder["id"] == ctx.session.user_id):
            return None
        return APIError(400, UsernameErrorCodes.USERNAME_IS_ALREADY_TAKEN)

    # -- database hooks (every write of a user, whoever makes it) ---------------------------------------

    async def _check_write(self, value: str, display: Any, user_id: Any) -> None:
        """Better Auth's ``validateUsername``, for writes the request hooks did not check."""
        options = self.options
        invalid = await options.username_error(value)
        if invalid is not None:
            raise APIError(400, invalid)
        holder = await find_by_username(self.context.adapter, options.normalize(value))
        if holder is not None and (not user_id or holder["id"] != user_id):
            raise APIError(400, UsernameErrorCodes.USERNAME_IS_ALREADY_TAKEN)
        if isinstance(display, str) and display and not await options.display_username_ok(display):
            raise APIError(400, UsernameErrorCodes.INVALID_DISPLAY_USERNAME)

    def _normalized(self, data: dict[str, Any], *, default_display: bool) -> dict[str, Any]:
        options = self.options
        out: dict[str, Any] = {}
        value, display = data.get("username"), data.get("displayUsername")
        if isinstance(value, str) and value:
            out["username"] = options.normalize(value)
        if options.display_username:
            if isinstance(display, str) and display:
                out["displayUsername"] = options.normalize_display(display)
            elif default_display and "username" in out:
                out["displayUsername"] = value
        return out

    async def _before_create(self, data: dict[str, Any], ctx: RequestContext | None) -> dict[str, Any]:
        value = data.get("username")
        if isinstance(value, str) and value and (ctx is None or ctx.endpoint.name not in _HTTP_CHECKED):
            await self._check_write(value, data.get("displayUsername"), None)
        return {"data": self._normalized(data, default_display=True)}

    async def _before_update(self, data: dict[str, Any], ctx: RequestContext | None) -> dict[str, Any]:
        value = data.get("username")
        if isinstance(value, str) and value and (ctx is None or ctx.endpoint.name not in _HTTP_CHECKED):
            user_id = ctx.session.user_id if ctx is not None and ctx.session is not None else data.get("id")
            await self._check_write(value, data.get("displayUsername"), user_id)
        return {"data": self._normalized(data, default_display=False)}


def username(options: UsernameOptions | None = None, /, **kwargs: Any) -> UsernamePlugin:
    """Better Auth's ``username()`` plugin. Keyword arguments are ``UsernameOptions`` fields:
    ``username(min_username_length=4, username_normalization=False, validation_order={"username":
    "post-normalization"})``."""
    return plugin_from_options("username", UsernamePlugin, UsernameOptions, options, kwargs)
