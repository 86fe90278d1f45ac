"""Litestar example: ``uvicorn --factory examples.litestar.app:create_app``."""

from __future__ import annotations

import html
import os
from typing import Any

from litestar import Litestar, Request, Response, get

from tessera import SessionData, Tessera
from tessera.integrations.litestar import CurrentSession, TesseraPlugin, render_with_session


def make_auth() -> Tessera:
    return Tessera(
        base_url=os.environ.get("BASE_URL", "http://127.0.0.1:8000"),
        database=os.environ.get("DATABASE_URL"),
        email_and_password={"enabled": True},
    )


def page(session: SessionData | None, script: str) -> str:
    who = html.escape(session.user["name"]) if session else "stranger"
    return f"<!doctype html><html><head>{script}</head><body><h1>Hello, {who}</h1></body></html>"


@get("/")
async def home(request: Request[Any, Any, Any]) -> Response[str]:
    return await render_with_session(request, page)


@get("/me")
async def me(current_session: CurrentSession) -> dict[str, Any]:
    return {"email": current_session.user["email"], "sessionId": current_session.session["id"]}


def create_app(auth: Tessera | None = None) -> Litestar:
    return Litestar(route_handlers=[home, me], plugins=[TesseraPlugin(auth or make_auth())])
