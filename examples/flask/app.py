"""Flask example: ``flask --app 'examples/flask/app.py:create_app()' run``."""

from __future__ import annotations

import html
import os
from typing import Any

from flask import Flask, g

from tessera import SessionData, Tessera
from tessera.integrations.flask import TesseraFlask, render_with_session, session_required


def make_auth() -> Tessera:
    return Tessera(
        base_url=os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        database=os.environ.get("DATABASE_URL"),
        email_and_password={"enabled": True},
    )


def page(session: SessionData | None, script: str) -> str:
    who = html.escape(session.user["name"]) if session else "stranger"
    return f"<!doctype html><html><head>{script}</head><body><h1>Hello, {who}</h1></body></html>"


def create_app(auth: Tessera | None = None) -> Flask:
    app = Flask(__name__)
    TesseraFlask(auth or make_auth(), app)

    @app.get("/")
    def home() -> Any:
        return render_with_session(page)

    @app.get("/me")
    @session_required
    def me() -> Any:
        return {"email": g.auth_session.user["email"], "sessionId": g.auth_session.session["id"]}

    @app.get("/account")
    @session_required(redirect_to="/login")
    def account() -> Any:
        return "your account"

    return app
