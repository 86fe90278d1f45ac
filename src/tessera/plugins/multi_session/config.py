"""Options of the multi-session plugin: Better Auth's ``multiSession({maximumSessions})``."""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ConfigError


@dataclass(frozen=True)
class MultiSessionOptions:
    #: how many sessions one browser holds; a sign-in past it is a session without a multi-session cookie
    maximum_sessions: int = 5

    def __post_init__(self) -> None:
        if isinstance(self.maximum_sessions, bool) or not isinstance(self.maximum_sessions, int) \
                or self.maximum_sessions < 1:
            raise ConfigError("multi_session(): maximum_sessions must be a positive integer")
