"""The phone-number endpoints, path for path and shape for shape Better Auth 1.7.24's ``phoneNumber()``.

Both ways of signing in pass the gates of every first-factor sign-in: ``/sign-in/phone-number`` (a password)
and ``/phone-number/verify`` (a code sent to the phone) create their session through the central issuing
path, so a ban (the admin plugin) refuses it and a user with two-factor on gets the challenge instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...api._common import check_password_length, user_input
from ...api.password_reset import reset_credential_password
from ...api.sign_in import matched_password, rehash_if_needed
from ...context import RequestContext
from ...crypto.otp import codes_equal, generate_otp
from ...db.adapter import Adapter, Join, Row, UniqueViolation, Where
from ...db.store import CREDENTIAL
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, BaseErrorCodes
from ...session.issue import create_session, set_session_cookies
from ...session.model import SessionData
from ...session.resolver import resolve_session
from ...validation import F, Shape
from ..otp_codes import Disposition, check_code, replace_code
from .config import resolved
from .errors import PhoneNumberErrorCodes

if TYPE_CHECKING:
    from . import PhoneNumberPlugin

SIGN_IN_BODY = Shape({"phoneNumber": F("string"), "password": F("string"), "rememberMe": F("boolean", optional=True)})
PHONE_BODY = Shape({"phoneNumber": F("string")})
CODE_BODY = Shape({"phoneNumber": F("string"), "code": F("string")})
VERIFY_BODY = Shape({
    "phoneNumber": F("string"), "code": F("string"), "disableSession": F("boolean", optional=True),
    "updatePhoneNumber": F("boolean", optional=True),
}, record=True)
RESET_BODY = Shape({"otp": F("string"), "phoneNumber": F("string"), "newPassword": F("string")})
#: body keys of ``/phone-number/verify`` that are not user fields
VERIFY_CORE = frozenset({"phoneNumber", "code", "disableSession", "updatePhoneNumber"})
_CREDENTIAL_JOIN = (Join("account", (Where("providerId", CREDENTIAL),)),)


def otp_identifier(phone_number: str) -> str:
    """Better Auth's ``phoneNumberOTPIdentifier``."""
    return f"phone-number-otp-{phone_number}"


def reset_identifier(phone_number: str) -> str:
    """Better Auth's ``phoneNumberResetIdentifier``."""
    return f"phone-number-reset-{phone_number}"


async def find_by_phone(ctx: RequestContext, phone_number: str, *, with_credential: bool = False) -> Row | None:
    join = _CREDENTIAL_JOIN if with_credential else ()
    return await ctx.auth.adapter.find_one("user", [Where("phoneNumber", phone_number)], join=join)


def build_endpoints(plugin: PhoneNumberPlugin) -> tuple[Endpoint, ...]:
    options = plugin.options

    async def validated(phone_number: str) -> None:
        validator = options.phone_number_validator
        if validator is not None and not await resolved(validator(phone_number)):
            raise APIError(400, PhoneNumberErrorCodes.INVALID_PHONE_NUMBER)

    async def issue(ctx: RequestContext, identifier: str) -> str:
        code = generate_otp(options.otp_length)
        await replace_code(ctx, identifier, code, options.expires_in)
        return code

    async def check(ctx: RequestContext, identifier: str, given: str, disposition: Disposition = "consume",
                    adapter: Adapter | None = None) -> None:
        async def fits(stored: str) -> bool:
            return codes_equal(stored, given)

        await check_code(ctx, identifier, fits, allowed_attempts=options.allowed_attempts,
                         missing=PhoneNumberErrorCodes.OTP_NOT_FOUND, disposition=disposition, adapter=adapter)

    async def verified_by_provider(ctx: RequestContext, phone_number: str, code: str, identifier: str) -> None:
        """``verify_otp``: the SMS provider's answer decides; any code stored here is then dropped."""
        assert options.verify_otp is not None
        if not await resolved(options.verify_otp({"phoneNumber": phone_number, "code": code}, ctx)):
            raise APIError(400, PhoneNumberErrorCodes.INVALID_OTP)
        await ctx.auth.store.delete_verifications([identifier])

    async def spend(ctx: RequestContext, phone_number: str, code: str) -> None:
        """Better Auth's ``verifyAndConsumePhoneNumberOTP``."""
        identifier = otp_identifier(phone_number)
        if options.verify_otp is not None:
            await verified_by_provider(ctx, phone_number, code, identifier)
        else:
            await check(ctx, identifier, code)

    async def on_verified(ctx: RequestContext, phone_number: str, user: Row) -> None:
        callback = options.callback_on_verification
        if callback is not None:
            await resolved(callback({"phoneNumber": phone_number, "user": user}, ctx))

    @endpoint("/sign-in/phone-number", "POST", name="sign_in_phone_number", body=SIGN_IN_BODY,
              tags=("sign-in", "phone-number"))
    async def sign_in_phone_number(ctx: RequestContext) -> Any:
        auth = ctx.auth
        phone_number: str = ctx.body["phoneNumber"]
        password: str = ctx.body["password"]
        await validated(phone_number)
        if len(password.encode("utf-16-le")) // 2 > auth.email_and_password.max_password_length:
            raise APIError(400, BaseErrorCodes.PASSWORD_TOO_LONG)
        if ctx.is_http and auth.rate_limiter is not None:
            # the per-account sign-in window of /sign-in/email, keyed by the number
            limited = await auth.rate_limiter.consume_account(f"phone:{phone_number}")
            if limited is not None:
                return limited
        user = await find_by_phone(ctx, phone_number, with_credential=True)
        # the password is checked first (an unknown number costs the same), so neither the answer nor its
        # timing tells a registered number apart, and no code is sent for a stranger's wrong guess
        stored = await matched_password(ctx, user, password)
        if user is None or stored is None:
            raise APIError(401, PhoneNumberErrorCodes.INVALID_PHONE_NUMBER_OR_PASSWORD)
        if options.require_verification and not user.get("phoneNumberVerified"):
            code = await issue(ctx, otp_identifier(phone_number))
            await plugin.send(ctx, options.send_otp, phone_number, code)
            raise APIError(401, PhoneNumberErrorCodes.PHONE_NUMBER_NOT_VERIFIED)
        rehash_if_needed(ctx, user["id"], stored, password)
        dont_remember = ctx.body.get("rememberMe") is False
        session = await create_session(ctx, user, dont_remember=dont_remember, status_on_failure=401)
        set_session_cookies(ctx, session, dont_remember=dont_remember)
        return {"token": session.token, "user": session.user}

    @endpoint("/phone-number/send-otp", "POST", name="send_phone_number_otp", body=PHONE_BODY,
              tags=("phone-number",))
    async def send_phone_number_otp(ctx: RequestContext) -> Any:
        if options.send_otp is None:
            raise APIError(501, PhoneNumberErrorCodes.SEND_OTP_NOT_IMPLEMENTED)
        phone_number: str = ctx.body["phoneNumber"]
        await validated(phone_number)
        code = await issue(ctx, otp_identifier(phone_number))
        await plugin.send(ctx, options.send_otp, phone_number, code)
        return {"message": "code sent"}

    @endpoint("/phone-number/consume-otp", "POST", name="consume_phone_number_otp", body=CODE_BODY,
              server_only=True, tags=("phone-number",))
    async def consume_phone_number_otp(ctx: RequestContext) -> Any:
        """Server-only: check and spend a code without touching a user or creating a session."""
        await spend(ctx, ctx.body["phoneNumber"], ctx.body["code"])
        return {"status": True}

    async def add_to_session_user(ctx: RequestContext, phone_number: str) -> Any:
        """``updatePhoneNumber``: the proven number becomes the signed-in user's."""
        auth = ctx.auth
        session = await resolve_session(ctx)
        if session is None:
            raise APIError(401, BaseErrorCodes.USER_NOT_FOUND)
        if await find_by_phone(ctx, phone_number) is not None:
            raise APIError(400, PhoneNumberErrorCodes.PHONE_NUMBER_EXIST)
        try:
            user = await auth.store.update_user(session.user_id, {"phoneNumber": phone_number,
                                                                  "phoneNumberVerified": True})
        except UniqueViolation:  # taken by a racing request since the lookup
            raise APIError(400, PhoneNumberErrorCodes.PHONE_NUMBER_EXIST) from None
        if user is None:
            raise APIError(400, BaseErrorCodes.USER_NOT_FOUND)
        await on_verified(ctx, phone_number, user)
        public = auth.store.public("user", user)
        cache = auth.plugin_state.get("cookie_cache")
        if cache is not None:
            # only the cached user changes, the session cookie stays
            cache.write(ctx, SessionData(session.session, public),
                        dont_remember=auth.cookies.read_dont_remember(ctx.request))
        return {"status": True, "token": session.token, "user": public}

    async def sign_up(ctx: RequestContext, phone_number: str) -> Row:
        """``sign_up_on_verification``: a user for a proven number nobody holds yet."""
        sign_up = options.sign_up_on_verification
        assert sign_up is not None
        extra = user_input(ctx, ctx.body, exclude=VERIFY_CORE)
        email = str(await resolved(sign_up.get_temp_email(phone_number))).lower()
        name = await resolved(sign_up.get_temp_name(phone_number)) if sign_up.get_temp_name else phone_number
        try:
            return await ctx.auth.store.create_user({
                **extra, "email": email, "name": name, "phoneNumber": phone_number, "phoneNumberVerified": True,
            })
        except UniqueViolation:  # the number (a racing request) or the temporary address is taken
            if await find_by_phone(ctx, phone_number) is not None:
                raise APIError(400, PhoneNumberErrorCodes.PHONE_NUMBER_EXIST) from None
            raise APIError(422, BaseErrorCodes.USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL) from None

    @endpoint("/phone-number/verify", "POST", name="verify_phone_number", body=VERIFY_BODY,
              tags=("phone-number",))
    async def verify_phone_number(ctx: RequestContext) -> Any:
        auth = ctx.auth
        body = ctx.body
        phone_number: str = body["phoneNumber"]
        await spend(ctx, phone_number, body["code"])
        if body.get("updatePhoneNumber"):
            return await add_to_session_user(ctx, phone_number)
        user = await find_by_phone(ctx, phone_number)
        if user is None:
            if options.sign_up_on_verification is None:
                # Better Auth answers 500 here; the caller proved the number, so telling is safe
                raise APIError(400, PhoneNumberErrorCodes.PHONE_NUMBER_NOT_EXIST)
            user = await sign_up(ctx, phone_number)
        else:
            user = await auth.store.update_user(user["id"], {"phoneNumberVerified": True})
            if user is None:  # deleted meanwhile
                raise APIError(400, PhoneNumberErrorCodes.PHONE_NUMBER_NOT_EXIST)
        await on_verified(ctx, phone_number, user)
        if body.get("disableSession"):
            return {"status": True, "token": None, "user": auth.store.public("user", user)}
        # the central issuing path: session.create hooks (a ban, a second factor) run and may refuse
        session = await create_session(ctx, user)
        set_session_cookies(ctx, session)
        return {"status": True, "token": session.token, "user": session.user}

    @endpoint("/phone-number/request-password-reset", "POST", name="request_password_reset_phone_number",
              body=PHONE_BODY, tags=("phone-number",))
    async def request_password_reset_phone_number(ctx: RequestContext) -> Any:
        phone_number: str = ctx.body["phoneNumber"]
        user = await find_by_phone(ctx, phone_number)
        identifier = reset_identifier(phone_number)
        code = await issue(ctx, identifier)
        if user is None or (options.require_verification and not user.get("phoneNumberVerified")):
            # the same work, answer and row either way (the code is not sent): a guess at
            # /phone-number/reset-password then meets a code whatever the number, and tells nothing
            return {"status": True}
        await plugin.send(ctx, options.send_password_reset_otp, phone_number, code)
        return {"status": True}

    @endpoint("/phone-number/reset-password", "POST", name="reset_password_phone_number", body=RESET_BODY,
              tags=("phone-number",))
    async def reset_password_phone_number(ctx: RequestContext) -> Any:
        auth = ctx.auth
        phone_number: str = ctx.body["phoneNumber"]
        password: str = ctx.body["newPassword"]
        otp: str = ctx.body["otp"]
        identifier = reset_identifier(phone_number)
        check_password_length(ctx, password)
        if options.verify_otp is not None:
            await verified_by_provider(ctx, phone_number, otp, identifier)
        else:
            # checked first (and put back), so a wrong code costs no hashing; spent in the unit that writes
            await check(ctx, identifier, otp, "restore")
        user = await find_by_phone(ctx, phone_number)
        if user is None:
            raise APIError(400, PhoneNumberErrorCodes.UNEXPECTED_ERROR)
        if options.require_verification and not user.get("phoneNumberVerified"):
            raise APIError(400, PhoneNumberErrorCodes.PHONE_NUMBER_PENDING_VERIFICATION)
        password_hash = await auth.email_and_password.password.hash(password)

        async def consume(tx: Adapter) -> None:
            if options.verify_otp is None:
                await check(ctx, identifier, otp, adapter=tx)

        await reset_credential_password(ctx, user, password_hash, consume)
        return {"status": True}

    return (
        sign_in_phone_number, send_phone_number_otp, consume_phone_number_otp, verify_phone_number,
        request_password_reset_phone_number, reset_password_phone_number,
    )
