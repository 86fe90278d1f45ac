"""Differential cases with the last-login-method plugin on both servers (Better Auth's ``lastLoginMethod()``,
tessera's ``last_login_method()``), with and without ``storeInDatabase``: the cookie each sign-in sets (name,
value, attributes, lifetime), what a refused sign-in, a session read and sign-out set, and the user's
``lastLoginMethod`` field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import Pair, Side, jar_from, plugin_pair

COOKIE = "better-auth.last_used_login_method"


@pytest.fixture(scope="session", params=["lastLoginMethod", "lastLoginMethodDb"])
def last_pair(request: pytest.FixtureRequest, reference_node: Path, postgres_admin_url: str,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, request.param) as (p, _):
        yield p


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def test_last_login_method_cookie(last_pair: Pair) -> None:
    email = last_pair.email("last")

    def scenario(s: Side) -> list[httpx.Response]:
        credentials = {"email": email, "password": "correct-horse-battery"}
        out = [post(s, "/sign-up/email", {**credentials, "name": "Last"})]
        jar = jar_from(out[0])
        assert jar.get(COOKIE) == "email", (s.name, out[0].headers.get_list("set-cookie"))
        out.append(s.get("/get-session", jar=jar))
        out.append(post(s, "/sign-in/email", {**credentials, "password": "wrong-password-here"}))
        out.append(post(s, "/sign-in/email", credentials))
        out.append(post(s, "/sign-out", None, jar_from(out[3], jar)))
        return out

    last_pair.check("last-login-method: the cookie", scenario)
