"""FastAPI example: ``uvicorn --factory examples.fastapi.app:create_app``; also takes ``Authorization: Bearer``."""

from __future__ import annotations

import html
import os
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from tessera import SessionData, Tessera
from tessera.integrations.fastapi import CurrentSession, RequireSession, install, render_with_session
from tessera.plugins.bearer import bearer


def make_auth() -> Tessera:
    return Tessera(
        base_url=os.environ.get("BASE_URL", "http://127.0.0.1:8000"),
        database=os.environ.get("DATABASE_URL"),
        email_and_password={"enabled": True},
        plugins=[bearer()],
    )


def page(session: SessionData | None, script: str) -> str:
    who = html.escape(session.user["name"]) if session else "stranger"
    return f"<!doctype html><html><head>{script}</head><body><h1>Hello, {who}</h1></body></html>"


def create_app(auth: Tessera | None = None) -> FastAPI:
    app = FastAPI()
    install(app, auth or make_auth())

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> Any:
        return await render_with_session(request, page)

    @app.get("/me")
    async def me(session: CurrentSession) -> dict[str, Any]:
        return {"email": session.user["email"], "sessionId": session.session["id"]}

    members = APIRouter(prefix="/members", dependencies=[RequireSession])

    @members.get("/count")
    async def count() -> dict[str, int]:
        return {"members": 1}

    app.include_router(members)
    return app

