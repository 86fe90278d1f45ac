"""The session and user a request is authenticated as."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SessionData:
    #: the session row (every column, ``token`` included, as Better Auth returns it)
    session: dict[str, Any]
    user: dict[str, Any]
    #: ``to_dict()`` as JSON, when already known (a cookie-cache hit renders it once per cookie value); only
    #: valid while ``session`` and ``user`` are unchanged, so only get-session uses it, right after the read
    json: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def token(self) -> str:
        return str(self.session["token"])

    @property
    def user_id(self) -> str:
        return str(self.user["id"])

    def to_dict(self) -> dict[str, Any]:
        return {"session": self.session, "user": self.user}
