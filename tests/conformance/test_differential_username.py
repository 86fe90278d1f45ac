"""Differential cases with the username plugin on both servers (Better Auth's ``username()``, tessera's
``username()``): signing up with a username (and a display username), signing in by username, availability,
renaming, and the refusals — statuses, codes, body shapes and cookies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import PASSWORD, Pair, Side, jar_from, plugin_pair


@pytest.fixture(scope="session")
def username_pair(reference_node: Path, postgres_admin_url: str,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "username") as (p, _):
        yield p


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def sign_up(s: Side, email: str, **extra: object) -> httpx.Response:
    return post(s, "/sign-up/email", {"email": email, "password": PASSWORD, "name": "U", **extra})


def test_username_sign_up_and_sign_in(username_pair: Pair) -> None:
    run = username_pair.run_id
    email = username_pair.email("named")

    def scenario(s: Side) -> list[httpx.Response]:
        out = [sign_up(s, email, username=f"Named_{run}")]
        signed_in = post(s, "/sign-in/username", {"username": f"NAMED_{run}", "password": PASSWORD})
        out.append(signed_in)
        out.append(s.get("/get-session", jar=jar_from(signed_in)))
        out.append(post(s, "/sign-in/username", {"username": f"named_{run}", "password": PASSWORD,
                                                 "callbackURL": "/dash", "rememberMe": False}))
        return out

    wires = username_pair.check("username: sign-up and sign-in", scenario)
    assert [w.status for w in wires] == [200, 200, 200, 200]


def test_username_availability_and_rename(username_pair: Pair) -> None:
    run = username_pair.run_id
    email, other = username_pair.email("renamer"), username_pair.email("holder")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = jar_from(sign_up(s, email, username=f"renamer_{run}"))
        sign_up(s, other, username=f"holder_{run}")
        return [
            post(s, "/is-username-available", {"username": f"HOLDER_{run}"}),
            post(s, "/is-username-available", {"username": f"free_{run}"}),
            post(s, "/update-user", {"username": f"Holder_{run}"}, jar),
            post(s, "/update-user", {"username": f"Renamer_{run}"}, jar),
            post(s, "/update-user", {"username": f"moved_{run}", "displayUsername": "Moved"}, jar),
            s.get("/get-session", jar=jar),
            post(s, "/update-user", {"username": f"x_{run}"}),
        ]

    wires = username_pair.check("username: availability and rename", scenario)
    assert [w.status for w in wires] == [200, 200, 400, 200, 200, 200, 401]


def test_username_display_only(username_pair: Pair) -> None:
    run = username_pair.run_id

    def scenario(s: Side) -> list[httpx.Response]:
        return [
            sign_up(s, username_pair.email("display"), displayUsername=f"Shown_{run}"),
            sign_up(s, username_pair.email("spaced"), displayUsername="Shown Name"),
        ]

    wires = username_pair.check("username: display username only", scenario)
    assert [w.status for w in wires] == [200, 200]


def test_username_refusals(username_pair: Pair) -> None:
    run = username_pair.run_id
    taken = f"taken_{run}"

    def scenario(s: Side) -> list[httpx.Response]:
        sign_up(s, username_pair.email("taken"), username=taken)
        return [
            sign_up(s, username_pair.email("second"), username=taken.upper()),
            sign_up(s, username_pair.email("short"), username="ab"),
            sign_up(s, username_pair.email("long"), username="a" * 31),
            sign_up(s, username_pair.email("bad"), username="bad name"),
            post(s, "/sign-in/username", {"username": taken, "password": "wrong-password-1"}),
            post(s, "/sign-in/username", {"username": f"nobody_{run}", "password": PASSWORD}),
            post(s, "/sign-in/username", {"username": "", "password": PASSWORD}),
            post(s, "/sign-in/username", {"username": "ab", "password": PASSWORD}),
            post(s, "/sign-in/username", {"username": taken}),
            post(s, "/sign-in/username", {"username": taken, "password": "x" * 200}),
            post(s, "/is-username-available", {"username": ""}),
            post(s, "/is-username-available", {"username": "a" * 31}),
            post(s, "/is-username-available", {}),
        ]

    wires = username_pair.check("username: refusals", scenario)
    assert [w.status for w in wires] == [400, 400, 400, 400, 401, 401, 401, 422, 400, 400, 422, 422, 400]
