"""Client errors. ``status`` and ``code`` are the server's (``code`` is Better Auth's string).

    TesseraError
     └── ClientError              any answer that is not a success
          ├── TransientError      network failure, 5xx, 429: worth retrying later
          └── AuthenticationError 401/403: no (valid) session; a held token is dropped
"""

from __future__ import annotations

from ..errors import TesseraError


class ClientError(TesseraError):
    def __init__(self, status: int, code: str | None, message: str) -> None:
        super().__init__(f"{status} {code or ''} {message}".strip())
        self.status = status
        self.code = code
        self.message = message


class TransientError(ClientError):
    pass


class AuthenticationError(ClientError):
    pass


def error_for(status: int, body: object) -> ClientError:
    code = message = None
    if isinstance(body, dict):
        code = body.get("code") if isinstance(body.get("code"), str) else None
        message = body.get("message") if isinstance(body.get("message"), str) else None
    message = message or f"HTTP {status}"
    if status in (401, 403):
        return AuthenticationError(status, code, message)
    if status == 429 or status >= 500:
        return TransientError(status, code, message)
    return ClientError(status, code, message)
