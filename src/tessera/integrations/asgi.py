"""ASGI middleware (framework-free) giving every request a lazily resolved session.

Puts a ``RequestSession`` in ``scope["tessera.session"]`` and, on the way out, adds the cookies its lookup set
(a sliding refresh, or clearing a dead session) to the response. Starlette, FastAPI and Litestar use it as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from ..asgi import ASGIApp, Message, Receive, Scope, Send
from .session import RequestSession

if TYPE_CHECKING:
    from ..auth import Tessera

SCOPE_KEY = "tessera.session"

__all__ = ["SCOPE_KEY", "SessionMiddleware", "request_session"]


class SessionMiddleware:
    def __init__(self, app: ASGIApp, auth: Tessera) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = RequestSession(self.auth, scope.get("headers", ()))
        scope[SCOPE_KEY] = session

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start" and session.set_cookies:
                headers = list(message.get("headers", ()))
                headers.extend((b"set-cookie", c.encode("latin-1")) for c in session.set_cookies)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookies)


def request_session(scope: Mapping[str, object]) -> RequestSession:
    """The ``RequestSession`` the middleware put on this request."""
    try:
        session = cast(RequestSession, scope[SCOPE_KEY])
    except KeyError:
        raise RuntimeError(
            "no tessera session on this request: add the middleware (tessera.integrations.starlette.install, "
            "fastapi.install, or the litestar TesseraPlugin)"
        ) from None
    return session
