"""Starlette example: ``uvicorn --factory examples.starlette.app:create_app``."""

from __future__ import annotations

import html
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tessera import SessionData, Tessera
from tessera.integrations.starlette import install, render_with_session, require_session


def make_auth() -> Tessera:
    return Tessera(
        base_url=os.environ.get("BASE_URL", "http://127.0.0.1:8000"),
        database=os.environ.get("DATABASE_URL"),
        email_and_password={"enabled": True},
    )


def page(session: SessionData | None, script: str) -> str:
    who = html.escape(session.user["name"]) if session else "stranger"
    return f"<!doctype html><html><head>{script}</head><body><h1>Hello, {who}</h1></body></html>"


async def home(request: Request) -> Response:
    return await render_with_session(request, page)


async def me(request: Request) -> Response:
    session = await require_session(request)  # 401 {"message": "Unauthorized", "code": "UNAUTHORIZED"}
    return JSONResponse({"email": session.user["email"], "sessionId": session.session["id"]})


def create_app(auth: Tessera | None = None) -> Starlette:
    app = Starlette(routes=[Route("/", home), Route("/me", me)])
    install(app, auth or make_auth())
    return app

