"""Error codes of the two-factor plugin, Better Auth's ``TWO_FACTOR_ERROR_CODES`` string for string."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class TwoFactorErrorCodes(ErrorCodes):
    OTP_NOT_ENABLED = code("OTP not enabled")
    OTP_NOT_CONFIGURED = code("OTP is not available")
    OTP_HAS_EXPIRED = code("OTP has expired")
    TOTP_NOT_ENABLED = code("TOTP not enabled")
    TOTP_ALREADY_ENABLED = code("TOTP is already enabled")
    TOTP_NOT_CONFIGURED = code("TOTP is not available")
    TWO_FACTOR_NOT_ENABLED = code("Two factor isn't enabled")
    BACKUP_CODES_NOT_ENABLED = code("Backup codes aren't enabled")
    INVALID_BACKUP_CODE = code("Invalid backup code")
    INVALID_CODE = code("Invalid code")
    TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE = code("Too many attempts. Please request a new code.")
    ACCOUNT_TEMPORARILY_LOCKED = code(
        "Too many failed verification attempts. Your account is temporarily locked. Please try again later."
    )
    INVALID_TWO_FACTOR_COOKIE = code("Invalid two factor cookie")
