"""``POST /sign-in/anonymous`` and ``POST /delete-anonymous-user``, path for path and shape for shape Better Auth
1.7.24's ``anonymous()``."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from ...api.email_verification import call
from ...context import RequestContext
from ...crypto.random import generate_id
from ...db.adapter import UniqueViolation
from ...db.hooks import HookVeto
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, BaseErrorCodes
from ...session.issue import create_session, set_session_cookies
from ...session.resolver import resolve_session
from ...validation import EMAIL_RE
from .config import DEFAULT_EMAIL_DOMAIN
from .errors import AnonymousErrorCodes

if TYPE_CHECKING:
    from . import AnonymousPlugin


def build_endpoints(plugin: AnonymousPlugin) -> tuple[Endpoint, ...]:
    options = plugin.options

    async def anonymous_email() -> str:
        if options.generate_random_email is not None:
            custom = await call(options.generate_random_email)
            if custom:
                if not isinstance(custom, str) or not EMAIL_RE.match(custom):
                    raise APIError(400, AnonymousErrorCodes.INVALID_EMAIL_FORMAT)
                return custom
        if options.email_domain_name:
            return f"temp-{generate_id()}@{options.email_domain_name}"
        return f"{generate_id()}@{DEFAULT_EMAIL_DOMAIN}"

    # tagged ``sign-in``: a session is made here, so hooks for every sign-in run for it too
    @endpoint("/sign-in/anonymous", "POST", name="sign_in_anonymous", tags=("sign-in", "anonymous"))
    async def sign_in_anonymous(ctx: RequestContext) -> Any:
        current = await resolve_session(ctx, disable_refresh=True)
        if current is not None and current.user.get("isAnonymous"):
            raise APIError(400, AnonymousErrorCodes.ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY)
        email = await anonymous_email()
        name = "Anonymous"
        if options.generate_name is not None:
            generated = options.generate_name(ctx)
            name = (await generated if inspect.isawaitable(generated) else generated) or name
        store = ctx.auth.store
        now = ctx.auth.now()
        data = {"email": email.lower(), "emailVerified": False, "isAnonymous": True, "name": name, "image": None,
                "createdAt": now, "updatedAt": now}
        try:
            user = await store.create_user(data)
        except (UniqueViolation, HookVeto):  # a generated address taken, or a database hook said no
            raise APIError(500, AnonymousErrorCodes.FAILED_TO_CREATE_USER) from None
        try:
            session = await create_session(ctx, user)
        except APIError as exc:
            # Better Auth leaves the user behind; a user no session can reach is only clutter, so it goes
            await store.delete_user(user["id"])
            if exc.code == BaseErrorCodes.FAILED_TO_CREATE_SESSION:
                raise APIError(400, AnonymousErrorCodes.COULD_NOT_CREATE_SESSION) from None
            raise
        set_session_cookies(ctx, session)
        return {"token": session.token, "user": session.user}

    # Better Auth's ``sensitiveSessionMiddleware``: the session is read from the database, never a cookie cache
    @endpoint("/delete-anonymous-user", "POST", name="delete_anonymous_user", session="sensitive",
              tags=("anonymous",))
    async def delete_anonymous_user(ctx: RequestContext) -> Any:
        session = ctx.session
        assert session is not None
        if options.disable_delete_anonymous_user:
            raise APIError(400, AnonymousErrorCodes.DELETE_ANONYMOUS_USER_DISABLED)
        if not session.user.get("isAnonymous"):
            raise APIError(403, AnonymousErrorCodes.USER_IS_NOT_ANONYMOUS)
        if not await plugin.delete_anonymous_user(ctx, session.user_id):
            raise APIError(500, AnonymousErrorCodes.FAILED_TO_DELETE_ANONYMOUS_USER)
        ctx.auth.cookies.clear_session(ctx.response, ctx.request)
        return {"success": True}

    return sign_in_anonymous, delete_anonymous_user

