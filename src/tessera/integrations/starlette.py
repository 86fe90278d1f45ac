"""Starlette: ``install(app, auth)`` and the session of a request.

::

    app = Starlette(routes=[...])
    install(app, auth)          # handler at auth.base_path, session middleware, APIError handler, lifespan

    async def dashboard(request):
        session = await require_session(request)    # 401 with Better Auth's body when signed out
        ...

    @requires_session                               # or as a decorator
    async def settings(request): ...
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

try:
    from starlette.requests import HTTPConnection, Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Mount
except ImportError as exc:  # pragma: no cover - depends on installed extras
    raise ImportError("tessera.integrations.starlette needs Starlette: pip install 'tessera-auth[starlette]'") from exc

from ..errors import APIError
from .asgi import SessionMiddleware, request_session
from .session import UNAUTHORIZED_BODY
from .ssr import session_script, ssr_headers

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ..auth import Tessera
    from ..session.model import SessionData

__all__ = [
    "SessionMiddleware",
    "api_error_response",
    "get_session",
    "install",
    "lifespan",
    "mount",
    "render_with_session",
    "require_session",
    "requires_session",
]


def mount(auth: Tessera) -> Mount:
    """The auth handler as a route: ``Starlette(routes=[mount(auth), ...])``."""
    return Mount(auth.base_path, app=auth, name="tessera")


def lifespan(
    auth: Tessera, inner: Callable[[Any], AbstractAsyncContextManager[Any]] | None = None
) -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    """A lifespan that starts and stops tessera (sweeper, background-task drain) around ``inner``."""

    @asynccontextmanager
    async def run(app: Any) -> AsyncIterator[Any]:
        await auth.startup()
        try:
            if inner is None:
                yield None
            else:
                async with inner(app) as state:
                    yield state
        finally:
            await auth.shutdown()

    return run


async def api_error_response(request: Request, exc: Exception) -> Response:
    """Render an ``APIError`` (e.g. a missing session) as Better Auth does: ``{"message", "code"}``."""
    assert isinstance(exc, APIError)
    return JSONResponse(exc.to_dict(), status_code=exc.status, headers=dict(exc.headers))


def install(app: Starlette, auth: Tessera) -> None:
    """Mount the handler at ``auth.base_path``, add the session middleware and the ``APIError`` handler, and
    run tessera's startup/shutdown in the app's lifespan. Call before the app starts."""
    app.router.routes.insert(0, mount(auth))
    app.add_middleware(SessionMiddleware, auth=auth)
    app.add_exception_handler(APIError, api_error_response)
    app.router.lifespan_context = lifespan(auth, app.router.lifespan_context)


async def get_session(connection: HTTPConnection) -> SessionData | None:
    """This request's session or ``None`` (resolved once per request; refresh cookies are forwarded)."""
    return await request_session(connection.scope).load()


async def require_session(connection: HTTPConnection) -> SessionData:
    """This request's session, or ``APIError(401)`` — rendered by ``install``'s handler as Better Auth's 401."""
    return await request_session(connection.scope).require()


Endpoint = Callable[[Request], Awaitable[Response]]


def requires_session(endpoint: Endpoint) -> Endpoint:
    """Answer 401 ``{"message": "Unauthorized", "code": "UNAUTHORIZED"}`` unless the request has a session;
    the session is then in ``request.state.auth_session``."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        session = await get_session(request)
        if session is None:
            return JSONResponse(UNAUTHORIZED_BODY, status_code=401)
        request.state.auth_session = session
        return await endpoint(request)

    return guarded


async def render_with_session(request: Request, render: Callable[[SessionData | None, str], str]) -> HTMLResponse:
    """Server-side rendering: ``render(session, script)`` builds the page around the embedded-session
    ``<script>``; the answer carries ``Cache-Control: private`` and ``Vary: Cookie``."""
    session = await get_session(request)
    html = render(session, session_script(session))
    return HTMLResponse(html, headers=ssr_headers(bearer="authorization" in request.headers))
