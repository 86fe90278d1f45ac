"""Flask: an extension with the auth handler as a blueprint, ``g.auth_session`` and ``@session_required``.

::

    app = Flask(__name__)
    tessera = TesseraFlask(auth, app)          # or TesseraFlask(auth).init_app(app)

    @app.get("/me")
    @session_required                          # 401 {"message": "Unauthorized", ...}, or redirect_to="/login"
    def me():
        return {"email": g.auth_session.user["email"]}

Flask is synchronous and tessera is async: every call goes to one event loop in a dedicated thread
(``portal.Portal``), so an async database engine keeps its connections on one loop however many threads the
WSGI server runs. ``g.auth_session`` is looked up once per request, before the view, and the cookies that
lookup set (a sliding refresh) are added to the response.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

try:
    from flask import Blueprint, Flask, g, redirect, request
    from flask import Response as FlaskResponse
except ImportError as exc:  # pragma: no cover - depends on installed extras
    raise ImportError("tessera.integrations.flask needs Flask: pip install 'tessera-auth[flask]'") from exc

from .. import _json
from ..errors import APIError, BaseErrorCodes
from ..http import Headers, Request
from .portal import Portal, portal_for
from .session import UNAUTHORIZED_BODY, RequestSession, request_headers
from .ssr import session_script, ssr_headers

if TYPE_CHECKING:
    from ..auth import Tessera
    from ..session.model import SessionData

__all__ = ["TesseraFlask", "current_session", "render_with_session", "session_required"]

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class TesseraFlask:
    def __init__(self, auth: Tessera, app: Flask | None = None) -> None:
        self.auth = auth
        self.portal: Portal = portal_for(auth)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> TesseraFlask:
        blueprint = Blueprint("tessera", __name__, url_prefix=self.auth.base_path)
        blueprint.add_url_rule("/<path:rest>", "handler", self._handle, methods=_METHODS, strict_slashes=False)
        app.register_blueprint(blueprint)
        app.before_request(self._load_session)
        app.after_request(self._forward_cookies)
        app.extensions["tessera"] = self
        return self

    def _headers(self) -> Headers:
        return request_headers(request.headers.items())

    def _handle(self, rest: str) -> FlaskResponse:
        # refuse a declared oversized body unread, and read at most one byte past the limit otherwise
        # (``get_data()`` buffers whatever the client sends); ``auth.handle`` answers 413 past the limit
        limit = self.auth.context.advanced.max_body_size
        if (request.content_length or 0) > limit:
            too_large = APIError(413, BaseErrorCodes.PAYLOAD_TOO_LARGE)
            return FlaskResponse(_json.dumps(too_large.to_dict()), status=413, content_type="application/json")
        body = request.stream.read(limit + 1)
        answer = self.portal.run(
            self.auth.handle(
                Request(
                    method=request.method,
                    path=f"{self.auth.base_path}/{rest}",
                    headers=self._headers(),
                    query_string=request.query_string.decode("latin-1"),
                    body=body,
                    scheme=request.scheme,
                    client_host=request.remote_addr,
                )
            )
        )
        response = FlaskResponse(answer.body, status=answer.status)
        response.headers.clear()
        for name, value in answer.all_headers():
            response.headers.add(name, value)
        return response

    def _load_session(self) -> None:
        if request.path.startswith(self.auth.base_path + "/"):
            g.auth_session = None
            return
        session = RequestSession(self.auth, self._headers())
        g.auth_session = self.portal.run(session.load())
        g.tessera_set_cookies = session.set_cookies

    def _forward_cookies(self, response: FlaskResponse) -> FlaskResponse:
        for header in g.pop("tessera_set_cookies", ()):
            response.headers.add("Set-Cookie", header)
        return response

    def close(self) -> None:
        """Stop tessera's event loop thread (also done at interpreter exit)."""
        self.portal.close()


def current_session() -> SessionData | None:
    """This request's session (``g.auth_session``)."""
    session: SessionData | None = g.get("auth_session")
    return session


def session_required(view: Any = None, *, redirect_to: str | None = None) -> Any:
    """Let the view run only with a session: otherwise Better Auth's 401, or a redirect to ``redirect_to``."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def guard(*args: Any, **kwargs: Any) -> Any:
            if g.get("auth_session") is None:
                if redirect_to is not None:
                    return redirect(f"{redirect_to}?next={quote(request.full_path.rstrip('?'))}")
                return UNAUTHORIZED_BODY, 401
            return fn(*args, **kwargs)

        return guard

    return decorate(view) if view is not None else decorate


def render_with_session(render: Callable[[SessionData | None, str], str]) -> FlaskResponse:
    """Server-side rendering: ``render(session, script) -> html``; private and ``Vary: Cookie``."""
    session = current_session()
    response = FlaskResponse(render(session, session_script(session)), mimetype="text/html")
    response.headers.update(ssr_headers(bearer="Authorization" in request.headers))
    return response
