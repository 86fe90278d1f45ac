"""Differential cases with the have-i-been-pwned plugin on both servers (Better Auth's ``haveIBeenPwned()``,
tessera's ``have_i_been_pwned()``), both asking one local fake of the Pwned Passwords range API (the reference
server's ``fetch`` is pointed at it; tessera's ``api_url``): the answers to a breached and a safe password on
sign-up and change-password, and the range queries each server sends (path and headers)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conformance_fake import FakeUpstream, fake_upstream
from conformance_pair import Pair, Side, jar_from, plugin_pair

ENV = "HIBP_API_URL"
BREACHED = "password123"
SAFE = "correct-horse-battery"


class RangeAPI(FakeUpstream):
    """Knows ``BREACHED`` (42 times, in lower case) and a padding line; ``down`` answers 503 to everything."""

    received: list[dict[str, Any]] = []
    down = False

    def do_GET(self) -> None:
        prefix = self.path.rsplit("/", 1)[1]
        self.received.append({"path": self.path, "padding": self.headers.get("add-padding"),
                              "agent": self.headers.get("user-agent")})
        digest = hashlib.sha1(BREACHED.encode()).hexdigest().upper()
        lines = ["0" * 35 + ":0"] + ([f"{digest[5:].lower()}:42"] if digest[:5] == prefix else [])
        self.reply(503 if self.down else 200, "\r\n".join(lines).encode(), "text/plain")


@pytest.fixture(scope="module")
def hibp_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with fake_upstream(RangeAPI, ENV, "/range/"), plugin_pair(  # the servers read $HIBP_API_URL at start
        tmp_path_factory, reference_node, postgres_admin_url, "haveIBeenPwned"
    ) as (p, _):
        yield p


def post(s: Side, path: str, body: object, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def test_breached_passwords_are_refused_as_better_auth_does(hibp_pair: Pair) -> None:
    sent: dict[str, list[dict[str, Any]]] = {}
    email = hibp_pair.email("pwned")

    def scenario(s: Side) -> list[httpx.Response]:
        RangeAPI.received.clear()
        out = [
            post(s, "/sign-up/email", {"email": email, "password": BREACHED, "name": "P"}),
            post(s, "/sign-up/email", {"email": email, "password": "abc", "name": "P"}),  # too short: no query
            post(s, "/sign-up/email", {"email": email, "password": SAFE, "name": "P"}),
        ]
        jar = jar_from(out[2])
        out.append(post(s, "/change-password", {"currentPassword": SAFE, "newPassword": BREACHED}, jar))
        out.append(post(s, "/sign-in/email", {"email": email, "password": SAFE}))
        sent[s.name] = list(RangeAPI.received)
        return out

    hibp_pair.check("have-i-been-pwned: breached passwords", scenario)
    assert sent["tessera"] == sent["better-auth"] and len(sent["tessera"]) == 3, sent
    assert all(r["padding"] == "true" and len(r["path"]) == len("/range/") + 5 for r in sent["tessera"])


def test_an_unavailable_service_fails_closed_on_both(hibp_pair: Pair) -> None:
    """Both refuse; Better Auth with 500 INTERNAL_SERVER_ERROR, tessera with 503 PASSWORD_CHECK_UNAVAILABLE."""
    email = hibp_pair.email("down")
    RangeAPI.down = True
    try:
        ba, ts = (post(s, "/sign-up/email", {"email": email, "password": SAFE, "name": "D"}) for s in hibp_pair.sides)
    finally:
        RangeAPI.down = False
    assert ba.status_code == 500 and "Failed to check password" in ba.json()["message"], ba.text
    assert (ts.status_code, ts.json()["code"]) == (503, "PASSWORD_CHECK_UNAVAILABLE"), ts.text
    for s in hibp_pair.sides:  # nothing was created: the address is still free
        assert post(s, "/sign-up/email", {"email": email, "password": SAFE, "name": "D"}).status_code == 200
