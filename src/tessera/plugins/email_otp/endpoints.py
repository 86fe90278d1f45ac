"""The email-OTP endpoints, path for path and shape for shape Better Auth 1.7.24's ``emailOTP()``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ...api._common import check_password_length, user_input
from ...api.email_verification import call
from ...api.password_reset import reset_credential_password
from ...api.session import announce_user_revocation
from ...context import RequestContext
from ...db.adapter import Adapter, UniqueViolation
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, BaseErrorCodes
from ...session.issue import create_session, set_session_cookies
from ...session.model import SessionData
from ...session.resolver import resolve_session
from ...validation import EMAIL_RE, F, Shape, validation_error
from .codes import is_hashed, new_code, otp_identifier, readable, verify_code, write_code
from .config import OTP_TYPES
from .errors import EmailOTPErrorCodes

if TYPE_CHECKING:
    from . import EmailOTPPlugin

logger = logging.getLogger("tessera.email_otp")

_TYPE_ISSUE = "Invalid option: expected one of " + "|".join(f'"{t}"' for t in OTP_TYPES)
#: ``type`` is zod's ``z.enum``: absent or not one of the types, the same message (``checked_type``)
TYPE = F("any", optional=True)
EMAIL_AND_TYPE = Shape({"email": F("string"), "type": TYPE})
SIGN_IN_CORE = frozenset({"email", "otp", "name", "image"})


def checked_type(data: dict[str, Any], where: str = "body") -> str:
    value = data.get("type")
    if not isinstance(value, str) or value not in OTP_TYPES:
        raise validation_error([f"[{where}.type] {_TYPE_ISSUE}"])
    return str(value)


def checked_email(raw: str) -> str:
    """Lower-cased, then Better Auth's ``z.email()``: ``400 INVALID_EMAIL`` when it is no address."""
    email = raw.lower()
    if not EMAIL_RE.match(email):
        raise APIError(400, BaseErrorCodes.INVALID_EMAIL)
    return email


def build_endpoints(plugin: EmailOTPPlugin) -> tuple[Endpoint, ...]:
    options = plugin.options
    change_email = options.change_email

    async def send(ctx: RequestContext, email: str, otp: str, otp_type: str) -> None:
        await plugin.send(ctx, email, otp, otp_type)

    @endpoint("/email-otp/send-verification-otp", "POST", name="send_verification_otp", form=True, csrf="form",
              body=EMAIL_AND_TYPE)
    async def send_verification_otp(ctx: RequestContext) -> Any:
        if options.send_verification_otp is None:
            logger.warning("send email verification is not implemented: pass send_verification_otp= to email_otp()")
            raise APIError(400, None, "send email verification is not implemented")
        otp_type = checked_type(ctx.body)
        email = checked_email(ctx.body["email"])
        if otp_type == "change-email":
            raise APIError(400, None, "Invalid OTP type")
        return await plugin.send_code(ctx, email, otp_type)

    @endpoint("/email-otp/create-verification-otp", "POST", name="create_verification_otp", server_only=True,
              body=EMAIL_AND_TYPE)
    async def create_verification_otp(ctx: RequestContext) -> Any:
        """Server-only: a new code for ``email`` and ``type``, stored and returned (not sent)."""
        otp_type = checked_type(ctx.body)
        email = str(ctx.body["email"]).lower()
        code = new_code(options, ctx, email, otp_type)
        await write_code(options, ctx, otp_identifier(otp_type, email), code)
        return code

    @endpoint("/email-otp/get-verification-otp", "GET", name="get_verification_otp", server_only=True,
              query=EMAIL_AND_TYPE)
    async def get_verification_otp(ctx: RequestContext) -> Any:
        """Server-only: the pending code in clear (``{"otp": null}`` when there is none)."""
        otp_type = checked_type(ctx.query, "query")
        email = str(ctx.query["email"]).lower()
        row = await ctx.auth.store.find_verification(otp_identifier(otp_type, email))
        if row is None:
            return {"otp": None}
        if is_hashed(options):
            raise APIError(400, None, "OTP is hashed, cannot return the plain text OTP")
        stored = str(row["value"]).rpartition(":")[0] or str(row["value"])
        return {"otp": await readable(options, ctx, stored)}

    @endpoint("/email-otp/check-verification-otp", "POST", name="check_verification_otp",
              body=Shape({"email": F("string"), "type": TYPE, "otp": F("string")}))
    async def check_verification_otp(ctx: RequestContext) -> Any:
        otp_type = checked_type(ctx.body)
        email = checked_email(ctx.body["email"])
        await verify_code(options, ctx, otp_identifier(otp_type, email), ctx.body["otp"], "restore")
        if await ctx.auth.store.find_user_by_email(email) is None:
            # safe to tell: whoever asks holds a code mailed to this address
            raise APIError(400, BaseErrorCodes.USER_NOT_FOUND)
        return {"success": True}

    @endpoint("/email-otp/verify-email", "POST", name="verify_email_otp",
              body=Shape({"email": F("string"), "otp": F("string")}))
    async def verify_email_otp(ctx: RequestContext) -> Any:
        auth = ctx.auth
        email = checked_email(ctx.body["email"])
        await verify_code(options, ctx, otp_identifier("email-verification", email), ctx.body["otp"])
        user = await auth.store.find_user_by_email(email)
        if user is None:
            raise APIError(400, BaseErrorCodes.USER_NOT_FOUND)
        config = auth.email_verification
        if config.before_email_verification is not None:
            await call(config.before_email_verification, user=user, request=ctx.request)
        updated = await auth.store.update_user(user["id"], {"email": email, "emailVerified": True}) or user
        if config.after_email_verification is not None:
            await call(config.after_email_verification, user=updated, request=ctx.request)
        public = auth.store.public("user", updated)
        if config.auto_sign_in_after_verification:
            session = await create_session(ctx, updated)
            set_session_cookies(ctx, session)
            return {"status": True, "token": session.token, "user": public}
        current = await resolve_session(ctx)
        cache = auth.plugin_state.get("cookie_cache")
        if cache is not None and current is not None and current.user_id == updated["id"]:
            # Better Auth's ``setCookieCache``: only the cached user changes, the session cookie stays
            refreshed = type(current)(current.session, public)
            cache.write(ctx, refreshed, dont_remember=auth.cookies.read_dont_remember(ctx.request))
        return {"status": True, "token": None, "user": public}

    @endpoint("/sign-in/email-otp", "POST", name="sign_in_email_otp", tags=("sign-in",),
              body=Shape({"email": F("string"), "otp": F("string"), "name": F("string", optional=True),
                          "image": F("string", optional=True)}, record=True))
    async def sign_in_email_otp(ctx: RequestContext) -> Any:
        auth = ctx.auth
        body = ctx.body
        email = str(body["email"]).lower()
        await verify_code(options, ctx, otp_identifier("sign-in", email), body["otp"])
        user = await auth.store.find_user_by_email(email)
        if user is None:
            if options.disable_sign_up:
                raise APIError(400, EmailOTPErrorCodes.INVALID_OTP)
            extra = user_input(ctx, body, exclude=SIGN_IN_CORE)
            try:
                user = await auth.store.create_user({
                    **extra, "email": email, "emailVerified": True, "name": body.get("name") or "",
                    "image": body.get("image"),
                })
            except UniqueViolation:  # registered by a racing request meanwhile
                raise APIError(400, EmailOTPErrorCodes.INVALID_OTP) from None
        elif not user["emailVerified"]:
            user = await promote_unverified(ctx, user["id"])
            if user is None:
                raise APIError(400, EmailOTPErrorCodes.INVALID_OTP)
        # the central issuing path: session.create hooks (a ban, a second factor) run and may refuse
        session = await create_session(ctx, user)
        set_session_cookies(ctx, session)
        return {"token": session.token, "user": session.user}

    async def request_reset(ctx: RequestContext) -> Any:
        email = checked_email(ctx.body["email"])
        return await plugin.send_code(ctx, email, "forget-password")

    @endpoint("/email-otp/request-password-reset", "POST", name="request_password_reset_email_otp",
              body=Shape({"email": F("string")}))
    async def request_password_reset_email_otp(ctx: RequestContext) -> Any:
        return await request_reset(ctx)

    @endpoint("/forget-password/email-otp", "POST", name="forget_password_email_otp",
              body=Shape({"email": F("string")}))
    async def forget_password_email_otp(ctx: RequestContext) -> Any:
        """Deprecated by Better Auth in favour of ``/email-otp/request-password-reset``; kept as it is."""
        return await request_reset(ctx)

    @endpoint("/email-otp/reset-password", "POST", name="reset_password_email_otp",
              body=Shape({"email": F("string"), "otp": F("string"), "password": F("string")}))
    async def reset_password_email_otp(ctx: RequestContext) -> Any:
        auth = ctx.auth
        email = checked_email(ctx.body["email"])
        password: str = ctx.body["password"]
        check_password_length(ctx, password)
        identifier = otp_identifier("forget-password", email)
        otp = ctx.body["otp"]
        # checked first (and put back), so a wrong code costs no hashing; spent in the unit that writes
        await verify_code(options, ctx, identifier, otp, "restore")
        user = await auth.store.find_user_by_email(email)
        if user is None:
            raise APIError(400, BaseErrorCodes.USER_NOT_FOUND)
        password_hash = await auth.email_and_password.password.hash(password)

        async def consume(tx: Adapter) -> None:
            await verify_code(options, ctx, identifier, otp, adapter=tx)

        await reset_credential_password(ctx, user, password_hash, consume)
        if not user["emailVerified"]:
            await auth.store.update_user(user["id"], {"emailVerified": True})
        return {"success": True}

    def email_change(ctx: RequestContext) -> tuple[SessionData, str, str]:
        """The session, its current address and the requested one, for both change-email steps."""
        if not change_email.enabled:
            raise APIError(400, None, "Change email with OTP is disabled")
        session = ctx.session
        assert session is not None
        email = str(session.user["email"]).lower()
        new_email = checked_email(ctx.body["newEmail"])
        if new_email == email:
            raise APIError(400, None, "Email is the same")
        return session, email, new_email

    @endpoint("/email-otp/request-email-change", "POST", name="request_email_change_email_otp",
              session="sensitive", body=Shape({"newEmail": F("string"), "otp": F("string", optional=True)}))
    async def request_email_change_email_otp(ctx: RequestContext) -> Any:
        session, email, new_email = email_change(ctx)
        given = ctx.body.get("otp")
        if change_email.verify_current_email:
            if not given:
                raise APIError(400, None, "OTP is required to verify current email")
            await verify_code(options, ctx, otp_identifier("email-verification", email), given)
        elif given:
            logger.debug("OTP provided but not required for verifying current email: set "
                         "change_email={'verify_current_email': True} to require it")
        identifier = otp_identifier("change-email", f"{session.user_id}:{new_email}")
        code = new_code(options, ctx, new_email, "change-email")
        await write_code(options, ctx, identifier, code)
        if await ctx.auth.store.find_user_by_email(new_email) is not None:
            await ctx.auth.store.delete_verifications([identifier])
            return {"success": True}
        await send(ctx, new_email, code, "change-email")
        return {"success": True}

    @endpoint("/email-otp/change-email", "POST", name="change_email_email_otp", session="sensitive",
              body=Shape({"newEmail": F("string"), "otp": F("string")}))
    async def change_email_email_otp(ctx: RequestContext) -> Any:
        auth = ctx.auth
        session, email, new_email = email_change(ctx)
        identifier = otp_identifier("change-email", f"{session.user_id}:{new_email}")
        await verify_code(options, ctx, identifier, ctx.body["otp"])
        current = await auth.store.find_user_by_email(email)
        if current is None:
            raise APIError(400, BaseErrorCodes.USER_NOT_FOUND)
        if await auth.store.find_user_by_email(new_email) is not None:
            raise APIError(400, None, "Email already in use")
        config = auth.email_verification
        if config.before_email_verification is not None:
            await call(config.before_email_verification, user=current, request=ctx.request)
        try:
            updated = await auth.store.update_user(current["id"], {"email": new_email, "emailVerified": True})
        except UniqueViolation:  # registered between the lookup and the update
            raise APIError(400, None, "Email already in use") from None
        updated = updated or current
        if config.after_email_verification is not None:
            await call(config.after_email_verification, user=updated, request=ctx.request)
        refreshed = SessionData(session.session, auth.store.public("user", updated))
        set_session_cookies(ctx, refreshed, dont_remember=auth.cookies.read_dont_remember(ctx.request))
        return {"success": True}

    return (
        send_verification_otp, create_verification_otp, get_verification_otp, check_verification_otp,
        verify_email_otp, sign_in_email_otp, request_password_reset_email_otp, forget_password_email_otp,
        reset_password_email_otp, request_email_change_email_otp, change_email_email_otp,
    )


async def promote_unverified(ctx: RequestContext, user_id: str) -> dict[str, Any] | None:
    """Better Auth's ``revokeUnprovenAccountAccess``: a pre-existing account whose address was never proven
    loses every account link and session it gathered before this proof (a password or OAuth link set up by
    someone squatting the address), then is marked verified; the owner inherits none of it."""
    store = ctx.auth.store
    for account in await store.find_accounts(user_id):
        await store.delete_account(account["id"], user_id)
    await store.delete_sessions(user_id)
    announce_user_revocation(ctx, user_id)
    return await store.update_user(user_id, {"emailVerified": True})
