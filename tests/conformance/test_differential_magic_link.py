"""Differential cases with the magic-link plugin on both servers (Better Auth's ``magicLink()``, tessera's
``magic_link()``): the link each server mails (read from its log, where both ``sendMagicLink`` print it),
signing up and in with it, replays, and refusals — statuses, body shapes, cookies and redirects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from conformance_pair import ALLOWED, EVIL, Pair, Side, jar_from, plugin_pair

_NO_STORE = (
    "tessera marks /magic-link/verify answers Cache-Control: no-store (and Pragma: no-cache), as its "
    "/verify-email: a GET that may set a session cookie must not be cached (ASVS v5.0.0-14.3.2); Better Auth "
    "sets neither"
)


def _no_store(*steps: int) -> dict[str, str]:
    return {f"{i}.header:{h}": _NO_STORE for i in steps for h in ("cache-control", "pragma")}


# this module's deliberate differences, kept here rather than in the shared table
ALLOWED.update({
    "magic-link: sign-up and replay": _no_store(1, 3, 4, 5),
    "magic-link: new-user callback": _no_store(1),
    "magic-link: refusals": {
        **_no_store(6, 7, 8, 9),
        "9.body": "an untrusted errorCallbackURL on GET /magic-link/verify: Better Auth's originCheck middleware "
                  "calls every URL it checks 'callbackURL'; tessera names the field (INVALID_ERROR_CALLBACK_URL, "
                  "as Better Auth itself does for the same field in a POST body)",
    },
})


@pytest.fixture(scope="session")
def magic_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "magicLink") as (p, _):
        yield p


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def mailed(s: Side, email: str) -> dict[str, str]:
    """The last link ``s`` mailed to ``email``."""
    for line in reversed(s.server.log.read_text(errors="replace").splitlines()):
        if line.startswith("MAGIC_LINK "):
            mail = json.loads(line[len("MAGIC_LINK "):])
            if mail["email"] == email:
                return dict(mail)
    raise AssertionError(f"{s.name} mailed nothing to {email}")


def verify(s: Side, token: str, jar: dict[str, str] | None = None, **query: str) -> httpx.Response:
    """The verify answer, its ``Location`` relative to the server's origin (the servers' ports differ)."""
    r = s.send("GET", "/magic-link/verify", params={"token": token, **query}, jar=jar)
    where = r.headers.get("location")
    if where and where.startswith(s.origin):
        r.headers["location"] = "<origin>" + where[len(s.origin):]
    return r


def test_magic_link_url(magic_pair: Pair) -> None:
    email = magic_pair.email("link")
    links = []
    for s in magic_pair.sides:
        r = post(s, "/sign-in/magic-link", {"email": email, "callbackURL": "/dash", "errorCallbackURL": "/oops"})
        assert r.status_code == 200 and r.json() == {"status": True}
        url = urlsplit(mailed(s, email)["url"])
        query = parse_qs(url.query)
        assert len(query.pop("token")[0]) == 32
        links.append((url.path, query))
    assert links[0] == links[1]


def test_magic_link_sign_up_and_replay(magic_pair: Pair) -> None:
    email = magic_pair.email("newbie")

    def scenario(s: Side) -> list[httpx.Response]:
        out = [post(s, "/sign-in/magic-link", {"email": email, "name": "Newbie"})]
        token = mailed(s, email)["token"]
        signed_in = verify(s, token)
        out.append(signed_in)
        out.append(s.get("/get-session", jar=jar_from(signed_in)))
        out.append(verify(s, token))
        out.append(verify(s, token, callbackURL="/dash", errorCallbackURL="/oops"))
        # a second link for the now existing user, redirecting
        post(s, "/sign-in/magic-link", {"email": email})
        out.append(verify(s, mailed(s, email)["token"], callbackURL="/dash", newUserCallbackURL="/welcome"))
        return out

    magic_pair.check("magic-link: sign-up and replay", scenario)


def test_magic_link_new_user_callback(magic_pair: Pair) -> None:
    email = magic_pair.email("welcome")

    def scenario(s: Side) -> list[httpx.Response]:
        out = [post(s, "/sign-in/magic-link", {"email": email, "callbackURL": "/dash"})]
        out.append(verify(s, mailed(s, email)["token"], callbackURL="/dash", newUserCallbackURL="/welcome"))
        return out

    magic_pair.check("magic-link: new-user callback", scenario)


def test_magic_link_refusals(magic_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        return [
            post(s, "/sign-in/magic-link", {}),
            post(s, "/sign-in/magic-link", {"email": "not-an-email"}),
            post(s, "/sign-in/magic-link", {"email": "x@example.com", "name": 5}),
            post(s, "/sign-in/magic-link", {"email": "x@example.com", "callbackURL": EVIL}),
            post(s, "/sign-in/magic-link", {"email": "x@example.com", "errorCallbackURL": EVIL}),
            post(s, "/sign-in/magic-link", {"email": "x@example.com", "newUserCallbackURL": EVIL}),
            s.get("/magic-link/verify"),
            verify(s, "no-such-token"),
            verify(s, "no-such-token", callbackURL=EVIL),
            verify(s, "no-such-token", errorCallbackURL="//evil.example"),
        ]

    magic_pair.check("magic-link: refusals", scenario)
