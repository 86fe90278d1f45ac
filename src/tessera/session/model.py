"""The session and user a request is authenticated as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class SessionData:
    #: the session row (every column, ``token`` included, as Better Auth returns it)
    session: dict[str, Any]
    user: dict[str, Any]

    @property
    def token(self) -> str:
        return str(self.session["token"])

    @property
    def user_id(self) -> str:
        return str(self.user["id"])

    def to_dict(self) -> dict[str, Any]:
        return {"session": self.session, "user": self.user}
