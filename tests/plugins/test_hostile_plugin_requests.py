"""Hostile requests against every route of the admin, two-factor, organization, passkey, email-OTP, username,
one-time-token, one-tap, oauth-proxy, phone-number and open-api plugins (with the last-login-method and
custom-session plugins' hooks running on all of them), and the social routes serving generic OAuth providers.

The standard and the machinery are those of tests/api/test_hostile_requests.py: never a 5xx, never an ERROR log,
a 4xx carries a ``code``, and a rejected write changes no row. What this module adds is a stage on which plugin
endpoints get past their first checks: the victim is an admin, holds a passkey, owns an organization with a team,
a stored role, another member and a pending invitation, and requests name those rows (``Known``) as often as they
name made-up ones. Whatever a successful request changed (a role, a ban, a removed member, a deleted organization)
is put back before the next.

The memory run covers every plugin route, with any transport and then with a browser's; the SQLite, PostgreSQL
and MySQL runs send hostile bodies and queries, the transport a browser's, to each plugin endpoint that writes or
reads with a query. ``TESSERA_FUZZ_SCALE`` and ``TESSERA_FUZZ_RANDOM`` explore further, as for the core's.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessera import Tessera
from tessera.db.adapter import Where
from tessera.plugins.admin import admin
from tessera.plugins.bearer import bearer
from tessera.plugins.custom_session import custom_session
from tessera.plugins.email_otp import email_otp
from tessera.plugins.generic_oauth import generic_oauth
from tessera.plugins.last_login_method import last_login_method
from tessera.plugins.oauth_proxy import oauth_proxy
from tessera.plugins.one_tap import one_tap
from tessera.plugins.one_time_token import one_time_token
from tessera.plugins.open_api import open_api
from tessera.plugins.organization import DEFAULT_AC, organization
from tessera.plugins.passkey import passkey
from tessera.plugins.phone_number import phone_number
from tessera.plugins.siwe import siwe
from tessera.plugins.two_factor import two_factor
from tessera.plugins.username import username
from tests._helpers import BASE, Client, make_auth
from tests.api.test_hostile_requests import (
    CODELESS_MESSAGES,
    DEAD,
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
    error_log,
)
from tests.plugins.passkey.authenticator import SoftAuthenticator

__all__ = ["error_log"]  # a fixture, used by name

PREFIXES = ("/admin/", "/two-factor/", "/organization/", "/passkey/",
            "/email-otp/", "/sign-in/email-otp", "/forget-password/email-otp",
            "/sign-in/username", "/is-username-available",
            "/one-time-token/", "/phone-number/", "/sign-in/phone-number", "/one-tap/",
            "/oauth-proxy-callback", "/callback/:id/oauth-proxy", "/open-api/", "/reference",
            # generic OAuth has no routes of its own: its providers are served by these
            "/sign-in/social", "/callback/", "/link-social",
            "/siwe/")
#: generic OAuth providers whose endpoints are dead, and one without an authorization URL
GENERIC_OAUTH = [
    {"provider_id": "generic", "client_id": "g", "client_secret": "s", "authorization_url": f"{DEAD}/authorize",
     "token_url": f"{DEAD}/token", "user_info_url": f"{DEAD}/userinfo"},
    {"provider_id": "half", "client_id": "g", "token_url": f"{DEAD}/token"},
]
SLUG = "victim-org"
TARGET = "target@example.com"
INVITEE = "invitee@example.com"
ROLE = "helper"  # a role the victim's organization stores (dynamic access control)
EXAMPLES = int(300 * SCALE)
EXAMPLES_PER_ROUTE = int(10 * SCALE)
# Better Auth's plugins answer these with a message and no code
PLUGIN_CODELESS_MESSAGES = frozenset({
    "You are not impersonating anyone", "invalid permission check. no permission(s) were passed.",
    "user id or role is required", "user not found", "Teams are not enabled", "Organization ID is required",
    "User email cannot be passed for client side API calls.", "Missing session headers, or email query parameter.",
    "You are not a member of this organization", "Failed to verify backup code. Please try again.",
    "User not found", "Not authenticated",
    "Invalid OTP type", "Change email with OTP is disabled", "Email is the same",
    "Unauthorized: Invalid SIWE signature", "Something went wrong. Please try again later.",
})


def plugin_app(**options: Any) -> Tessera:
    core = app_options()
    user = core["user"]  # the admin plugin declares ``role`` itself
    user["additional_fields"] = [f for f in user["additional_fields"] if f.name != "role"]
    core["plugins"] = [bearer(), admin(), two_factor(otp={"send_otp": lambda data, ctx: None}),
                       organization(teams={"enabled": True}, ac=DEFAULT_AC, dynamic_access_control={"enabled": True}),
                       passkey(),
                       email_otp(send_verification_otp=lambda data, ctx: None), username(),
                       one_time_token(), one_tap(client_id="fuzz.apps.googleusercontent.com"),
                       oauth_proxy(production_url="https://prod.example"),
                       last_login_method(store_in_database=True),
                       custom_session(lambda data, ctx: {**data, "custom": True}),
                       phone_number(send_otp=lambda data, ctx: None,
                                    sign_up_on_verification={"get_temp_email": lambda p: f"{p[-8:]}@phone.test"}),
                       generic_oauth(config=GENERIC_OAUTH), open_api(),
                       siwe(domain="localhost:3000", get_nonce=lambda: secrets.token_hex(8),
                            verify_message=lambda **_: False)]
    return make_auth(**core, **options)


class Stage(Session):
    """The victim as an admin and an organization's owner, and the rows plugin requests name."""

    codeless = CODELESS_MESSAGES | PLUGIN_CODELESS_MESSAGES

    def __init__(self, auth: Tessera) -> None:
        super().__init__(auth)
        self.table = Routes(r for r in self.table if r[1].startswith(PREFIXES))

    async def prepare(self) -> Known:
        auth, victim = self.auth, self.victim
        for email in (EMAIL, TARGET):  # else signing in again stops at the second factor, or at the ban
            user = await self.find("user", email=email)
            if user is not None and (user.get("twoFactorEnabled") or user.get("banned")):
                await auth.context.store.update_user(user["id"], {"twoFactorEnabled": False, "banned": False})
        await super().prepare()
        if (await self.find("user", id=victim.user["id"]) or {}).get("role") != "admin":
            await auth.context.store.update_user(victim.user["id"], {"role": "admin"})
        owner = Client(auth)
        owner.cookies = dict(victim.cookies)
        target = await self.target()
        org = await self.organization(owner)
        member = await self.find("member", organizationId=org["id"], userId=target["id"])
        if member is None:
            member = await auth.api.add_member(body={"userId": target["id"], "role": "member", "organizationId": org["id"]})
        team = await self.find("team", organizationId=org["id"]) or await self.created(
            owner, "/organization/create-team", {"name": "Team", "organizationId": org["id"]})
        invitation = await self.find("invitation", email=INVITEE, status="pending") or await self.created(
            owner, "/organization/invite-member", {"email": INVITEE, "role": "member", "organizationId": org["id"]})
        role = await self.find("organizationRole", organizationId=org["id"], role=ROLE) or (await self.created(
            owner, "/organization/create-role", {"role": ROLE, "permission": {"member": ["create"]},
                                                 "organizationId": org["id"]}))["roleData"]
        key = await self.find("passkey", userId=victim.user["id"]) or await self.passkey(owner)
        sessions = await auth.context.store.list_sessions(target["id"])
        return {
            "userId": [target["id"], victim.user["id"]], "id": [target["id"], key["id"]],
            "organizationId": [org["id"]], "organizationSlug": [SLUG], "slug": [SLUG], "teamId": [team["id"]],
            "invitationId": [invitation["id"]], "memberIdOrEmail": [member["id"], TARGET], "memberId": [member["id"]],
            "role": ["member", "admin", "user", ROLE], "roleName": [ROLE, "admin"], "roleId": [role["id"]],
            "sessionToken": [s["token"] for s in sessions[:1]],
            "email": [INVITEE, TARGET],
            "provider": ["generic", "half"],
        }

    async def find(self, model: str, **equal: Any) -> dict[str, Any] | None:
        return await self.auth.adapter.find_one(model, [Where(k, v) for k, v in equal.items()])

    @staticmethod
    async def created(client: Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await client.post(path, body)
        assert r.status == 200, r.body
        row: dict[str, Any] = r.json_body()
        return row

    async def target(self) -> dict[str, Any]:
        """Another user, with a session: what admin endpoints act on."""
        auth = self.auth
        target = await self.find("user", email=TARGET)
        if target is None or not await self.find("session", userId=target["id"]):
            if target is not None:  # set-user-password may have changed it
                hashed = await auth.context.email_and_password.password.hash(PASSWORD)
                await auth.context.store.set_password(target["id"], hashed)
            r = await (Client(auth).sign_up(TARGET) if target is None else Client(auth).sign_in(TARGET))
            assert r.status == 200, r.body
            target = await self.find("user", email=TARGET)
            assert target is not None
        return target

    async def organization(self, owner: Client) -> dict[str, Any]:
        """The victim's organization, active in their session, with them as a member."""
        victim_id = self.victim.user["id"]
        org = await self.find("organization", slug=SLUG)
        if org is None:
            org = await self.created(owner, "/organization/create", {"name": "Victim Org", "slug": SLUG})
        elif not await self.find("member", organizationId=org["id"], userId=victim_id):
            await self.auth.api.add_member(body={"userId": victim_id, "role": "owner", "organizationId": org["id"]})
        names = self.auth.context.cookies
        session = await self.find("session", token=self.auth.context.signer.unsign(owner.cookies[names.session_token]))
        if session is not None and session.get("activeOrganizationId") != org["id"]:
            await self.created(owner, "/organization/set-active", {"organizationId": org["id"]})
            self.victim.cookies.update(owner.cookies)
        return org

    async def passkey(self, owner: Client) -> dict[str, Any]:
        device = SoftAuthenticator(origin=BASE, rp_id="127.0.0.1")
        r = await owner.get("/passkey/generate-register-options")
        assert r.status == 200, r.body
        return await self.created(owner, "/passkey/verify-registration", {"response": device.register(r.json_body())})


def fuzz(stage: Session, errors: ErrorLog, examples: int, route: Routes | None = None, deep: bool = False) -> None:
    @settings(max_examples=examples, **FUZZ)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        stage.check(data, errors, route, deep)

    run()


def test_no_plugin_route_answers_hostile_input_with_a_5xx(error_log: ErrorLog) -> None:
    stage = Stage(plugin_app())
    assert all(any(path.startswith(p) for _, path, _ in stage.table) for p in PREFIXES)
    try:
        fuzz(stage, error_log, EXAMPLES)
        for route in stage.table:  # each route also gets bodies that reach past its transport checks
            fuzz(stage, error_log, EXAMPLES_PER_ROUTE, Routes([route]), deep=True)
    finally:
        stage.close()


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """MySQL too: its ``TEXT`` and ``VARCHAR`` limits are where a plugin's unchecked write fails."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fuzz.db'}"
    server = request.getfixturevalue(f"{request.param}_server")
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(server.create())
    finally:
        loop.close()


def test_rejected_plugin_writes_leave_no_partial_rows(database_url: str, error_log: ErrorLog) -> None:
    stage = Stage(plugin_app(database=database_url))
    stage.run(_migrated(database_url, stage.auth))
    try:
        for route in stage.table:  # the writes, and the reads whose query reaches a statement
            if route[0] == "POST" or route[2].query is not None:
                fuzz(stage, error_log, EXAMPLES_PER_WRITE, Routes([route]), deep=True)
    finally:
        stage.close()
