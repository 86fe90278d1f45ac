"""Malformed input to every organization endpoint answers 4xx with a stable code, never 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.organization.conftest import MakeWorld

POSTS: list[tuple[str, Any]] = [
    ("/organization/create", {"name": 1, "slug": "x"}),
    ("/organization/create", {"name": "N", "slug": "x", "keepCurrentActiveOrganization": "yes"}),
    ("/organization/create", ["not", "an", "object"]),
    ("/organization/check-slug", {"slug": None}),
    ("/organization/update", {"data": "x"}),
    ("/organization/update", {"data": {"slug": 5}}),
    ("/organization/delete", {}),
    ("/organization/set-active", {"organizationId": 5}),
    ("/organization/remove-member", {"memberIdOrEmail": ["a"]}),
    ("/organization/update-member-role", {"memberId": "m", "role": {"admin": True}}),
    ("/organization/update-member-role", {"role": "admin"}),
    ("/organization/leave", {"organizationId": None}),
    ("/organization/invite-member", {"email": 5, "role": "member"}),
    ("/organization/invite-member", {"email": "a@example.com", "role": [1]}),
    ("/organization/accept-invitation", {"invitationId": 5}),
    ("/organization/reject-invitation", {}),
    ("/organization/cancel-invitation", {"invitationId": None}),
    ("/organization/has-permission", {"permissions": {"member": "create"}}),
    ("/organization/has-permission", {"permissions": {}, "permission": {}}),
]
GETS: list[tuple[str, str]] = [
    ("/organization/get-invitation", ""),
    ("/organization/list-members", "sortDirection=up"),
    ("/organization/list-members", "filterOperator=regex&filterField=role&filterValue=x"),
    ("/organization/list-members", "sortBy=nope"),
]


@pytest.mark.parametrize(("path", "body"), POSTS)
async def test_bad_bodies(make_memory_world: MakeWorld, path: str, body: Any) -> None:
    w = await make_memory_world()
    await w.org("acme")
    r = await w.alice.post(path, body)
    assert r.status == 400, (path, r.body)
    assert r.json_body()["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(("path", "query"), GETS)
async def test_bad_queries(make_memory_world: MakeWorld, path: str, query: str) -> None:
    w = await make_memory_world()
    await w.org("acme")
    r = await w.alice.get(path, query=query)
    assert r.status == 400, (path, r.body)
    assert r.json_body()["code"] == "VALIDATION_ERROR"


async def test_not_json_and_unknown_ids(make_memory_world: MakeWorld) -> None:
    w = await make_memory_world()
    org = await w.org("acme")
    r = await w.alice.post("/organization/create", raw=b"{not json", content_type="application/json")
    assert 400 <= r.status < 500
    for path, body, expected in [
        ("/organization/accept-invitation", {"invitationId": "x" * 500}, "INVITATION_NOT_FOUND"),
        ("/organization/remove-member", {"memberIdOrEmail": "ghost@example.com"}, "MEMBER_NOT_FOUND"),
        ("/organization/set-active", {"organizationId": "' or 1=1 --"}, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION"),
        ("/organization/leave", {"organizationId": org["id"] + "x"}, "MEMBER_NOT_FOUND"),
    ]:
        r = await w.alice.post(path, body)
        assert 400 <= r.status < 500 and r.json_body()["code"] == expected, (path, r.body)
