"""Error codes of the email-OTP plugin, Better Auth's ``EMAIL_OTP_ERROR_CODES`` string for string."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class EmailOTPErrorCodes(ErrorCodes):
    OTP_EXPIRED = code("OTP expired")
    INVALID_OTP = code("Invalid OTP")
    TOO_MANY_ATTEMPTS = code("Too many attempts")
