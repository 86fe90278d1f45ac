"""Error codes of the username plugin, Better Auth's ``USERNAME_ERROR_CODES`` string for string."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class UsernameErrorCodes(ErrorCodes):
    INVALID_USERNAME_OR_PASSWORD = code("Invalid username or password")
    #: the core code, repeated unchanged (Better Auth's plugin declares it too)
    EMAIL_NOT_VERIFIED = code("Email not verified")
    UNEXPECTED_ERROR = code("Unexpected error")
    USERNAME_IS_ALREADY_TAKEN = code("Username is already taken. Please try another.")
    USERNAME_TOO_SHORT = code("Username is too short")
    USERNAME_TOO_LONG = code("Username is too long")
    INVALID_USERNAME = code("Username is invalid")
    INVALID_DISPLAY_USERNAME = code("Display username is invalid")
    USERNAME_IS_IMMUTABLE = code("Username cannot be updated")
