"""Whom a passkey registration is for: the signed-in user, or — with ``registration.require_session=False``
(passkey-first sign-up) — the user the application's ``resolve_user`` names, created by its
``after_verification`` once the attestation has verified.

Security rationale. Better Auth attaches a session-less registration to whatever user id ``resolveUser`` or
``afterVerification`` answers, existing or not; an application that resolves ``context`` to an existing
account (an email in a query string, a guessable invitation) hands that account to whoever registers first.
Here, without a session, the passkey is only attached to a user *created while ``after_verification`` ran*
(through ``ctx.auth.store``, whose database hooks this module watches): an existing account can only gain a
passkey from its own, fresh, session. The user therefore never exists before the attestation has verified,
and the challenge that carried ``resolve_user``'s answer is single-use and bound to the browser's cookie.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ...api.email_verification import call
from ...errors import APIError, BaseErrorCodes
from ...outage import outage_cause
from ...session.resolver import resolve_session
from .errors import PasskeyErrorCodes

if TYPE_CHECKING:
    from ...context import RequestContext
    from ...db.adapter import Row
    from ...session.model import SessionData
    from .ceremony import Challenge, NewCredential
    from .config import PasskeyRegistration

logger = logging.getLogger("tessera.passkey")

#: ids of the users created while the current request's ``after_verification`` runs (``None`` outside it)
_created_users: ContextVar[set[str] | None] = ContextVar("tessera_passkey_created_users", default=None)


def record_created_user(row: dict[str, Any], ctx: RequestContext | None) -> None:
    """``user.create`` after-hook: remember users ``after_verification`` creates (and nothing otherwise)."""
    created = _created_users.get()
    if created is not None and row.get("id") is not None:
        created.add(str(row["id"]))


async def after_verification(callback: Any, failure: APIError, **kwargs: Any) -> Any:
    """Run an ``after_verification`` as Better Auth does: an ``APIError`` it raises answers the request, any
    other failure is logged and answered as ``failure`` (an unreachable store stays a 503)."""
    try:
        return await call(callback, **kwargs)
    except APIError:
        raise
    except Exception as exc:
        if outage_cause(exc) is not None:
            raise
        logger.exception("passkey: after_verification failed")
        raise failure from None


def invalid() -> APIError:
    return APIError(400, PasskeyErrorCodes.RESOLVED_USER_INVALID)


def not_allowed() -> APIError:
    return APIError(401, PasskeyErrorCodes.YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY)


async def registering_session(ctx: RequestContext, options: PasskeyRegistration) -> SessionData | None:
    """The caller's session. With ``require_session`` the endpoint has already demanded a fresh one; without, a
    session is optional, but one that is there must still be fresh (Better Auth takes any): turning passkey-first
    sign-up on must not let an old, possibly stolen, session add a credential."""
    if options.require_session:
        return ctx.session
    session = await resolve_session(ctx)
    if session is not None:
        fresh_age = ctx.auth.session_config.fresh_age
        if fresh_age and (ctx.auth.now() - session.session["createdAt"]).total_seconds() > fresh_age:
            raise APIError(403, BaseErrorCodes.SESSION_NOT_FRESH)
    return session


async def registration_user(ctx: RequestContext, options: PasskeyRegistration,
                            session: SessionData | None) -> dict[str, Any]:
    """``{"id", "name", "displayName"?}``: the session's user, else ``resolve_user``'s answer (Better Auth's
    ``resolveRegistrationUser``)."""
    if session is not None:
        name = str(session.user.get("email") or session.user_id)
        return {"id": session.user_id, "name": name, "displayName": name}
    if options.resolve_user is None:
        raise APIError(400, PasskeyErrorCodes.RESOLVE_USER_REQUIRED)
    resolved = await call(options.resolve_user, ctx=ctx, context=ctx.query.get("context"))
    if not isinstance(resolved, Mapping):
        raise invalid()
    user_id, user_name = resolved.get("id"), resolved.get("name")
    display = resolved.get("display_name", resolved.get("displayName"))
    if not (isinstance(user_id, str) and user_id and isinstance(user_name, str) and user_name):
        raise invalid()
    user: dict[str, Any] = {"id": user_id, "name": user_name}
    if isinstance(display, str) and display:
        user["displayName"] = display
    return user


async def registration_owner(
    ctx: RequestContext, options: PasskeyRegistration, session: SessionData | None, challenge: Challenge,
    credential: NewCredential, response: dict[str, Any],
) -> tuple[Row, str | None]:
    """The user the verified credential goes to, and the name ``after_verification`` suggests for it.

    ``401 YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY`` when that is not the session's user or, without a
    session, not a user created by ``after_verification``; ``400 RESOLVED_USER_INVALID`` when it names no user.
    """
    data = challenge.user_data
    user_id = data.get("id")
    user = {"id": user_id, "name": data.get("name") or user_id, "displayName": data.get("displayName")}
    suggested: str | None = None
    created: set[str] = set()
    if options.after_verification is not None:
        token = _created_users.set(created)
        try:
            result = await after_verification(
                options.after_verification, APIError(500, PasskeyErrorCodes.FAILED_TO_VERIFY_REGISTRATION),
                ctx=ctx, verification=credential.verification, user=user, client_data=response,
                context=challenge.context,
            )
        finally:
            _created_users.reset(token)
        if result is not None and not isinstance(result, Mapping):
            raise invalid()
        result = result or {}
        chosen = result.get("user_id", result.get("userId"))
        if chosen:
            if not isinstance(chosen, str):
                raise invalid()
            user_id = chosen
        label = result.get("name")
        suggested = label.strip() or None if isinstance(label, str) else None
    if not isinstance(user_id, str) or not user_id:
        raise invalid()
    if session is not None:
        if user_id != session.user_id:
            raise not_allowed()
        return session.user, suggested
    row = await ctx.auth.store.find_user_by_id(user_id)
    if row is None:
        raise invalid()
    if user_id not in created:
        logger.warning("passkey-first registration refused: user %s existed before the ceremony", user_id)
        raise not_allowed()
    return row, suggested
