"""POST /sign-in/email."""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..endpoints import endpoint
from ..errors import APIError, BaseErrorCodes
from ..session.issue import create_session, set_session_cookies
from ..validation import EMAIL_RE, F, Shape
from ._common import dummy_password_check
from .email_verification import send_verification_email_for

SIGN_IN_BODY = Shape(
    {
        "email": F("string"),
        "password": F("string"),
        "callbackURL": F("string", optional=True),
        "rememberMe": F("boolean", optional=True),
    }
)


@endpoint("/sign-in/email", "POST", body=SIGN_IN_BODY, form=True, csrf="form", tags=("sign-in",))
async def sign_in_email(ctx: RequestContext) -> Any:
    auth = ctx.auth
    config = auth.email_and_password
    if not config.enabled:
        raise APIError(400, BaseErrorCodes.EMAIL_PASSWORD_DISABLED)
    body = ctx.body
    email: str = body["email"]
    password: str = body["password"]
    if not EMAIL_RE.match(email):
        raise APIError(400, BaseErrorCodes.INVALID_EMAIL)
    if len(password.encode("utf-16-le")) // 2 > config.max_password_length:
        raise APIError(400, BaseErrorCodes.PASSWORD_TOO_LONG)
    if ctx.is_http and auth.rate_limiter is not None:
        limited = await auth.rate_limiter.consume_account(email.lower())
        if limited is not None:
            return limited

    user = await auth.store.find_user_by_email(email, with_credential=True)
    stored = await matched_password(ctx, user, password)
    if user is None or stored is None:
        raise APIError(401, BaseErrorCodes.INVALID_EMAIL_OR_PASSWORD)

    return await finish_password_sign_in(ctx, user, stored, password, status_on_failure=401)


async def matched_password(ctx: RequestContext, user: dict[str, Any] | None, password: str) -> str | None:
    """The stored hash when ``user`` (read with its credential account, which this removes from it) has
    ``password``; ``None`` otherwise. An unknown user, or one without a password, spends a dummy verification
    so that the answer's timing does not tell them apart from a wrong password."""
    account = user.pop("account", None) if user is not None else None
    stored = account.get("password") if account else None
    if user is None or not stored:
        await dummy_password_check(ctx, password)
        return None
    return stored if await ctx.auth.email_and_password.password.verify(stored, password) else None


async def finish_password_sign_in(
    ctx: RequestContext, user: dict[str, Any], stored: str, password: str, *, status_on_failure: int
) -> dict[str, Any]:
    """What a sign-in by password does once the password matched (``/sign-in/email`` and the username
    plugin's ``/sign-in/username``): the email-verification requirement, a hash upgrade, the session and its
    cookies, and the ``{redirect, token, url?, user}`` answer."""
    auth = ctx.auth
    config = auth.email_and_password
    body = ctx.body
    if config.require_email_verification and not user["emailVerified"]:
        if auth.email_verification.send_on_sign_in and auth.email_verification.send_verification_email:
            await send_verification_email_for(ctx, user, body.get("callbackURL") or "/")
        raise APIError(403, BaseErrorCodes.EMAIL_NOT_VERIFIED)

    rehash_if_needed(ctx, user["id"], stored, password)

    dont_remember = body.get("rememberMe") is False
    session = await create_session(ctx, user, dont_remember=dont_remember, status_on_failure=status_on_failure)
    set_session_cookies(ctx, session, dont_remember=dont_remember)
    callback = body.get("callbackURL")
    result: dict[str, Any] = {"redirect": bool(callback), "token": session.token}
    if callback:
        result["url"] = callback
        ctx.response.set_header("location", callback)
    result["user"] = session.user
    return result


def rehash_if_needed(ctx: RequestContext, user_id: str, stored: str, password: str) -> None:
    """A password that matched a hash made with weaker parameters is hashed again, in the background."""
    if ctx.auth.email_and_password.password.needs_rehash(stored):
        ctx.run_in_background(_upgrade_hash(ctx, user_id, password))


async def _upgrade_hash(ctx: RequestContext, user_id: str, password: str) -> None:
    new_hash = await ctx.auth.email_and_password.password.hash(password)
    await ctx.auth.store.set_password(user_id, new_hash)
