"""What is measured in each mode, and the fixtures it needs (a user, its cookies, a JWT, fresh sessions).

| mode | scenarios |
|---|---|
| ``database`` | ``get-session`` (read from PostgreSQL), ``sign-in``, ``sign-out``, ``ok``, ``bare`` |
| ``cookie-cache`` | ``get-session-cache`` (session cookie + compact cache cookie: a cache hit) |
| ``redis`` | ``get-session-redis`` (session read from Redis secondary storage) |
| ``jwt`` | ``token`` (``GET /token``, cookie cache hit for the session), ``jwks`` |

Sign-out needs a fresh session per request: sessions are inserted straight into the target's database (copies
of a real one, new tokens) and their signed cookies fed one per request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from .apps import SECRET
from .counting import pg_fetch
from .loadgen import Load
from .processes import Mode, Target, http

PASSWORD = "correct-horse-battery"

SCENARIOS_BY_MODE = {
    "database": ("get-session", "sign-in", "sign-out", "ok", "bare"),
    "cookie-cache": ("get-session-cache",),
    "redis": ("get-session-redis",),
    "jwt": ("token", "jwks"),
}
ALL_SCENARIOS = [s for group in SCENARIOS_BY_MODE.values() for s in group]
SESSION_READS = ("get-session", "get-session-cache", "get-session-redis")


def signed_cookie_value(token: str, secret: str = SECRET) -> str:
    """Better Auth's signed cookie: ``token.base64(HMAC-SHA256(secret, token))``, URL-encoded."""
    mac = base64.b64encode(hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()).decode()
    return urllib.parse.quote(f"{token}.{mac}", safe="")


def cookie_header(set_cookies: list[str], jar: dict[str, str] | None = None) -> dict[str, str]:
    jar = dict(jar or {})
    for c in set_cookies:
        name, _, value = c.split(";", 1)[0].partition("=")
        if value and "max-age=0" not in c.lower():
            jar[name.strip()] = value
        else:
            jar.pop(name.strip(), None)
    return jar


def join(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


@dataclass
class Fixture:
    """A signed-in user on one server, and what the scenarios send."""

    email: str
    jar: dict[str, str]
    session_token: str
    session_cookie_name: str
    jwt: str | None = None
    notes: list[str] = field(default_factory=list)


def sign_in_user(target: Target, mode: Mode) -> Fixture:
    base = target.base + "/api/auth"
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    status, body, _ = http("POST", base + "/sign-up/email", {"email": email, "password": PASSWORD, "name": "Bench"})
    if status != 200:
        raise RuntimeError(f"{target.name}: sign-up answered {status}: {body}")
    status, body, cookies = http("POST", base + "/sign-in/email", {"email": email, "password": PASSWORD})
    if status != 200 or not cookies:
        raise RuntimeError(f"{target.name}: sign-in answered {status}: {body}")
    jar = cookie_header(cookies)
    status, body, more = http("GET", base + "/get-session", headers={"cookie": join(jar)})
    if status != 200 or not body or body["user"]["email"] != email:
        raise RuntimeError(f"{target.name}: get-session answered {status}: {body}")
    jar = cookie_header(more, jar)
    name = next(k for k in jar if k.endswith("session_token"))
    fixture = Fixture(email, jar, body["session"]["token"], name)
    if mode.cookie_cache and not any(k.endswith("session_data") for k in jar):
        raise RuntimeError(f"{target.name}: no cookie-cache cookie after sign-in: {sorted(jar)}")
    if "jwt" in mode.plugins:
        status, body, _ = http("GET", base + "/token", headers={"cookie": join(jar)})
        if status != 200 or not isinstance(body, dict) or "token" not in body:
            raise RuntimeError(f"{target.name}: /token answered {status}: {body}")
        fixture.jwt = body["token"]
    return fixture


def loads(target: Target, mode: Mode, fx: Fixture | None, connections: int, signin_connections: int) -> dict[str, Load]:
    """The requests of every scenario of ``mode`` on ``target`` (sign-out's cookies are added later)."""
    if target.kind == "bare":
        return {"bare": Load("GET", "/", connections=connections)} if mode.name == "database" else {}
    assert fx is not None
    cookie = {"Cookie": join(fx.jar)}
    out: dict[str, Load] = {}
    if mode.name == "database":
        out["get-session"] = Load("GET", "/api/auth/get-session", cookie, connections=connections)
        out["sign-in"] = Load(
            "POST",
            "/api/auth/sign-in/email",
            {"Content-Type": "application/json"},
            json.dumps({"email": fx.email, "password": PASSWORD}),
            connections=signin_connections,
        )
        # a POST carrying a cookie must name a trusted Origin (Better Auth answers 403 otherwise)
        out["sign-out"] = Load(
            "POST",
            "/api/auth/sign-out",
            {"Content-Type": "application/json", "Origin": target.base},
            "{}",
            connections=connections,
            cookies=[],
        )
        out["ok"] = Load("GET", "/api/auth/ok", connections=connections)
        if target.kind == "better-auth":
            out["bare"] = Load("GET", "/healthz", connections=connections)
    elif mode.name == "cookie-cache":
        out["get-session-cache"] = Load("GET", "/api/auth/get-session", cookie, connections=connections)
    elif mode.name == "redis":
        out["get-session-redis"] = Load("GET", "/api/auth/get-session", cookie, connections=connections)
    elif mode.name == "jwt":
        out["token"] = Load("GET", "/api/auth/token", cookie, connections=connections)
        out["jwks"] = Load("GET", "/api/auth/jwks", connections=connections)
    return out


def make_sessions(admin_url: str, database_url: str, fx: Fixture, n: int) -> list[str]:
    """Insert ``n`` copies of the fixture's session row with fresh tokens; return one Cookie header for each."""
    prefix = "bs" + secrets.token_hex(4)
    database = database_url.rsplit("/", 1)[1]
    db_url = admin_url.rsplit("/", 1)[0] + "/" + database
    pg_fetch(
        db_url,
        """insert into "session" (id, token, "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId")
           select $2 || 'i' || g, $2 || 't' || lpad(g::text, 22, '0'), s."expiresAt", s."createdAt", s."updatedAt",
                  s."ipAddress", s."userAgent", s."userId"
           from "session" s, generate_series(1, $3::int) g where s.token = $1""",
        fx.session_token,
        prefix,
        n,
    )
    return [
        f"{fx.session_cookie_name}={signed_cookie_value(f'{prefix}t{i:022d}')}" for i in range(1, n + 1)
    ]


def one_request(base: str, load: Load, cookie: str | None = None) -> int:
    """Send ``load``'s request once (the counting pass); returns the status."""
    headers = dict(load.headers)
    if cookie is not None:
        headers["Cookie"] = cookie
    body = json.loads(load.body) if load.body else None
    status, _, _ = http(load.method, base + load.path, body, headers)
    return status


def caller(base: str, load: Load, cookies: list[str] | None) -> Callable[[int], None]:
    def call(i: int) -> None:
        status = one_request(base, load, cookies[i] if cookies else None)
        if status != 200:
            raise RuntimeError(f"{load.method} {load.path} answered {status} while counting")

    return call
