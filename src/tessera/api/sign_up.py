"""POST /sign-up/email."""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..db.adapter import UniqueViolation
from ..db.store import CREDENTIAL
from ..endpoints import endpoint
from ..errors import APIError, BaseErrorCodes
from ..session.issue import create_session, set_session_cookies
from ..validation import F, Shape
from ._common import check_password_length, user_input
from .email_verification import send_verification_email_for

SIGN_UP_BODY = Shape(
    {
        "name": F("string"),
        "email": F("email"),
        "password": F("string"),
        "image": F("string", optional=True),
        "callbackURL": F("string", optional=True),
        "rememberMe": F("boolean", optional=True),
    },
    record=True,
)
_CORE = frozenset({"name", "email", "password", "image", "callbackURL", "rememberMe"})


@endpoint("/sign-up/email", "POST", body=SIGN_UP_BODY, form=True, csrf="form", tags=("sign-up",))
async def sign_up_email(ctx: RequestContext) -> Any:
    auth = ctx.auth
    config = auth.email_and_password
    if not config.enabled or config.disable_sign_up:
        raise APIError(400, BaseErrorCodes.EMAIL_PASSWORD_SIGN_UP_DISABLED)
    body = ctx.body
    password: str = body["password"]
    check_password_length(ctx, password)
    email = body["email"].lower()
    extra = user_input(ctx, body, exclude=_CORE)
    generic_answer = config.require_email_verification or not config.auto_sign_in
    password_hash = await config.password.hash(password)
    now = auth.now()
    user_data = {
        "name": body["name"], "email": email, "emailVerified": False, "image": body.get("image"),
        "createdAt": now, "updatedAt": now, **extra,
    }
    sign_in = config.auto_sign_in and not config.require_email_verification
    try:
        async with auth.store.transaction() as tx:
            user = await auth.store.create_user(user_data, tx)
            await auth.store.create_account(
                {"accountId": user["id"], "providerId": CREDENTIAL, "userId": user["id"], "password": password_hash},
                tx,
            )
            session = (
                await create_session(ctx, user, dont_remember=body.get("rememberMe") is False, adapter=tx)
                if sign_in
                else None
            )
    except UniqueViolation:
        if await auth.store.find_user_by_email(email) is None:
            # the address is free: another unique field (a plugin's, such as a username) was taken meanwhile;
            # nothing was written, and the plugin's after-hook may name the cause
            raise APIError(422, BaseErrorCodes.FAILED_TO_CREATE_USER) from None
        if not generic_answer:
            raise APIError(422, BaseErrorCodes.USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL) from None
        # enumeration-safe: the same answer a new account gets, and the owner may be told by mail
        if config.on_existing_user_sign_up is not None:
            existing = await auth.store.find_user_by_email(email)
            if existing is not None:
                await ctx.run_in_background_or_await(_maybe_await(config.on_existing_user_sign_up(existing, ctx.request)))
        return {"token": None, "user": await _synthetic_user(ctx, user_data, extra)}

    verification = auth.email_verification
    send_on_sign_up = (
        verification.send_on_sign_up
        if verification.send_on_sign_up is not None
        else config.require_email_verification
    )
    if send_on_sign_up and verification.send_verification_email is not None:
        await send_verification_email_for(ctx, user, body.get("callbackURL") or "/")
    if session is None:
        return {"token": None, "user": auth.store.public("user", user)}
    set_session_cookies(ctx, session, dont_remember=body.get("rememberMe") is False)
    return {"token": session.token, "user": session.user}


async def _synthetic_user(ctx: RequestContext, user_data: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The user a taken address is answered with: the row ``create`` would write (Better Auth's
    ``buildSyntheticUserOutput``: schema defaults included), or ``custom_synthetic_user``'s, so no field tells the
    answer apart from a new account's (ASVS v5.0.0-6.3.8)."""
    store = ctx.auth.store
    row = store.unsaved("user", user_data)
    custom = ctx.auth.email_and_password.custom_synthetic_user
    if custom is not None:
        core = {k: row[k] for k in ("name", "email", "emailVerified", "image", "createdAt", "updatedAt")}
        made = await _maybe_await(custom(core_fields=core, additional_fields=dict(extra), id=row["id"]))
        row = store.unsaved("user", {"id": row["id"], **dict(made)})
    return store.public("user", row)


async def _maybe_await(value: Any) -> Any:
    if hasattr(value, "__await__"):
        return await value
    return value


__all__ = ["sign_up_email"]
