"""Options of the one-time-token plugin: Better Auth's ``OneTimeTokenOptions`` in snake_case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigError
from ..magic_link.config import StoreToken, checked_store_token, stored_token

#: ``generate_token(session, ctx)`` -> the token handed out, sync or async; ``session`` is
#: ``{"session": …, "user": …}`` of the session the token will stand for
GenerateToken = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class OneTimeTokenOptions:
    #: minutes a token stays valid (Better Auth's unit for this plugin: minutes, not seconds)
    expires_in: float = 3
    #: ``GET /one-time-token/generate`` refuses HTTP requests; only ``auth.api.generate_one_time_token`` works
    disable_client_request: bool = False
    generate_token: GenerateToken | None = None
    #: how the token is kept in the verification table: ``"plain"``, ``"hashed"`` (SHA-256) or a
    #: ``CustomHasher``; the caller always receives the token itself
    store_token: StoreToken = "plain"
    #: ``POST /one-time-token/verify`` answers the session without setting the session cookie
    disable_set_session_cookie: bool = False
    #: every response that creates a session also carries a one-time token for it in ``set-ott``
    set_ott_header_on_new_session: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "store_token", checked_store_token("one_time_token", self.store_token))
        minutes = self.expires_in
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not 1 <= minutes * 60 <= 10**8:
            raise ConfigError("one_time_token(): expires_in must be a number of minutes, at least 1 second")
        if self.generate_token is not None and not callable(self.generate_token):
            raise ConfigError("one_time_token(): generate_token must be a function")

    @property
    def expires_in_seconds(self) -> int:
        return max(1, round(self.expires_in * 60))

    async def stored(self, token: str) -> str:
        """What the verification row is named after: the token, its SHA-256, or the custom hash."""
        return await stored_token(self.store_token, token)
