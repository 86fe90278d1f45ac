"""Error codes of the one-time-token plugin.

Better Auth 1.7.24's ``oneTimeToken()`` answers these refusals with a message only; tessera answers the same
status and message and adds a stable ``code`` (``INVALID_TOKEN`` is the core's own code and message).
"""

from __future__ import annotations

from ...errors import ErrorCodes, code


class OneTimeTokenErrors(ErrorCodes):
    #: unknown, already used or expired one-time token (the core code, repeated unchanged)
    INVALID_TOKEN = code("Invalid token")
    #: the token was valid but the session it stood for is gone (signed out, revoked)
    SESSION_NOT_FOUND = code("Session not found")
    #: the token was valid but the session it stood for has expired
    ONE_TIME_TOKEN_SESSION_EXPIRED = code("Session expired")
    #: ``disable_client_request``: generate is a server-only call (``auth.api.generate_one_time_token``)
    CLIENT_REQUESTS_DISABLED = code("Client requests are disabled")
