"""Differential cases with the anonymous plugin on both servers (Better Auth's ``anonymous()``, tessera's
``anonymous()``): signing in anonymously, the refusal to do it twice, deleting the anonymous user, and the
hand-over when the anonymous session signs up or in with a password — statuses, body shapes and cookies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import Pair, Side, jar_from, plugin_pair

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def anon_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "anonymous") as (p, _):
        yield p


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def test_anonymous_sign_in_and_delete(anon_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        signed_in = post(s, "/sign-in/anonymous")
        jar = jar_from(signed_in)
        out = [signed_in, s.get("/get-session", jar=jar), post(s, "/sign-in/anonymous", jar=jar)]
        out.append(post(s, "/delete-anonymous-user", jar=jar))
        out.append(s.get("/get-session", jar=jar))
        out.append(post(s, "/delete-anonymous-user"))
        return out

    anon_pair.check("anonymous: sign-in and delete", scenario)


def test_anonymous_links_on_sign_up_and_sign_in(anon_pair: Pair) -> None:
    signer = anon_pair.email("linked")
    existing = anon_pair.email("existing")

    def scenario(s: Side) -> list[httpx.Response]:
        anon = jar_from(post(s, "/sign-in/anonymous"))
        signed_up = post(s, "/sign-up/email", {"email": signer, "password": PASSWORD, "name": "L"}, jar=anon)
        out = [signed_up, s.get("/get-session", jar=anon), s.get("/get-session", jar=jar_from(signed_up))]
        post(s, "/sign-up/email", {"email": existing, "password": PASSWORD, "name": "E"})
        anon = jar_from(post(s, "/sign-in/anonymous"))
        out.append(post(s, "/sign-in/email", {"email": existing, "password": "wrong-password-1"}, jar=anon))
        out.append(s.get("/get-session", jar=anon))
        signed_in = post(s, "/sign-in/email", {"email": existing, "password": PASSWORD}, jar=anon)
        out += [signed_in, s.get("/get-session", jar=anon)]
        # a real user cannot delete itself through the anonymous endpoint
        out.append(post(s, "/delete-anonymous-user", jar=jar_from(signed_in)))
        return out

    anon_pair.check("anonymous: linking", scenario)
