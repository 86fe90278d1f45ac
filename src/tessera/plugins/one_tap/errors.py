"""Error codes of the one-tap plugin.

Better Auth 1.7.24's ``oneTap()`` answers these refusals with a message only; tessera answers the same status and
message and adds a stable ``code``.
"""

from __future__ import annotations

from ...errors import ErrorCodes, code


class OneTapErrors(ErrorCodes):
    #: the ID token is not a Google ID token for this client: signature, algorithm, issuer, audience, expiry,
    #: age, hosted domain, or Google's keys could not be fetched
    INVALID_ID_TOKEN = code("invalid id token")
    #: a valid ID token without an ``email`` claim
    EMAIL_NOT_AVAILABLE_IN_TOKEN = code("Email not available in token")
    #: neither ``one_tap(client_id=…)`` nor ``social_providers["google"]`` names a client id
    GOOGLE_CLIENT_ID_REQUIRED = code(
        "Google client ID is required for One Tap. Set it on the oneTap plugin (clientId) or on socialProviders.google."
    )
