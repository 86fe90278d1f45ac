"""Better Auth 1.7.24's ``MULTI_SESSION_ERROR_CODES``."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class MultiSessionErrors(ErrorCodes):
    #: no validly signed multi-session cookie for that token, or its session is gone or expired (401)
    INVALID_SESSION_TOKEN = code("Invalid session token")
