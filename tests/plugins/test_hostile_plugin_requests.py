"""Hostile requests against every route of the admin, two-factor, organization and passkey plugins.

The standard and the machinery are those of tests/api/test_hostile_requests.py: never a 5xx, never an ERROR log,
a 4xx carries a ``code``, and a rejected write changes no row. What this module adds is a stage on which plugin
endpoints get past their first checks: the victim is an admin, owns an organization with a team, another member
and a pending invitation, and requests name those rows (``Known``) as often as they name made-up ones. Whatever
a successful request changed (a role, a removed member, a deleted organization) is put back before the next.

The memory run covers every plugin route; the SQLite and PostgreSQL runs send hostile bodies to each plugin
endpoint that writes, with the transport a browser's.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tessera import Tessera
from tessera.db.adapter import Where
from tessera.plugins.admin import admin
from tessera.plugins.bearer import bearer
from tessera.plugins.organization import organization
from tessera.plugins.passkey import passkey
from tessera.plugins.two_factor import two_factor
from tests._helpers import Client, make_auth
from tests.api.test_hostile_requests import (
    CODELESS_MESSAGES,
    EMAIL,
    EXAMPLES_PER_WRITE,
    FUZZ,
    PASSWORD,
    SCALE,
    ErrorLog,
    Known,
    Routes,
    Session,
    _migrated,
    app_options,
    database_url,
    error_log,
)

__all__ = ["database_url", "error_log"]  # fixtures, used by name

PREFIXES = ("/admin/", "/two-factor/", "/organization/", "/passkey/")
SLUG = "victim-org"
TARGET = "target@example.com"
INVITEE = "invitee@example.com"
EXAMPLES = int(300 * SCALE)
EXAMPLES_PER_ROUTE = int(10 * SCALE)
# Better Auth's plugins answer these with a message and no code
PLUGIN_CODELESS_MESSAGES = frozenset({
    "You are not impersonating anyone", "invalid permission check. no permission(s) were passed.",
    "user id or role is required", "user not found", "Teams are not enabled", "Organization ID is required",
    "User email cannot be passed for client side API calls.", "Missing session headers, or email query parameter.",
    "You are not a member of this organization", "Failed to verify backup code. Please try again.",
})


def plugin_app(**options: Any) -> Tessera:
    core = app_options()
    user = core["user"]  # the admin plugin declares ``role`` itself
    user["additional_fields"] = [f for f in user["additional_fields"] if f.name != "role"]
    core["plugins"] = [bearer(), admin(), two_factor(otp={"send_otp": lambda data, ctx: None}),
                       organization(teams={"enabled": True}), passkey()]
    return make_auth(**core, **options)


class Stage(Session):
    """The victim as an admin and an organization's owner, and the rows plugin requests name."""

    codeless = CODELESS_MESSAGES | PLUGIN_CODELESS_MESSAGES

    def __init__(self, auth: Tessera) -> None:
        super().__init__(auth)
        self.table = Routes(r for r in self.table if r[1].startswith(PREFIXES))

    async def prepare(self) -> Known:
        auth, victim, find = self.auth, self.victim, self.auth.adapter.find_one
        for email in (EMAIL, TARGET):  # else signing in again stops at the second factor, or at the ban
            user = await find("user", [Where("email", email)])
            if user is not None and (user.get("twoFactorEnabled") or user.get("banned")):
                await auth.context.store.update_user(user["id"], {"twoFactorEnabled": False, "banned": False})
        await super().prepare()
        if (await find("user", [Where("id", victim.user["id"])]) or {}).get("role") != "admin":
            await auth.context.store.update_user(victim.user["id"], {"role": "admin"})
        owner = Client(auth)
        owner.cookies = dict(victim.cookies)
        target = await find("user", [Where("email", TARGET)])
        if target is None or not await find("session", [Where("userId", target["id"])]):
            if target is not None:  # set-user-password may have changed it
                hashed = await auth.context.email_and_password.password.hash(PASSWORD)
                await auth.context.store.set_password(target["id"], hashed)
            r = await (Client(auth).sign_up(TARGET) if target is None else Client(auth).sign_in(TARGET))
            assert r.status == 200, r.body
            target = await find("user", [Where("email", TARGET)])
            assert target is not None
        org = await find("organization", [Where("slug", SLUG)])
        if org is None:
            r = await owner.post("/organization/create", {"name": "Victim Org", "slug": SLUG})
            assert r.status == 200, r.body
            org = r.json_body()
        elif not await find("member", [Where("organizationId", org["id"]), Where("userId", victim.user["id"])]):
            await auth.api.add_member(body={"userId": victim.user["id"], "role": "owner", "organizationId": org["id"]})
        member = await find("member", [Where("organizationId", org["id"]), Where("userId", target["id"])])
        if member is None:
            member = await auth.api.add_member(body={"userId": target["id"], "role": "member", "organizationId": org["id"]})
        team = await find("team", [Where("organizationId", org["id"])])
        if team is None:
            r = await owner.post("/organization/create-team", {"name": "Team", "organizationId": org["id"]})
            assert r.status == 200, r.body
            team = r.json_body()
        invitation = await find("invitation", [Where("email", INVITEE), Where("status", "pending")])
        if invitation is None:
            r = await owner.post("/organization/invite-member", {"email": INVITEE, "role": "member",
                                                                  "organizationId": org["id"]})
            assert r.status == 200, r.body
            invitation = r.json_body()
        token = auth.context.signer.unsign(victim.cookies[auth.context.cookies.session_token])
        session = await find("session", [Where("token", token)])
        if session is not None and session.get("activeOrganizationId") != org["id"]:
            r = await owner.post("/organization/set-active", {"organizationId": org["id"]})
            assert r.status == 200, r.body
            victim.cookies.update(owner.cookies)
        sessions = await auth.context.store.list_sessions(target["id"])
        return {
            "userId": [target["id"], victim.user["id"]], "id": [target["id"]], "organizationId": [org["id"]],
            "organizationSlug": [SLUG], "slug": [SLUG], "teamId": [team["id"]], "invitationId": [invitation["id"]],
            "memberIdOrEmail": [member["id"], TARGET], "memberId": [member["id"]], "role": ["member", "admin", "user"],
            "sessionToken": [s["token"] for s in sessions[:1]], "email": [INVITEE, TARGET],
        }


def fuzz(stage: Stage, errors: ErrorLog, examples: int, route: Routes | None = None, deep: bool = False) -> None:
    @settings(max_examples=examples, **FUZZ)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        stage.check(data, errors, route, deep)

    run()


def test_no_plugin_route_answers_hostile_input_with_a_5xx(error_log: ErrorLog) -> None:
    stage = Stage(plugin_app())
    assert {p.rstrip("/") for p in PREFIXES} <= {"/" + path.split("/")[1] for _, path, _ in stage.table}
    try:
        fuzz(stage, error_log, EXAMPLES)
        for route in stage.table:  # each route also gets bodies that reach past its transport checks
            fuzz(stage, error_log, EXAMPLES_PER_ROUTE, Routes([route]), deep=True)
    finally:
        stage.close()


def test_rejected_plugin_writes_leave_no_partial_rows(database_url: str, error_log: ErrorLog) -> None:
    stage = Stage(plugin_app(database=database_url))
    stage.run(_migrated(database_url, stage.auth))
    try:
        for route in stage.table:
            if route[0] == "POST":
                fuzz(stage, error_log, EXAMPLES_PER_WRITE, Routes([route]), deep=True)
    finally:
        stage.close()
