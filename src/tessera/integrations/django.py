"""Django: the auth handler as URLs, a middleware setting ``request.auth_session``, and ``@session_required``.

Settings and URLs::

    TESSERA_AUTH = "myproject.auth.auth"      # dotted path to your Tessera (or the object itself)
    MIDDLEWARE = [..., "tessera.integrations.django.TesseraMiddleware"]

    urlpatterns = [*auth_urls(), path("me/", me)]   # the handler at auth.base_path (/api/auth/...)

Views::

    @session_required                         # 401 {"message": "Unauthorized", ...}, or redirect_to="/login"
    def me(request):
        return JsonResponse({"email": request.auth_session.user["email"]})

Works under WSGI and ASGI alike: tessera always runs on one dedicated event loop thread (``portal.Portal``),
so an async database engine keeps its connections on one loop whatever the deployment. Synchronous code
blocks on it; under ASGI the handler and middleware await it without blocking the server's loop.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

try:
    from asgiref.sync import iscoroutinefunction, markcoroutinefunction
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
    from django.urls import URLPattern, path
    from django.utils.module_loading import import_string
    from django.views.decorators.csrf import csrf_exempt
except ImportError as exc:  # pragma: no cover - depends on installed extras
    raise ImportError("tessera.integrations.django needs Django: pip install 'tessera-auth[django]'") from exc

from ..http import Headers, Request, Response
from .portal import portal_for
from .session import UNAUTHORIZED_BODY, RequestSession, request_headers, set_cookie_arguments
from .ssr import session_script, ssr_headers

if TYPE_CHECKING:
    from ..auth import Tessera
    from ..session.model import SessionData

__all__ = ["TesseraMiddleware", "auth_urls", "get_auth", "render_with_session", "session_required"]


def get_auth() -> Tessera:
    """The ``Tessera`` named by ``settings.TESSERA_AUTH`` (a dotted path, or the object)."""
    target = getattr(settings, "TESSERA_AUTH", None)
    if target is None:
        raise ImproperlyConfigured("set TESSERA_AUTH to the dotted path of your Tessera object")
    return import_string(target) if isinstance(target, str) else target  # type: ignore[no-any-return]


def _headers(request: HttpRequest) -> Headers:
    return request_headers(request.headers.items())


def _to_tessera(request: HttpRequest, full_path: str) -> Request:
    return Request(
        method=request.method or "GET",
        path=full_path,
        headers=_headers(request),
        query_string=request.META.get("QUERY_STRING", ""),
        body=request.body,
        scheme=request.scheme or "http",
        client_host=request.META.get("REMOTE_ADDR"),
    )


def forward_cookies(response: HttpResponseBase, set_cookies: list[str]) -> None:
    for header in set_cookies:
        name, value, kwargs = set_cookie_arguments(header)
        response.set_cookie(name, value, **kwargs)


def _to_django(response: Response) -> HttpResponse:
    answer = HttpResponse(response.body, status=response.status)
    if response.header("content-type") is None:
        del answer["Content-Type"]
    for name, value in response.headers:
        answer[name] = value
    forward_cookies(answer, list(response.set_cookies.values()))
    return answer


def auth_urls(auth: Tessera | None = None) -> list[URLPattern]:
    """URL patterns serving the auth handler at ``auth.base_path``; include them at the URLconf root.
    Without ``auth``, ``settings.TESSERA_AUTH`` is used (looked up per request, so tests may override it)."""
    base = (auth or get_auth()).base_path

    async def tessera_handler(request: HttpRequest, rest: str) -> HttpResponse:
        target = auth or get_auth()
        response = await portal_for(target).run_async(
            target.handle(_to_tessera(request, f"{target.base_path}/{rest}"))
        )
        return _to_django(response)

    # exempt from Django's CSRF middleware: tessera checks Origin / Fetch Metadata itself, as Better Auth does
    return [path(f"{base.lstrip('/')}/<path:rest>", csrf_exempt(tessera_handler), name="tessera")]


class TesseraMiddleware:
    """Sets ``request.auth_session`` (``SessionData`` or ``None``) and forwards the cookies its lookup set
    (a sliding refresh). Requests to the auth handler itself are left to it."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        auth = get_auth()
        if request.path_info.startswith(auth.base_path + "/"):
            request.auth_session = None
            return self.get_response(request)
        session = RequestSession(auth, _headers(request))
        request.auth_session = portal_for(auth).run(session.load())
        response = self.get_response(request)
        forward_cookies(response, session.set_cookies)
        return response

    async def _acall(self, request: HttpRequest) -> Any:
        auth = get_auth()
        if request.path_info.startswith(auth.base_path + "/"):
            request.auth_session = None
            return await self.get_response(request)
        session = RequestSession(auth, _headers(request))
        request.auth_session = await portal_for(auth).run_async(session.load())
        response = await self.get_response(request)
        forward_cookies(response, session.set_cookies)
        return response


def _session_of(request: HttpRequest) -> SessionData | None:
    try:
        session: SessionData | None = request.auth_session
    except AttributeError:
        raise ImproperlyConfigured(
            "request.auth_session is not set: add 'tessera.integrations.django.TesseraMiddleware' to MIDDLEWARE"
        ) from None
    return session


def _refuse(request: HttpRequest, redirect_to: str | None) -> HttpResponseBase:
    if redirect_to is not None:
        return HttpResponseRedirect(f"{redirect_to}?next={quote(request.get_full_path())}")
    return JsonResponse(UNAUTHORIZED_BODY, status=401)


def session_required(view: Any = None, *, redirect_to: str | None = None) -> Any:
    """Let the view run only with a session: otherwise Better Auth's 401, or a redirect to ``redirect_to``
    (with ``?next=``). For sync and async views."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_guard(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                if _session_of(request) is None:
                    return _refuse(request, redirect_to)
                return await fn(request, *args, **kwargs)

            return async_guard

        @functools.wraps(fn)
        def guard(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if _session_of(request) is None:
                return _refuse(request, redirect_to)
            return fn(request, *args, **kwargs)

        return guard

    return decorate(view) if view is not None else decorate


def render_with_session(request: HttpRequest, render: Callable[[SessionData | None, str], str]) -> HttpResponse:
    """Server-side rendering: ``render(session, script) -> html`` (mark the script safe in a template);
    the answer carries ``Cache-Control: private`` and ``Vary: Cookie``."""
    session = _session_of(request)
    response = HttpResponse(render(session, session_script(session)))
    for name, value in ssr_headers(bearer="authorization" in request.headers).items():
        response[name] = value
    return response
