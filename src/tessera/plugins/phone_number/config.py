"""Options of the phone-number plugin: Better Auth's ``PhoneNumberOptions`` in snake_case."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError
from ..base import column_renames

if TYPE_CHECKING:
    from ...context import RequestContext

#: ``send_otp({"phoneNumber": ..., "code": ...}, ctx)``, sync or async (also ``send_password_reset_otp``)
SendOTP = Callable[[Mapping[str, Any], "RequestContext"], "Awaitable[None] | None"]
#: ``verify_otp({"phoneNumber": ..., "code": ...}, ctx)``: whether the code is right, by the SMS provider's own
#: means (the plugin then neither stores nor counts codes for that check)
VerifyOTP = Callable[[Mapping[str, Any], "RequestContext"], "bool | Awaitable[bool]"]
#: ``phone_number_validator(phone_number)``: whether the number is acceptable, sync or async
PhoneNumberValidator = Callable[[str], "bool | Awaitable[bool]"]
#: ``callback_on_verification({"phoneNumber": ..., "user": {...}}, ctx)``, sync or async
VerificationCallback = Callable[[Mapping[str, Any], "RequestContext"], "Awaitable[None] | None"]


async def resolved(value: Any) -> Any:
    """A callback's answer, awaited when it is awaitable (every callback may be sync or async)."""
    return await value if inspect.isawaitable(value) else value


@dataclass(frozen=True)
class SignUpOnVerification:
    """``signUpOnVerification``: ``/phone-number/verify`` with an unknown number creates its user."""

    #: ``get_temp_email(phone_number)``: the address the new user is created with (it must be unique)
    get_temp_email: Callable[[str], str | Awaitable[str]]
    #: ``get_temp_name(phone_number)``: the new user's name; default: the phone number
    get_temp_name: Callable[[str], str | Awaitable[str]] | None = None


@dataclass(frozen=True)
class PhoneNumberOptions:
    send_otp: SendOTP | None = None
    otp_length: int = 6
    #: seconds a code stays valid
    expires_in: int = 300
    verify_otp: VerifyOTP | None = None
    send_password_reset_otp: SendOTP | None = None
    #: default: any string is accepted
    phone_number_validator: PhoneNumberValidator | None = None
    #: ``/sign-in/phone-number`` and password resets refuse numbers that were never verified
    require_verification: bool = False
    callback_on_verification: VerificationCallback | None = None
    sign_up_on_verification: SignUpOnVerification | None = None
    #: wrong guesses allowed per code; the next attempt is ``403 TOO_MANY_ATTEMPTS`` and the code is dead
    allowed_attempts: int = 3
    #: Better Auth's ``schema`` option: ``{"user": {"fields": {"phoneNumber": "phone_number"}}}`` renames columns
    schema: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        sign_up: Any = self.sign_up_on_verification
        if isinstance(sign_up, Mapping):
            try:
                object.__setattr__(self, "sign_up_on_verification", SignUpOnVerification(**sign_up))
            except TypeError as exc:
                raise ConfigError(f"phone_number(): sign_up_on_verification: {exc}") from None
        elif sign_up is not None and not isinstance(sign_up, SignUpOnVerification):
            raise ConfigError("phone_number(): sign_up_on_verification must be a SignUpOnVerification or a mapping")
        sign_up = self.sign_up_on_verification
        if sign_up is not None and not callable(sign_up.get_temp_email):
            raise ConfigError("phone_number(): sign_up_on_verification needs a get_temp_email function")
        self.columns()  # a malformed ``schema`` fails here, when the plugin is made
        for name in ("otp_length", "expires_in", "allowed_attempts"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"phone_number(): {name} must be a positive integer")
        if self.otp_length > 64:
            raise ConfigError("phone_number(): otp_length must be between 1 and 64")
        for name in ("send_otp", "verify_otp", "send_password_reset_otp", "phone_number_validator",
                     "callback_on_verification"):
            if getattr(self, name) is not None and not callable(getattr(self, name)):
                raise ConfigError(f"phone_number(): {name} must be a function")

    def columns(self) -> dict[str, str]:
        """``{field: column}`` for the plugin's user fields the ``schema`` option renames."""
        return column_renames("phone_number", self.schema, "user", ("phoneNumber", "phoneNumberVerified"))
