"""Views of the Django example: a server-rendered home page and a protected JSON view (sync and async)."""

import html

from django.http import HttpRequest, HttpResponse, JsonResponse

from tessera import SessionData
from tessera.integrations.django import render_with_session, session_required


def page(session: SessionData | None, script: str) -> str:
    who = html.escape(session.user["name"]) if session else "stranger"
    return f"<!doctype html><html><head>{script}</head><body><h1>Hello, {who}</h1></body></html>"


def home(request: HttpRequest) -> HttpResponse:
    return render_with_session(request, page)


@session_required
def me(request: HttpRequest) -> JsonResponse:
    session = request.auth_session  # type: ignore[attr-defined]
    return JsonResponse({"email": session.user["email"], "sessionId": session.session["id"]})


@session_required
async def me_async(request: HttpRequest) -> JsonResponse:
    session = request.auth_session  # type: ignore[attr-defined]
    return JsonResponse({"email": session.user["email"], "async": True})


@session_required(redirect_to="/login")
def account(request: HttpRequest) -> HttpResponse:
    return HttpResponse("your account")
