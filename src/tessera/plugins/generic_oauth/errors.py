"""Error codes of the generic OAuth plugin, Better Auth's ``GENERIC_OAUTH_ERROR_CODES`` string for string."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class GenericOAuthErrorCodes(ErrorCodes):
    INVALID_OAUTH_CONFIGURATION = code("Invalid OAuth configuration")
    TOKEN_URL_NOT_FOUND = code("Invalid OAuth configuration. Token URL not found.")
