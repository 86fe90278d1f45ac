"""The session of one request, looked up at most once, and the cookies that lookup wants sent back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import APIError, BaseErrorCodes
from ..http import Headers, parse_set_cookie

if TYPE_CHECKING:
    from ..auth import Tessera
    from ..session.model import SessionData

__all__ = ["UNAUTHORIZED_BODY", "RequestSession", "request_headers", "set_cookie_arguments", "unauthorized"]


def unauthorized() -> APIError:
    """Better Auth's answer to a missing session: ``401 {"message": "Unauthorized", "code": "UNAUTHORIZED"}``."""
    return APIError(401, BaseErrorCodes.UNAUTHORIZED)


UNAUTHORIZED_BODY: dict[str, Any] = unauthorized().to_dict()


def request_headers(pairs: Iterable[tuple[str, str]]) -> Headers:
    """A WSGI framework's headers for tessera. ``Cookie:`` with no cookies (Django's and Flask's test clients
    send it) is no cookie at all: kept, it would make a cookieless sign-in look like a browser's."""
    return Headers.from_pairs((k, v) for k, v in pairs if v or k.lower() != "cookie")


class RequestSession:
    """Resolves lazily (a page that never asks costs nothing) with ``auth.resolve_session``: the resolver
    called directly, no HTTP round trip and no JSON, with plugins such as ``bearer`` applied.

    ``set_cookies`` holds what the lookup set (a sliding refresh, or clearing a dead session); the
    integration forwards them on the framework's response.
    """

    __slots__ = ("_data", "_done", "auth", "headers", "set_cookies")

    def __init__(self, auth: Tessera, headers: Mapping[str, str] | Iterable[tuple[Any, Any]]) -> None:
        self.auth = auth
        self.headers = headers
        self.set_cookies: list[str] = []
        self._data: SessionData | None = None
        self._done = False

    async def load(self) -> SessionData | None:
        if not self._done:
            self._data, response = await self.auth.resolve_session(self.headers)
            self.set_cookies = list(response.set_cookies.values())
            self._done = True
        return self._data

    async def require(self) -> SessionData:
        data = await self.load()
        if data is None:
            raise unauthorized()
        return data


def set_cookie_arguments(header: str) -> tuple[str, str, dict[str, Any]]:
    """A ``Set-Cookie`` header as (name, raw value, keyword arguments) for frameworks whose responses only
    take cookies through ``set_cookie(...)`` (Django). The value stays percent-encoded, as sent."""
    name, raw = header.split(";", 1)[0].split("=", 1)
    _, _, attributes = parse_set_cookie(header)
    kwargs: dict[str, Any] = {
        "path": attributes.get("path", "/"),
        "domain": attributes.get("domain") or None,
        "secure": "secure" in attributes,
        "httponly": "httponly" in attributes,
        "samesite": attributes.get("samesite") or None,
    }
    if "max-age" in attributes:
        kwargs["max_age"] = int(attributes["max-age"])
    return name.strip(), raw.strip(), kwargs
