"""Litestar: ``TesseraPlugin(auth)`` mounts the handler and provides the session as a dependency.

::

    app = Litestar(route_handlers=[...], plugins=[TesseraPlugin(auth)])

    @get("/me")
    async def me(current_session: CurrentSession) -> dict: ...  # 401 with Better Auth's body if signed out

    @get("/")
    async def home(auth_session: AuthSession) -> str: ...        # None when signed out

    @get("/admin", guards=[requires_session])                          # or guard a handler, controller, router
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

try:
    from litestar import Request, Response, asgi
    from litestar.config.app import AppConfig
    from litestar.connection import ASGIConnection
    from litestar.di import NamedDependency, Provide
    from litestar.handlers.base import BaseRouteHandler
    from litestar.middleware import DefineMiddleware
    from litestar.plugins import InitPluginProtocol
    from litestar.types import Receive, Scope, Send
except ImportError as exc:  # pragma: no cover - depends on installed extras
    raise ImportError("tessera.integrations.litestar needs Litestar: pip install 'tessera-auth[litestar]'") from exc

from ..errors import APIError
from ..session.model import SessionData
from .asgi import SessionMiddleware, request_session
from .ssr import session_script, ssr_headers

if TYPE_CHECKING:
    from ..auth import Tessera

__all__ = [
    "AuthSession",
    "CurrentSession",
    "TesseraPlugin",
    "current_session",
    "optional_session",
    "render_with_session",
    "requires_session",
]

#: a handler parameter named ``auth_session``: the session or ``None``
AuthSession = NamedDependency[SessionData | None]
#: a handler parameter named ``current_session``: the session, or 401 before the handler runs
CurrentSession = NamedDependency[SessionData]


async def optional_session(request: Request[Any, Any, Any]) -> SessionData | None:
    return await request_session(request.scope).load()


async def current_session(request: Request[Any, Any, Any]) -> SessionData:
    return await request_session(request.scope).require()


async def requires_session(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard: 401 ``{"message": "Unauthorized", "code": "UNAUTHORIZED"}`` unless there is a session."""
    await request_session(connection.scope).require()


def api_error_response(request: Request[Any, Any, Any], exc: APIError) -> Response[Any]:
    return Response(exc.to_dict(), status_code=exc.status, headers=dict(exc.headers))


async def render_with_session(request: Request[Any, Any, Any], render: Any) -> Response[str]:
    """Server-side rendering: ``render(session, script) -> html``; private and ``Vary: Cookie``."""
    session = await optional_session(request)
    return Response(
        render(session, session_script(session)),
        media_type="text/html",
        headers=ssr_headers(bearer="authorization" in request.headers),
    )


class TesseraPlugin(InitPluginProtocol):
    """Mounts ``auth`` at its ``base_path``, adds the session middleware, the dependencies
    ``auth_session`` (``SessionData | None``) and ``current_session`` (``SessionData`` or 401), the
    ``APIError`` handler, and tessera's startup/shutdown."""

    def __init__(self, auth: Tessera) -> None:
        self.auth = auth

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        auth = self.auth

        @asgi(path=auth.base_path, is_mount=True, name="tessera", copy_scope=False)  # we pass our own copy
        async def handler(scope: Scope, receive: Receive, send: Send) -> None:
            # Litestar strips the mount path (and adds a trailing slash); tessera routes on the full path
            raw = scope.get("raw_path")
            path = unquote(raw.split(b"?", 1)[0].decode("latin-1")) if raw else auth.base_path + scope["path"]
            await auth({**scope, "path": path, "root_path": ""}, receive, send)

        app_config.route_handlers.append(handler)
        app_config.middleware.append(DefineMiddleware(SessionMiddleware, auth=auth))  # type: ignore[arg-type]
        app_config.dependencies.setdefault("auth_session", Provide(optional_session))
        app_config.dependencies.setdefault("current_session", Provide(current_session))
        app_config.exception_handlers[APIError] = api_error_response
        app_config.on_startup.append(auth.startup)
        app_config.on_shutdown.append(auth.shutdown)
        return app_config
