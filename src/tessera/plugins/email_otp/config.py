"""Options of the email-OTP plugin: Better Auth's ``EmailOTPOptions`` in snake_case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from ...errors import ConfigError

if TYPE_CHECKING:
    from ...context import RequestContext

OTPType = Literal["sign-in", "email-verification", "forget-password", "change-email"]
OTP_TYPES: tuple[OTPType, ...] = ("email-verification", "sign-in", "forget-password", "change-email")

#: ``send_verification_otp({"email": ..., "otp": ..., "type": ...}, ctx)``, sync or async
SendVerificationOTP = Callable[[Mapping[str, Any], "RequestContext"], "Awaitable[None] | None"]
#: ``generate_otp({"email": ..., "type": ...}, ctx)``: the code to send; a falsy answer falls back to the default
GenerateOTP = Callable[[Mapping[str, Any], "RequestContext"], "str | None"]


@runtime_checkable
class OTPHasher(Protocol):
    """``storeOTP: {hash}``: the code is stored as ``hash(code)`` (and cannot be read back)."""

    def hash(self, otp: str) -> str | Awaitable[str]: ...


@runtime_checkable
class OTPEncryptor(Protocol):
    """``storeOTP: {encrypt, decrypt}``: the code is stored encrypted by the application's own means."""

    def encrypt(self, otp: str) -> str | Awaitable[str]: ...

    def decrypt(self, stored: str) -> str | Awaitable[str]: ...


StoreOTP = Literal["plain", "hashed", "encrypted"] | OTPHasher | OTPEncryptor


@dataclass(frozen=True)
class EmailOTPRateLimit:
    """``rateLimit``: one window and maximum applied to each email-OTP route on its own."""

    window: int = 60
    max: int = 3


@dataclass(frozen=True)
class ChangeEmailOptions:
    """``changeEmail``: ``/email-otp/request-email-change`` and ``/email-otp/change-email``."""

    enabled: bool = False
    #: a code sent to the current address must be shown as well (``otp`` of request-email-change)
    verify_current_email: bool = False


@dataclass(frozen=True)
class EmailOTPOptions:
    send_verification_otp: SendVerificationOTP | None = None
    otp_length: int = 6
    #: seconds a code stays valid
    expires_in: int = 300
    #: wrong guesses allowed per code; the next attempt is ``403 TOO_MANY_ATTEMPTS`` and the code is dead
    allowed_attempts: int = 3
    generate_otp: GenerateOTP | None = None
    #: ``sign-in`` codes for unknown addresses are not sent and ``/sign-in/email-otp`` creates no user
    disable_sign_up: bool = False
    #: a code of type ``email-verification`` is sent after every ``/sign-up/*``
    send_verification_on_sign_up: bool = False
    #: ``email_verification.send_verification_email`` sends a code instead of a link
    override_default_email_verification: bool = False
    #: how a code sits in the verification table; Better Auth's default is ``"plain"``, and a Node and a
    #: Python deployment sharing a database must agree
    store_otp: StoreOTP = "plain"
    #: ``"reuse"``: a resend within the validity sends the same code again (not possible when hashed)
    resend_strategy: Literal["rotate", "reuse"] = "rotate"
    rate_limit: EmailOTPRateLimit = field(default_factory=EmailOTPRateLimit)
    change_email: ChangeEmailOptions = field(default_factory=ChangeEmailOptions)

    def __post_init__(self) -> None:
        for name, kind in (("rate_limit", EmailOTPRateLimit), ("change_email", ChangeEmailOptions)):
            value = getattr(self, name)
            if isinstance(value, Mapping):
                try:
                    object.__setattr__(self, name, kind(**value))
                except TypeError as exc:
                    raise ConfigError(f"email_otp(): {name}: {exc}") from None
            elif not isinstance(value, kind):
                raise ConfigError(f"email_otp(): {name} must be a {kind.__name__} or a mapping")
        store = self.store_otp
        if isinstance(store, str):
            if store not in ("plain", "hashed", "encrypted"):
                raise ConfigError("email_otp(): store_otp must be 'plain', 'hashed', 'encrypted' or an object")
        elif not isinstance(store, OTPHasher | OTPEncryptor):
            raise ConfigError("email_otp(): store_otp objects need hash(), or encrypt() and decrypt()")
        if not 1 <= self.otp_length <= 64:
            raise ConfigError("email_otp(): otp_length must be between 1 and 64")
        if self.expires_in < 1 or self.allowed_attempts < 1:
            raise ConfigError("email_otp(): expires_in and allowed_attempts must be positive")
        if self.resend_strategy not in ("rotate", "reuse"):
            raise ConfigError("email_otp(): resend_strategy must be 'rotate' or 'reuse'")
