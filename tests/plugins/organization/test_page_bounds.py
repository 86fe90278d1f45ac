"""Page sizes and offsets beyond what a statement can carry: the largest page, never a 500 (PostgreSQL and MySQL
refused them; ``int()`` refused a ``membersLimit`` of ``²`` or of more than 4,300 digits on every backend)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.plugins.organization.conftest import MakeWorld

HUGE = "99999999999999999999"


@pytest.mark.parametrize("members_limit", [HUGE, "9" * 5000, "\u00b2", "3e9", "-5"])
async def test_full_organization_with_any_members_limit_lists_its_members(
    make_world: MakeWorld, members_limit: str
) -> None:
    w = await make_world()
    org = await w.org()
    await w.join(org["id"], w.bob_id)
    query = f"organizationId={org['id']}&membersLimit={quote(members_limit)}"
    r = await w.alice.get("/organization/get-full-organization", query=query)
    assert r.status == 200, r.body
    assert len(r.json_body()["members"]) == 2


@pytest.mark.parametrize(("query", "listed"), [(f"limit={HUGE}", 2), (f"offset={HUGE}", 0), ("limit=3e9&offset=1", 1)])
async def test_list_members_with_a_huge_page_bound_answers_the_largest_page(
    make_world: MakeWorld, query: str, listed: int
) -> None:
    w = await make_world()
    org = await w.org()
    await w.join(org["id"], w.bob_id)
    r = await w.alice.get("/organization/list-members", query=f"organizationId={org['id']}&{query}")
    assert r.status == 200, r.body
    assert (len(r.json_body()["members"]), r.json_body()["total"]) == (listed, 2)
