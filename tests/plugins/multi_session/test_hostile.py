"""Hostile bodies and cookies against the multi-session routes: a 4xx with a ``code`` or a 200, never a 5xx,
and never a session the browser was not issued."""

from __future__ import annotations

from typing import Any

import pytest

from tests._helpers import Client

from .conftest import MakeApp

BODIES: list[Any] = [
    None, [], "x", {}, {"sessionToken": None}, {"sessionToken": 5}, {"sessionToken": ["a"]},
    {"sessionToken": {"$ne": ""}}, {"sessionToken": ""}, {"sessionToken": "x" * 100_000},
    {"sessionToken": "a;b=c"}, {"sessionToken": "é\u0000²"}, {"sessionToken": "A" * 32, "extra": 1},
]
COOKIES = [
    "better-auth.session_token_multi-", "better-auth.session_token_multi-²=x",
    "x_multi-y=.", "better-auth.session_token_multi-abc=%ZZ", 'a_multi-b="unterminated',
    "better-auth.session_token_multi-" + "a" * 32 + "=" + "b" * 4000,
]


@pytest.mark.parametrize("path", ["/multi-session/set-active", "/multi-session/revoke"])
async def test_hostile_bodies(make_memory_app: MakeApp, path: str) -> None:
    auth = await make_memory_app()
    browser = Client(auth)
    await browser.sign_up()
    for body in BODIES:
        r = await browser.post(path, body)
        assert r.status in (400, 401, 413, 415), (body, r.status, r.body[:200])
        assert r.json_body()["code"], (body, r.body[:200])


async def test_hostile_cookies(make_memory_app: MakeApp) -> None:
    auth = await make_memory_app()
    browser = Client(auth)
    await browser.sign_up()
    token = browser.cookies["better-auth.session_token"]
    for cookie in COOKIES:
        headers = [("cookie", f"better-auth.session_token={token}; {cookie}")]
        jar = Client(auth)
        r = await jar.get("/multi-session/list-device-sessions", headers=headers)
        assert r.status == 200 and r.json_body() == [], (cookie, r.body[:200])
        r = await jar.post("/multi-session/set-active", {"sessionToken": "a" * 32}, headers=headers)
        assert r.status == 401, (cookie, r.status)
        r = await jar.post("/sign-out", headers=headers)
        assert r.status == 200, (cookie, r.status)
