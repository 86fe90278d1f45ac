"""Error codes of the siwe plugin, the strings Better Auth 1.7.24's ``siwe()`` throws.

Better Auth's answers carry ``status`` in the body too (``{"message", "status", "code"}``); a bad signature and
an unexpected failure carry no code at all.
"""

from __future__ import annotations

from ...errors import ErrorCodes, code

MISMATCH = "Unauthorized: SIWE message does not match the expected nonce, domain, address, or chain ID"


class SiweErrorCodes(ErrorCodes):
    #: ``get_nonce`` returned something that is not an ERC-4361 nonce (a 500: the application's bug)
    SIWE_INVALID_NONCE = code("SIWE getNonce must return an ERC-4361 nonce: 8-250 alphanumeric characters.")
    UNAUTHORIZED_SIWE_MESSAGE_MISMATCH = code(MISMATCH)
    UNAUTHORIZED_INVALID_OR_EXPIRED_NONCE = code("Unauthorized: Invalid or expired nonce")
    UNAUTHORIZED_SIWE_MESSAGE_EXPIRED = code("Unauthorized: SIWE message has expired")
    UNAUTHORIZED_SIWE_MESSAGE_NOT_YET_VALID = code("Unauthorized: SIWE message is not yet valid")


INVALID_SIGNATURE = "Unauthorized: Invalid SIWE signature"
SOMETHING_WENT_WRONG = "Something went wrong. Please try again later."
