"""Clients for any Better Auth-compatible server: sign in, read the session, get a JWT (kept and refreshed).

    from tessera.client import AsyncTesseraClient

    async with AsyncTesseraClient("https://auth.example.com") as auth:
        await auth.sign_in_email("svc@example.com", "…")
        token = await auth.get_token()       # reused until shortly before exp; one refresh at a time

``TesseraClient`` is the same for threaded code. Needs ``httpx`` (``pip install 'tessera-auth[client]'``).
"""

from ._client import AsyncTesseraClient, TesseraClient
from ._errors import AuthenticationError, ClientError, TransientError
from ._tokens import AsyncTokenHolder, TokenHolder

__all__ = [
    "AsyncTesseraClient",
    "AsyncTokenHolder",
    "AuthenticationError",
    "ClientError",
    "TesseraClient",
    "TokenHolder",
    "TransientError",
]
