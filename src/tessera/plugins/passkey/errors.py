"""Error codes of the passkey plugin, ``@better-auth/passkey``'s ``PASSKEY_ERROR_CODES`` string for string."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class PasskeyErrorCodes(ErrorCodes):
    CHALLENGE_NOT_FOUND = code("Challenge not found")
    YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY = code("You are not allowed to register this passkey")
    FAILED_TO_VERIFY_REGISTRATION = code("Failed to verify registration")
    PASSKEY_NOT_FOUND = code("Passkey not found")
    AUTHENTICATION_FAILED = code("Authentication failed")
    UNABLE_TO_CREATE_SESSION = code("Unable to create session")
    USER_NOT_FOUND = code("User not found")
    FAILED_TO_UPDATE_PASSKEY = code("Failed to update passkey")
    PREVIOUSLY_REGISTERED = code("Previously registered")
    REGISTRATION_CANCELLED = code("Registration cancelled")
    AUTH_CANCELLED = code("Auth cancelled")
    UNKNOWN_ERROR = code("Unknown error")
    SESSION_REQUIRED = code("Passkey registration requires an authenticated session")
    RESOLVE_USER_REQUIRED = code(
        "Passkey registration requires either an authenticated session or a resolveUser callback when "
        "requireSession is false"
    )
    RESOLVED_USER_INVALID = code("Resolved user is invalid")
