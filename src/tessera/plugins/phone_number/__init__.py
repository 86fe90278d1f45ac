"""The phone-number plugin (Better Auth's ``phoneNumber()``): users prove a phone number with a code sent by
SMS, sign in with it and a password, and reset their password by SMS, compatible with the official
``phoneNumberClient``::

    from tessera.plugins.phone_number import phone_number

    async def send_sms(data, ctx):  # {"phoneNumber": "+15551234567", "code": "123456"}
        await sms.send(data["phoneNumber"], f"Your code: {data['code']}")

    auth = Tessera(..., plugins=[phone_number(send_otp=send_sms)])

Adds the user fields ``phoneNumber`` (unique) and ``phoneNumberVerified``. A phone number is only ever set
by proving it (``/phone-number/verify``): ``/sign-up/*`` refuses one, ``/update-user`` may only clear it, and
any other write of an unproven number is refused by a database hook (the admin plugin's
``/admin/update-user`` excepted, as in Better Auth). Codes are verification rows
``phone-number-otp-<number>`` and ``phone-number-reset-<number>`` holding ``<code>:<attempts>``, as Better
Auth writes them. See docs/phone-number.md.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any

from ...db.schema import Field, TableExtension
from ...errors import APIError
from ...hooks import Hook
from ..base import ContextPlugin, RateLimitRule, plugin_from_options
from .config import (
    PhoneNumberOptions,
    PhoneNumberValidator,
    SendOTP,
    SignUpOnVerification,
    VerificationCallback,
    VerifyOTP,
)
from .endpoints import build_endpoints
from .errors import PhoneNumberErrorCodes

if TYPE_CHECKING:
    from ...context import RequestContext

__all__ = [
    "PhoneNumberErrorCodes",
    "PhoneNumberOptions",
    "PhoneNumberPlugin",
    "PhoneNumberValidator",
    "SendOTP",
    "SignUpOnVerification",
    "VerificationCallback",
    "VerifyOTP",
    "phone_number",
]

logger = logging.getLogger("tessera.phone_number")

PHONE = "phoneNumber"
VERIFIED = "phoneNumberVerified"


class PhoneNumberPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(PhoneNumberPlugin).options`` is its ``PhoneNumberOptions``."""

    options: PhoneNumberOptions

    def __init__(self, options: PhoneNumberOptions) -> None:
        columns = options.columns()
        super().__init__(
            id="phone-number",
            schema=(TableExtension("user", (
                Field(PHONE, required=False, unique=True, sortable=True, column=columns.get(PHONE)),
                Field(VERIFIED, "boolean", required=False, input=False, column=columns.get(VERIFIED)),
            )),),
            before=(Hook(self._refuse_update, frozenset({"update_user"})),),
            error_codes=PhoneNumberErrorCodes,
            # Better Auth's ``pathMatcher: path.startsWith("/phone-number")``: each route its own bucket
            rate_limit=(RateLimitRule("/phone-number", window=60, max=10),),
            database_hooks={"user": {"create": {"before": self._before_create},
                                     "update": {"before": self._before_update}}},
            init=self._init,
            options=options,
        )
        self.endpoints = build_endpoints(self)

    async def send(self, ctx: RequestContext, sender: SendOTP | None, phone_number: str, code: str) -> None:
        """Hand a code to ``send_otp`` or ``send_password_reset_otp`` (awaited, or in the background when
        ``advanced.background_tasks`` says so). A failure is logged — never the code."""
        if sender is None:
            return
        try:
            result = sender({"phoneNumber": phone_number, "code": code}, ctx)
        except Exception:
            logger.exception("failed to send a phone-number OTP")
            return
        if isinstance(result, Awaitable):
            await ctx.run_in_background_or_await(_logged(result))

    # -- request hook -------------------------------------------------------------------------------------

    async def _refuse_update(self, ctx: RequestContext) -> None:
        """``/update-user`` may clear the phone number, never set it: a number is set by proving it."""
        body = ctx.body
        if isinstance(body, dict) and PHONE in body and body[PHONE] is not None:
            raise APIError(400, PhoneNumberErrorCodes.PHONE_NUMBER_CANNOT_BE_UPDATED)

    # -- database hooks (every write of a user, whoever makes it) -------------------------------------------

    async def _before_create(self, data: dict[str, Any], ctx: RequestContext | None) -> Any:
        if data.get(PHONE) is None or data.get(VERIFIED) is True:
            return None
        body = ctx.body if ctx is not None else None
        if isinstance(body, Mapping) and body.get(PHONE):
            raise APIError(400, PhoneNumberErrorCodes.PHONE_NUMBER_CANNOT_BE_SET)
        # an unproven number given by the server (a nested ``data`` field, a direct call) is dropped
        return {"data": {PHONE: None, VERIFIED: False}}

    async def _before_update(self, data: dict[str, Any], ctx: RequestContext | None) -> Any:
        if PHONE in data and data[PHONE] is None:
            return {"data": {VERIFIED: False}}  # a cleared number is no longer a verified one
        if ctx is None or data.get(PHONE) is None or data.get(VERIFIED) is True:
            return None
        if ctx.endpoint.name == "admin_update_user":
            return None  # an administrator may set any number, as in Better Auth
        # Better Auth silently leaves the number out of the write; a write cannot lose a key here, so it is
        # refused instead: an unproven number never lands on a user
        raise APIError(400, PhoneNumberErrorCodes.PHONE_NUMBER_CANNOT_BE_UPDATED)


async def _logged(work: Awaitable[Any]) -> None:
    try:
        await work
    except Exception:
        logger.exception("failed to send a phone-number OTP")


def phone_number(options: PhoneNumberOptions | None = None, /, **kwargs: Any) -> PhoneNumberPlugin:
    """Better Auth's ``phoneNumber()``. Keyword arguments are ``PhoneNumberOptions`` fields:
    ``phone_number(send_otp=fn, otp_length=6, expires_in=300, sign_up_on_verification={"get_temp_email":
    lambda phone: f"{phone}@phone.example"})``."""
    return plugin_from_options("phone_number", PhoneNumberPlugin, PhoneNumberOptions, options, kwargs)
