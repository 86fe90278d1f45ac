"""Options of the one-tap plugin: Better Auth's ``OneTapOptions`` (server side) in snake_case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...errors import ConfigError


@dataclass(frozen=True)
class OneTapOptions:
    #: the Google client id(s) ID tokens must be issued to; ``None``: ``social_providers["google"]``'s
    client_id: str | Sequence[str] | None = None
    #: never create a user: an ID token for an unknown address is refused (Better Auth's ``disableSignup``)
    disable_signup: bool = False

    def __post_init__(self) -> None:
        client_id = self.client_id
        if client_id is None:
            return
        ids = [client_id] if isinstance(client_id, str) else list(client_id)
        if not all(isinstance(c, str) for c in ids):
            raise ConfigError("one_tap(): client_id must be a string or a list of strings")
        object.__setattr__(self, "client_id", tuple(c for c in ids if c) or None)
