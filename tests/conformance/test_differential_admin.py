"""Differential cases with the ``admin`` plugin on both servers (Better Auth's ``admin()``, tessera's ``admin()``).

One user is promoted to ``role = 'admin'`` directly in each server's database (Better Auth's PostgreSQL,
tessera's SQLite file), as an operator would bootstrap the first admin.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import PASSWORD, Pair, Side, plugin_pair
from conformance_servers import _pg_execute


@pytest.fixture(scope="session")
def admin_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "admin") as (p, servers):
        boss = p.email("boss")
        p.each(lambda s: s.sign_up(boss, "Boss"))
        _pg_execute(servers.database_url, f"update \"user\" set role = 'admin' where email = '{boss}'")
        with sqlite3.connect(servers.sqlite_path) as conn:
            conn.execute("update user set role = 'admin' where email = ?", (boss,))
        p.each(lambda s: s.jars.__setitem__("boss", s.sign_in(boss)))
        yield p


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    """A POST as the browser sends it (with its ``Origin``)."""
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def user_id(s: Side, email: str) -> str:
    r = s.get("/admin/list-users", params={"filterField": "email", "filterValue": email}, jar=s.jars["boss"])
    assert r.status_code == 200, r.text
    return str(r.json()["users"][0]["id"])


def test_anonymous_and_non_admin_callers(admin_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        alice = s.jars["alice"]
        return [
            s.get("/admin/list-users"),
            post(s, "/admin/ban-user", {"userId": "x"}),
            post(s, "/admin/create-user", {"email": "x@example.com", "name": "X"}),
            post(s, "/admin/has-permission", {"permissions": {"user": ["list"]}}),
            post(s, "/admin/stop-impersonating"),
            s.get("/admin/list-users", jar=alice),
            s.get("/admin/get-user", params={"id": "x"}, jar=alice),
            post(s, "/admin/ban-user", {"userId": "x"}, jar=alice),
            post(s, "/admin/set-role", {"userId": "x", "role": "admin"}, jar=alice),
            post(s, "/admin/impersonate-user", {"userId": "x"}, jar=alice),
            post(s, "/admin/remove-user", {"userId": "x"}, jar=alice),
            post(s, "/admin/revoke-user-sessions", {"userId": "x"}, jar=alice),
            post(s, "/admin/has-permission", {"permissions": {"user": ["list"]}}, jar=alice),
            post(s, "/admin/has-permission", {"permission": {"user": ["list"]}}, jar=alice),
            post(s, "/admin/has-permission", {}, jar=alice),
            post(s, "/admin/stop-impersonating", jar=alice),
        ]

    admin_pair.check("admin: refusals", scenario)


def test_admin_user_management(admin_pair: Pair) -> None:
    carol = admin_pair.email("carol")

    def scenario(s: Side) -> list[httpx.Response]:
        boss = s.jars["boss"]
        created = post(s, "/admin/create-user", {"email": carol, "password": PASSWORD, "name": "Carol"}, jar=boss)
        assert created.status_code == 200, created.text
        carol_id = created.json()["user"]["id"]
        return [
            created,
            post(s, "/admin/create-user", {"email": carol, "password": PASSWORD, "name": "Carol"}, jar=boss),
            post(s, "/admin/create-user", {"email": "nope", "name": "N"}, jar=boss),
            s.get("/admin/list-users", params={"filterField": "email", "filterValue": carol, "limit": "5"}, jar=boss),
            s.get("/admin/list-users", params={"searchField": "role"}, jar=boss),
            s.get("/admin/get-user", params={"id": carol_id}, jar=boss),
            s.get("/admin/get-user", params={"id": "nobody"}, jar=boss),
            post(s, "/admin/set-role", {"userId": carol_id, "role": ["user", "admin"]}, jar=boss),
            post(s, "/admin/update-user", {"userId": carol_id, "data": {"name": "Carol B", "role": "user"}}, jar=boss),
            post(s, "/admin/update-user", {"userId": carol_id, "data": {}}, jar=boss),
            post(s, "/admin/set-user-password", {"userId": carol_id, "newPassword": "short"}, jar=boss),
            post(s, "/admin/set-user-password", {"userId": carol_id, "newPassword": "another-long-one"}, jar=boss),
            post(s, "/admin/list-user-sessions", {"userId": carol_id}, jar=boss),
            post(s, "/admin/has-permission", {"permissions": {"user": ["ban"]}}, jar=boss),
            post(s, "/admin/remove-user", {"userId": carol_id}, jar=boss),
            post(s, "/admin/remove-user", {"userId": carol_id}, jar=boss),
        ]

    admin_pair.check("admin: user management", scenario)


def test_ban_refuses_sign_in_until_unbanned(admin_pair: Pair) -> None:
    dave = admin_pair.email("dave")

    def scenario(s: Side) -> list[httpx.Response]:
        boss = s.jars["boss"]
        jar = s.sign_up(dave, "Dave")
        dave_id = user_id(s, dave)
        return [
            post(s, "/admin/ban-user", {"userId": dave_id, "banReason": "spam"}, jar=boss),
            s.get("/get-session", jar=jar),
            post(s, "/sign-in/email", {"email": dave, "password": PASSWORD}),
            post(s, "/admin/ban-user", {"userId": user_id(s, admin_pair.email("boss"))}, jar=boss),
            post(s, "/admin/unban-user", {"userId": dave_id}, jar=boss),
            post(s, "/sign-in/email", {"email": dave, "password": PASSWORD}),
        ]

    admin_pair.check("admin: ban", scenario)


def test_impersonation_round_trip(admin_pair: Pair) -> None:
    erin = admin_pair.email("erin")

    def scenario(s: Side) -> list[httpx.Response]:
        s.sign_up(erin, "Erin")
        boss = s.sign_in(admin_pair.email("boss"))
        started = post(s, "/admin/impersonate-user", {"userId": user_id(s, erin)}, jar=boss)
        jar = dict(boss)
        for line in started.headers.get_list("set-cookie"):
            name, _, rest = line.split(";", 1)[0].partition("=")
            if rest and "max-age=0" not in line.lower():
                jar[name] = rest
            else:
                jar.pop(name, None)
        return [
            started,
            s.get("/get-session", jar=jar),
            post(s, "/admin/impersonate-user", {"userId": user_id(s, admin_pair.email("boss"))}, jar=boss),
            post(s, "/admin/stop-impersonating", jar=jar),
        ]

    admin_pair.check("admin: impersonation", scenario)
