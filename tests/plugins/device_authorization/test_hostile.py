"""Hostile requests against the device-authorization routes, with the machinery of tests/api/test_hostile_requests.py:
never a 5xx, never an ERROR log, a 4xx says what is wrong, a refused request changes no row.

What differs from the shared plugin fuzzing (tests/plugins/test_hostile_plugin_requests.py) is the error shape:
these routes answer RFC 8628's ``{"error", "error_description"}``, as Better Auth does, so a 4xx carries either
that or the usual ``{"message", "code"}``. The stage holds a pending device code claimed by the victim, and the
requests name its codes (``Known``) as often as made-up ones; a code a request approved, denied or spent is
replaced before the next.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tessera import Tessera, _json
from tessera.db.adapter import Where
from tessera.plugins.bearer import bearer
from tessera.plugins.device_authorization import device_authorization
from tests._helpers import Client, make_auth
from tests.api.test_hostile_requests import (
    EXAMPLES_PER_WRITE,
    SCALE,
    Answer,
    ErrorLog,
    Known,
    Routes,
    Session,
    _migrated,
    error_log,
    hostile_requests,
    send_asgi,
    snapshot,
)
from tests.plugins.test_hostile_plugin_requests import database_url, fuzz

__all__ = ["database_url", "error_log"]  # fixtures, used by name

EXAMPLES = int(150 * SCALE)
EXAMPLES_PER_ROUTE = int(10 * SCALE)
CLIENT_ID = "tv-app"


def device_app(**options: Any) -> Tessera:
    return make_auth(plugins=[bearer(), device_authorization(validate_client=lambda c: c == CLIENT_ID)], **options)


class DeviceStage(Session):
    def __init__(self, auth: Tessera) -> None:
        super().__init__(auth)
        self.table = Routes(r for r in self.table if r[1] == "/device" or r[1].startswith("/device/"))

    async def prepare(self) -> Known:
        await super().prepare()
        adapter = self.auth.adapter
        await adapter.delete_many("deviceCode", [Where("status", "pending", "ne")])
        row = await adapter.find_one("deviceCode", [Where("userId", self.victim.user["id"])])
        if row is None:
            r = await Client(self.auth, None).post("/device/code", {"client_id": CLIENT_ID, "scope": "read"})
            assert r.status == 200, r.body
            codes = r.json_body()
            victim = Client(self.auth)
            victim.cookies = dict(self.victim.cookies)
            r = await victim.get("/device", query=f"user_code={codes['user_code']}")
            assert r.status == 200, r.body
            row = await adapter.find_one("deviceCode", [Where("userCode", codes["user_code"])])
            assert row is not None
        return {
            "device_code": [row["deviceCode"]], "user_code": [row["userCode"], row["userCode"].lower()],
            "userCode": [row["userCode"]], "client_id": [CLIENT_ID],
            "grant_type": ["urn:ietf:params:oauth:grant-type:device_code"],
        }

    def check(self, data: st.DataObject, errors: ErrorLog, table: Routes | None = None, deep: bool = False) -> None:
        auth, victim = self.auth, self.victim
        known = self.run(self.prepare())
        req = data.draw(hostile_requests(table or self.table, known, deep))(auth, victim)
        before = self.run(snapshot(auth, victim))
        errors.records.clear()
        answer = self.run(send_asgi(auth, req))
        check_answer(req.describe(), answer, errors)
        if 400 <= answer.status < 500:
            assert self.run(snapshot(auth, victim)) == before, f"a rejected request wrote: {req.describe()}"


def check_answer(where: str, answer: Answer, errors: ErrorLog) -> None:
    assert answer.status < 500, f"{answer.status} {answer.body[:500]!r} for {where}"
    logged = [f"{r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else r.getMessage() for r in errors.records]
    assert not logged, f"logged {logged} for {where}"
    if 400 <= answer.status < 500 and answer.body not in (b"", b"Not Found"):
        data = _json.loads(answer.body)
        assert isinstance(data, dict), f"{answer.body!r} for {where}"
        rfc = isinstance(data.get("error"), str) and isinstance(data.get("error_description"), str)
        usual = isinstance(data.get("code"), str) and isinstance(data.get("message"), str)
        assert rfc or usual, f"{answer.body!r} for {where}"


def test_no_device_route_answers_hostile_input_with_a_5xx(error_log: ErrorLog) -> None:
    stage = DeviceStage(device_app())
    assert {path for _, path, _ in stage.table} == {"/device", "/device/code", "/device/token", "/device/approve",
                                                     "/device/deny"}
    try:
        fuzz(stage, error_log, EXAMPLES)
        for route in stage.table:
            fuzz(stage, error_log, EXAMPLES_PER_ROUTE, Routes([route]), deep=True)
    finally:
        stage.close()


def test_rejected_device_requests_leave_no_rows(database_url: str, error_log: ErrorLog) -> None:
    stage = DeviceStage(device_app(database=database_url))
    stage.run(_migrated(database_url, stage.auth))
    try:
        for route in stage.table:
            fuzz(stage, error_log, EXAMPLES_PER_WRITE, Routes([route]), deep=True)
    finally:
        stage.close()
