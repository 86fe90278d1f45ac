"""Differential cases with ``organizationHooks`` and ``invitationLimit`` on both servers (the
``organizationHooks`` variant of each): a before hook changing what is written or refusing it, an after hook
failing after the write, and the invitation limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import Pair, Side
from test_differential_organization import post, with_bob_and_carol


@pytest.fixture(scope="session")
def hooks_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with with_bob_and_carol(tmp_path_factory, reference_node, postgres_admin_url, "organizationHooks") as p:
        yield p


def test_hooks_and_invitation_limit(hooks_pair: Pair) -> None:
    run = hooks_pair.run_id
    slug = f"hooked-{run}"
    bob_email, carol_email = hooks_pair.email("bob"), hooks_pair.email("carol")
    answers: dict[str, list[httpx.Response]] = {}

    def scenario(s: Side) -> list[httpx.Response]:
        alice, bob = s.jars["alice"], s.jars["bob"]
        created = post(s, "/organization/create", {"name": "Acme", "slug": slug}, alice)
        assert created.status_code == 200, created.text
        org_id = created.json()["id"]
        bob_invite = post(s, "/organization/invite-member", {"email": bob_email, "role": "admin"}, alice)
        out = [
            created,  # the hook upper-cased the name
            post(s, "/organization/create", {"name": "Refused", "slug": f"refused-{run}"}, alice),
            s.get("/organization/list", jar=alice),
            bob_invite,
            post(s, "/organization/invite-member", {"email": f"blocked-{run}@example.com", "role": "member"}, alice),
            post(s, "/organization/invite-member", {"email": carol_email, "role": "member"}, alice),
            post(s, "/organization/invite-member", {"email": f"third-{run}@example.com", "role": "member"}, alice),
            post(s, "/organization/cancel-invitation", {"invitationId": bob_invite.json()["id"]}, alice),
            post(s, "/organization/accept-invitation", {"invitationId": bob_invite.json()["id"]}, bob),
        ]
        members = s.get("/organization/list-members", params={"organizationId": org_id}, jar=alice).json()["members"]
        bob_member = next(m for m in members if m["user"]["email"] == bob_email)
        keep = post(s, "/organization/create", {"name": "Keep", "slug": f"keep-{run}"}, alice)
        out += [
            post(s, "/organization/update-member-role", {"memberId": bob_member["id"], "role": "admin",
                                                            "organizationId": org_id}, alice),
            post(s, "/organization/update", {"organizationId": org_id, "data": {"name": "After fails"}}, alice),
            s.get("/organization/get-organization", params={"organizationId": org_id}, jar=alice),
            keep,
            post(s, "/organization/delete", {"organizationId": keep.json()["id"]}, alice),
            s.get("/organization/get-organization", params={"organizationId": keep.json()["id"]}, jar=alice),
        ]
        answers[s.name] = out
        return out

    hooks_pair.check("organization: hooks and invitation limit", scenario)
    for side, out in answers.items():  # the scenario did what it means to, on both servers
        codes = [(r.status_code, r.json().get("code") if r.content and r.status_code != 200 else None) for r in out]
        assert codes[1] == codes[4] == codes[7] == codes[10] == codes[13] == (403, "REFUSED_BY_HOOK"), side
        assert codes[6] == (403, "INVITATION_LIMIT_REACHED"), side
        assert out[0].json()["name"] == "ACME" and out[9].json()["role"] == "member", side
        assert out[11].json()["name"] == "After fails" and codes[14][0] == 200, side
