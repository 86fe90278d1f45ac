"""Exceptions and error codes.

The tree::

    TesseraError
     ├── ConfigError          invalid configuration, raised while building ``Tessera``
     └── APIError             an answer to a client: HTTP status, stable ``code``, ``message``
          └── Redirect        a 302 answer carrying a ``Location`` (GET flows)

``APIError`` serialises itself as Better Auth does: ``{"message": ..., "code": ...}``.
"""

from __future__ import annotations

from typing import Any

from .http import location_value

STATUS_NAMES: dict[int, str] = {
    200: "OK",
    302: "FOUND",
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    417: "EXPECTATION_FAILED",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class TesseraError(Exception):
    """Root of every exception tessera raises on purpose."""


class ConfigError(TesseraError):
    """The configuration given to ``Tessera`` cannot work."""


class ErrorCode(str):
    """A stable error code string (``"INVALID_EMAIL"``) carrying its default message."""

    message: str

    def __new__(cls, code: str, message: str) -> ErrorCode:
        obj = super().__new__(cls, code)
        obj.message = message
        return obj


class _Code:
    """Declares an error code inside an ``ErrorCodes`` class; the attribute name is the code."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __set_name__(self, owner: type, name: str) -> None:
        setattr(owner, name, ErrorCode(name, self.message))


def code(message: str) -> Any:
    return _Code(message)


class ErrorCodes:
    """Base for a feature's error codes: ``FOO = code("Foo happened")`` gives ``ErrorCode("FOO")``."""

    @classmethod
    def all(cls) -> dict[str, ErrorCode]:
        return {k: v for k, v in vars(cls).items() if isinstance(v, ErrorCode)}


class SharedErrorCodes(ErrorCodes):
    """Codes that several of Better Auth's plugins each declare with the same string (a one-time code's, in the
    email-OTP and phone-number plugins; ``UNEXPECTED_ERROR`` in the username and phone-number plugins): any
    number of plugins may declare them, unchanged."""

    OTP_EXPIRED = code("OTP expired")
    INVALID_OTP = code("Invalid OTP")
    TOO_MANY_ATTEMPTS = code("Too many attempts")
    UNEXPECTED_ERROR = code("Unexpected error")


class BaseErrorCodes(ErrorCodes):
    """Better Auth's ``BASE_ERROR_CODES`` plus the framing codes of its router."""

    USER_NOT_FOUND = code("User not found")
    FAILED_TO_CREATE_USER = code("Failed to create user")
    FAILED_TO_CREATE_SESSION = code("Failed to create session")
    FAILED_TO_UPDATE_USER = code("Failed to update user")
    FAILED_TO_GET_SESSION = code("Failed to get session")
    INVALID_PASSWORD = code("Invalid password")
    INVALID_EMAIL = code("Invalid email")
    INVALID_EMAIL_OR_PASSWORD = code("Invalid email or password")
    INVALID_USER = code("Invalid user")
    SOCIAL_ACCOUNT_ALREADY_LINKED = code("Social account already linked")
    PROVIDER_NOT_FOUND = code("Provider not found")
    INVALID_TOKEN = code("Invalid token")
    TOKEN_EXPIRED = code("Token expired")
    ID_TOKEN_NOT_SUPPORTED = code("id_token not supported")
    FAILED_TO_GET_USER_INFO = code("Failed to get user info")
    USER_EMAIL_NOT_FOUND = code("User email not found")
    EMAIL_NOT_VERIFIED = code("Email not verified")
    PASSWORD_TOO_SHORT = code("Password too short")
    PASSWORD_TOO_LONG = code("Password too long")
    USER_ALREADY_EXISTS = code("User already exists.")
    USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL = code("User already exists. Use another email.")
    EMAIL_CAN_NOT_BE_UPDATED = code("Email can not be updated")
    CHANGE_EMAIL_DISABLED = code("Change email is disabled")
    CREDENTIAL_ACCOUNT_NOT_FOUND = code("Credential account not found")
    SESSION_EXPIRED = code("Session expired. Re-authenticate to perform this action.")
    FAILED_TO_UNLINK_LAST_ACCOUNT = code("You can't unlink your last account")
    ACCOUNT_NOT_FOUND = code("Account not found")
    USER_ALREADY_HAS_PASSWORD = code("User already has a password. Provide that to delete the account.")
    CROSS_SITE_NAVIGATION_LOGIN_BLOCKED = code(
        "Cross-site navigation login blocked. This request appears to be a CSRF attack."
    )
    VERIFICATION_EMAIL_NOT_ENABLED = code("Verification email isn't enabled")
    EMAIL_ALREADY_VERIFIED = code("Email is already verified")
    EMAIL_MISMATCH = code("Email mismatch")
    SESSION_NOT_FRESH = code("Session is not fresh")
    LINKED_ACCOUNT_ALREADY_EXISTS = code("Linked account already exists")
    INVALID_ORIGIN = code("Invalid origin")
    INVALID_CALLBACK_URL = code("Invalid callbackURL")
    INVALID_REDIRECT_URL = code("Invalid redirectURL")
    INVALID_ERROR_CALLBACK_URL = code("Invalid errorCallbackURL")
    INVALID_NEW_USER_CALLBACK_URL = code("Invalid newUserCallbackURL")
    MISSING_OR_NULL_ORIGIN = code("Missing or null Origin")
    CALLBACK_URL_REQUIRED = code("callbackURL is required")
    FAILED_TO_CREATE_VERIFICATION = code("Unable to create verification")
    FIELD_NOT_ALLOWED = code("Field not allowed to be set")
    ASYNC_VALIDATION_NOT_SUPPORTED = code("Async validation is not supported")
    VALIDATION_ERROR = code("Validation Error")
    MISSING_FIELD = code("Field is required")
    METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED = code(
        "POST method requires deferSessionRefresh to be enabled in session config"
    )
    BODY_MUST_BE_AN_OBJECT = code("Body must be an object")
    PASSWORD_ALREADY_SET = code("User already has a password set")
    EMAIL_PASSWORD_DISABLED = code("Email and password is not enabled")
    EMAIL_PASSWORD_SIGN_UP_DISABLED = code("Email and password sign up is not enabled")
    RESET_PASSWORD_DISABLED = code("Reset password isn't enabled")
    UNAUTHORIZED = code("Unauthorized")
    BAD_REQUEST = code("Bad request")
    UNSUPPORTED_MEDIA_TYPE = code("Unsupported media type")
    PAYLOAD_TOO_LARGE = code("Request body is too large")
    INTERNAL_SERVER_ERROR = code("Internal server error")
    TOO_MANY_REQUESTS = code("Too many requests. Please try again later.")


class APIError(TesseraError):
    """An error answered to the client with ``status`` and a ``{message, code}`` body.

    ``code`` may be ``None`` for the few Better Auth errors that carry only a message;
    ``body`` may be overridden entirely (``b""`` for the empty 404s).
    """

    def __init__(
        self,
        status: int,
        code: str | ErrorCode | None = None,
        message: str | None = None,
        *,
        headers: list[tuple[str, str]] | None = None,
        body: bytes | None = None,
    ) -> None:
        if isinstance(code, ErrorCode) and message is None:
            message = code.message
        self.status = status
        self.code = str(code) if code is not None else None
        self.message = message if message is not None else STATUS_NAMES.get(status, "Error")
        self.headers = headers or []
        self.body = body
        super().__init__(f"{status} {self.code or ''} {self.message}".strip())

    @classmethod
    def of(cls, status: int, code: ErrorCode, **kwargs: Any) -> APIError:
        return cls(status, code, code.message, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message}
        if self.code is not None:
            data["code"] = self.code
        return data


class Redirect(APIError):
    """A 302 answer; cookies set during the request are kept."""

    def __init__(self, location: str) -> None:
        location = location_value(location)  # framework integrations copy ``headers`` as they are
        super().__init__(302, None, "Found", headers=[("location", location)], body=b"")
        self.location = location


def not_found() -> APIError:
    """Better Auth's routing 404: no body, no content type."""
    return APIError(404, None, "Not Found", body=b"")
