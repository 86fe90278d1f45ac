"""The ``error`` values ``/magic-link/verify`` redirects with, Better Auth's strings for string.

Better Auth's magic-link plugin declares no ``APIError`` codes: every failure of the verify step is a redirect
to the error callback URL with ``?error=<value>``. (A ban or a second-factor challenge answers as on every
other sign-in; a bad body or query is a ``400 VALIDATION_ERROR``; an untrusted callback URL a ``403``.)
"""

from __future__ import annotations

from enum import StrEnum


class MagicLinkError(StrEnum):
    #: unknown, already used, expired, or not a magic-link token
    INVALID_TOKEN = "INVALID_TOKEN"
    NEW_USER_SIGNUP_DISABLED = "new_user_signup_disabled"
    FAILED_TO_CREATE_USER = "failed_to_create_user"
    FAILED_TO_CREATE_SESSION = "failed_to_create_session"
    USER_NOT_FOUND = "user_not_found"
