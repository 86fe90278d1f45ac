"""Error codes of the captcha plugin: Better Auth's ``EXTERNAL_ERROR_CODES`` string for string.

``UNKNOWN_ERROR`` ("Something went wrong", answered with 500 when a provider cannot be asked) is kept out of the
merged code table: the passkey plugin declares the same code with another message, and both may be installed.
"""

from __future__ import annotations

from ...errors import ErrorCode, ErrorCodes, code


class CaptchaErrorCodes(ErrorCodes):
    VERIFICATION_FAILED = code("Captcha verification failed")
    MISSING_RESPONSE = code("Missing CAPTCHA response")


#: the answer when the provider could not be asked (unreachable, slow, an answer that is not one)
UNKNOWN_ERROR = ErrorCode("UNKNOWN_ERROR", "Something went wrong")
