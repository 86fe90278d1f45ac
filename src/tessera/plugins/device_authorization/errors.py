"""Error codes of the device-authorization plugin, Better Auth's ``DEVICE_AUTHORIZATION_ERROR_CODES`` string for
string, and the RFC 8628 / RFC 6749 ``error`` values its answers carry.

Every refusal of these endpoints is ``{"error": <OAuthError>, "error_description": <message>}`` (Better Auth's
shape for this plugin, not its usual ``{message, code}``), with the status Better Auth answers. A body that fails
validation is the usual ``400 VALIDATION_ERROR``, except on ``POST /device/code``, which answers
``invalid_request`` as RFC 8628 asks.
"""

from __future__ import annotations

from enum import StrEnum

from ..._json import dumps
from ...errors import APIError, ErrorCode, ErrorCodes, code


class DeviceAuthorizationErrorCodes(ErrorCodes):
    INVALID_DEVICE_CODE = code("Invalid device code")
    EXPIRED_DEVICE_CODE = code("Device code has expired")
    EXPIRED_USER_CODE = code("User code has expired")
    AUTHORIZATION_PENDING = code("Authorization pending")
    ACCESS_DENIED = code("Access denied")
    INVALID_USER_CODE = code("Invalid user code")
    DEVICE_CODE_ALREADY_PROCESSED = code("Device code already processed")
    DEVICE_CODE_NOT_CLAIMED = code(
        "Device code has not been claimed by a verifying session; call `GET /device` with the `user_code` while "
        "signed in before approving or denying"
    )
    POLLING_TOO_FREQUENTLY = code("Polling too frequently")
    USER_NOT_FOUND = code("User not found")
    FAILED_TO_CREATE_SESSION = code("Failed to create session")
    INVALID_DEVICE_CODE_STATUS = code("Invalid device code status")
    AUTHENTICATION_REQUIRED = code("Authentication required")


class OAuthError(StrEnum):
    """The ``error`` member of a refusal (RFC 8628 §3.5, RFC 6749 §5.2)."""

    AUTHORIZATION_PENDING = "authorization_pending"
    SLOW_DOWN = "slow_down"
    EXPIRED_TOKEN = "expired_token"
    ACCESS_DENIED = "access_denied"
    INVALID_GRANT = "invalid_grant"
    INVALID_REQUEST = "invalid_request"
    INVALID_CLIENT = "invalid_client"
    UNAUTHORIZED = "unauthorized"
    SERVER_ERROR = "server_error"


def device_error(status: int, error: OAuthError, description: str | ErrorCode) -> APIError:
    """``status {"error": error, "error_description": description}``; ``code`` is the ``error`` value, so hooks
    and direct callers can branch on it as on any other ``APIError``."""
    message = description.message if isinstance(description, ErrorCode) else description
    body = dumps({"error": str(error), "error_description": message})
    return APIError(status, str(error), message, body=body)
