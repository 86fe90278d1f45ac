"""FastAPI: ``install(app, auth)`` and typed session dependencies.

::

    app = FastAPI()
    install(app, auth)

    @app.get("/me")
    async def me(session: CurrentSession):          # 401 {"message": "Unauthorized", ...} when signed out
        return session.user

    @app.get("/")
    async def home(session: OptionalSession): ...

    router = APIRouter(dependencies=[RequireSession])  # a whole router behind sign-in
"""

from __future__ import annotations

from typing import Annotated

try:
    from fastapi import Depends, Request
except ImportError as exc:  # pragma: no cover - depends on installed extras
    raise ImportError("tessera.integrations.fastapi needs FastAPI: pip install 'tessera-auth[fastapi]'") from exc

from ..session.model import SessionData
from .starlette import api_error_response, install, lifespan, mount, render_with_session
from .starlette import get_session as _get_session
from .starlette import require_session as _require_session

__all__ = [
    "CurrentSession",
    "OptionalSession",
    "RequireSession",
    "api_error_response",
    "current_session",
    "install",
    "lifespan",
    "mount",
    "optional_session",
    "render_with_session",
]


async def optional_session(request: Request) -> SessionData | None:
    return await _get_session(request)


async def current_session(request: Request) -> SessionData:
    return await _require_session(request)


OptionalSession = Annotated[SessionData | None, Depends(optional_session)]
CurrentSession = Annotated[SessionData, Depends(current_session)]
#: for ``dependencies=[RequireSession]`` on a route, a router or the app
RequireSession = Depends(current_session)
