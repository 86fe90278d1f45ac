"""Error codes of the anonymous plugin, Better Auth's ``ANONYMOUS_ERROR_CODES`` string for string."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class AnonymousErrorCodes(ErrorCodes):
    INVALID_EMAIL_FORMAT = code("Email was not generated in a valid format")
    FAILED_TO_CREATE_USER = code("Failed to create user")
    COULD_NOT_CREATE_SESSION = code("Could not create session")
    ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY = code("Anonymous users cannot sign in again anonymously")
    FAILED_TO_DELETE_ANONYMOUS_USER = code("Failed to delete anonymous user")
    FAILED_TO_DELETE_ANONYMOUS_USER_SESSIONS = code("Failed to delete anonymous user sessions")
    USER_IS_NOT_ANONYMOUS = code("User is not anonymous")
    DELETE_ANONYMOUS_USER_DISABLED = code("Deleting anonymous users is disabled")
