"""Error codes of the jwt plugin."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class JWTErrorCodes(ErrorCodes):
    INVALID_JWT = code("Invalid JWT")
    FAILED_TO_SIGN_JWT = code("Failed to sign JWT")
    PRIVATE_KEY_DECRYPTION_FAILED = code(
        "Failed to decrypt private key. Make sure the secret currently in use is the same as the one used to "
        "encrypt the private key."
    )
