"""Options of the two-factor plugin: Better Auth's ``TwoFactorOptions`` in snake_case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ...errors import ConfigError

if TYPE_CHECKING:
    from ...context import RequestContext

#: ``send_otp({"user": user, "otp": "123456"}, ctx)``, sync or async
SendOTP = Callable[[Mapping[str, Any], "RequestContext"], "Awaitable[None] | None"]
StoreOTP = Literal["plain", "hashed", "encrypted"]
StoreBackupCodes = Literal["plain", "encrypted"]


@dataclass(frozen=True)
class TOTPOptions:
    """``totpOptions``: the authenticator-app factor."""

    digits: int = 6
    period: int = 30
    #: ``disable``: no TOTP at all (OTP and backup codes only)
    disable: bool = False
    allow_passwordless: bool | None = None


@dataclass(frozen=True)
class OTPOptions:
    """``otpOptions``: one-time codes delivered by the application (mail, SMS) through ``send_otp``."""

    send_otp: SendOTP | None = None
    #: minutes a code stays valid
    period: int = 3
    digits: int = 6
    #: wrong guesses allowed per code; the next attempt kills it (``TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE``)
    allowed_attempts: int = 5
    #: how the code sits in the verification table; Better Auth's default is ``"plain"``, and a Node and a
    #: Python deployment sharing a database must agree
    store_otp: StoreOTP = "plain"


@dataclass(frozen=True)
class BackupCodeOptions:
    """``backupCodeOptions``."""

    amount: int = 10
    length: int = 10
    store_backup_codes: StoreBackupCodes = "encrypted"
    allow_passwordless: bool | None = None


@dataclass(frozen=True)
class AccountLockout:
    """``accountLockout``: consecutive failed second factors (across challenges and factors) lock the account."""

    enabled: bool = True
    max_failed_attempts: int = 10
    duration_seconds: int = 900


@dataclass(frozen=True)
class TwoFactorOptions:
    #: the TOTP issuer shown by authenticator apps (default: the app name)
    issuer: str | None = None
    totp: TOTPOptions = field(default_factory=TOTPOptions)
    otp: OTPOptions = field(default_factory=OTPOptions)
    backup_codes: BackupCodeOptions = field(default_factory=BackupCodeOptions)
    account_lockout: AccountLockout = field(default_factory=AccountLockout)
    #: enable 2FA at ``/two-factor/enable`` without a first TOTP verification
    skip_verification_on_enable: bool = False
    #: enable/disable/get-totp-uri/generate-backup-codes without a password for users that have none
    allow_passwordless: bool = False
    #: seconds a trusted device skips the second factor (renewed on every trusted sign-in)
    trust_device_max_age: int = 30 * 86400
    #: seconds the sign-in challenge (the ``two_factor`` cookie) stays valid
    two_factor_cookie_max_age: int = 600
    #: the ``twoFactor`` table's name in the database
    two_factor_table: str | None = None

    def __post_init__(self) -> None:
        for name, kind in (("totp", TOTPOptions), ("otp", OTPOptions), ("backup_codes", BackupCodeOptions),
                           ("account_lockout", AccountLockout)):
            value = getattr(self, name)
            if isinstance(value, Mapping):
                try:
                    object.__setattr__(self, name, kind(**value))
                except TypeError as exc:
                    raise ConfigError(f"two_factor(): {name}: {exc}") from None
            elif not isinstance(value, kind):
                raise ConfigError(f"two_factor(): {name} must be a {kind.__name__} or a mapping")
        if self.otp.store_otp not in ("plain", "hashed", "encrypted"):
            raise ConfigError("two_factor(): otp.store_otp must be 'plain', 'hashed' or 'encrypted'")
        if self.backup_codes.store_backup_codes not in ("plain", "encrypted"):
            raise ConfigError("two_factor(): backup_codes.store_backup_codes must be 'plain' or 'encrypted'")
        if not 1 <= self.totp.digits <= 8 or not 1 <= self.otp.digits <= 8:
            raise ConfigError("two_factor(): digits must be between 1 and 8")
        if self.otp.allowed_attempts < 1 or self.trust_device_max_age < 1 or self.two_factor_cookie_max_age < 1:
            raise ConfigError("two_factor(): attempts and max ages must be positive")

    def passwordless(self, specific: bool | None) -> bool:
        return self.allow_passwordless if specific is None else specific
