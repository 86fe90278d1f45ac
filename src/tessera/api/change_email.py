"""POST /change-email.

Three flows, chosen by configuration and the state of the current address:

* current address unverified and ``update_email_without_verification``: the email changes now (still
  unverified), and a plain verification mail goes to the new address when mail is configured;
* current address verified and ``send_change_email_confirmation``: the *old* address must approve first
  (token ``requestType="change-email-confirmation"``), then the new one is proven (``/verify-email``);
* otherwise the new address is proven directly (``requestType="change-email-verification"``).

The links are completed by ``GET /verify-email`` (``email_verification._verify_email_change``). Asking to move
to an address that is already registered answers ``{status: true}`` and sends nothing, after minting a token
like a real request does, so the answer says nothing about who is registered. Which flows are possible is
checked *before* that lookup, for the same reason.
"""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..db.adapter import UniqueViolation
from ..endpoints import endpoint
from ..errors import APIError, BaseErrorCodes
from ..session.issue import set_session_cookies
from ..session.model import SessionData
from ..validation import F, Shape
from .email_verification import call, mint_token, send_verification_email_for, verification_url

SAME_EMAIL = "Email is the same"


@endpoint(
    "/change-email",
    "POST",
    body=Shape({"newEmail": F("email"), "callbackURL": F("string", optional=True)}),
    session="sensitive",
    tags=("change-email",),
)
async def change_email(ctx: RequestContext) -> Any:
    assert ctx.session is not None
    auth = ctx.auth
    config = auth.user_config.change_email
    if not config.enabled:
        raise APIError(400, BaseErrorCodes.CHANGE_EMAIL_DISABLED)
    user = ctx.session.user
    new_email: str = ctx.body["newEmail"].lower()
    if new_email == user["email"]:
        raise APIError(400, None, SAME_EMAIL)

    send_verification = auth.email_verification.send_verification_email
    update_directly = not user["emailVerified"] and config.update_email_without_verification
    confirm_old_first = (
        send_verification is not None
        and user["emailVerified"]
        and config.send_change_email_confirmation is not None
    )
    if not update_directly and not confirm_old_first and send_verification is None:
        # Better Auth answers this one with its message and no ``code``
        raise APIError(400, None, BaseErrorCodes.VERIFICATION_EMAIL_NOT_ENABLED.message)

    callback = ctx.body.get("callbackURL") or "/"
    if await auth.store.find_user_by_email(new_email) is not None:
        mint_token(ctx, user["email"], user["id"], updateTo=new_email)  # the work a real request does
        return {"status": True}

    if update_directly:
        try:
            updated = await auth.store.update_user(user["id"], {"email": new_email, "emailVerified": False})
        except UniqueViolation:  # registered between the lookup and the update
            return {"status": True}
        if updated is None:
            raise APIError(400, BaseErrorCodes.FAILED_TO_UPDATE_USER)
        public_user = auth.store.public("user", updated)
        set_session_cookies(
            ctx,
            SessionData(ctx.session.session, public_user),
            dont_remember=auth.cookies.read_dont_remember(ctx.request),
        )
        if send_verification is not None:
            await send_verification_email_for(ctx, public_user, callback)
        return {"status": True}

    if confirm_old_first:
        token = mint_token(
            ctx, user["email"], user["id"], updateTo=new_email, requestType="change-email-confirmation"
        )
        await ctx.run_in_background_or_await(
            call(
                config.send_change_email_confirmation,
                user=user,
                new_email=new_email,
                url=verification_url(ctx, token, callback),
                token=token,
                request=ctx.request,
            )
        )
        return {"status": True}

    token = mint_token(
        ctx, user["email"], user["id"], updateTo=new_email, requestType="change-email-verification"
    )
    await ctx.run_in_background_or_await(
        call(
            send_verification,
            user={**user, "email": new_email},
            url=verification_url(ctx, token, callback),
            token=token,
            request=ctx.request,
        )
    )
    return {"status": True}
