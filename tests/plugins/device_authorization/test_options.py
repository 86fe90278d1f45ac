"""The plugin's options, its schema, and bad input: every refusal a clear 4xx with a stable error, nothing
written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tessera import ConfigError
from tessera.adapters.sqlalchemy.migrate import generate_sql
from tessera.plugins.device_authorization import device_authorization, normalize_user_code
from tests._helpers import BASE, make_auth

from .conftest import GRANT_TYPE, MakeWorld

FORM = "application/x-www-form-urlencoded"


def error(r: Any) -> tuple[int, str, str]:
    body = r.json_body()
    return r.status, body.get("error") or body.get("code"), body.get("error_description") or body.get("message")


async def test_options_shape_the_codes(make_memory_world: MakeWorld) -> None:
    seen: list[tuple[str, str | None]] = []

    async def on_request(client_id: str, scope: str | None) -> None:
        seen.append((client_id, scope))

    world = await make_memory_world(
        expires_in=600, interval="1.5s", device_code_length=64, user_code_length=12,
        verification_uri="https://example.com/activate?lang=en", on_device_auth_request=on_request,
    )
    codes = await world.codes()
    assert len(codes["device_code"]) == 64 and len(codes["user_code"]) == 12
    assert codes["expires_in"] == 600 and codes["interval"] == 1
    assert codes["verification_uri"] == "https://example.com/activate?lang=en"
    assert codes["verification_uri_complete"] == f"https://example.com/activate?lang=en&user_code={codes['user_code']}"
    assert seen == [("my-cli", None)]
    [row] = await world.rows()
    assert row["pollingInterval"] == 1500


async def test_relative_verification_uri(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(verification_uri="/activate")
    codes = await world.codes()
    assert codes["verification_uri"] == f"{BASE}/activate"


async def test_custom_generators(make_world: MakeWorld) -> None:
    counter = iter(range(100))

    async def user_code() -> str:
        return f"word-{next(counter)}"

    world = await make_world(generate_device_code=lambda: "d" * 50, generate_user_code=user_code)
    codes = await world.codes()
    assert codes == {**codes, "device_code": "d" * 50, "user_code": "word-0"}
    # custom codes are matched as they are: no normalisation
    alice = await world.person()
    assert (await world.verify(alice, "word-0")).status == 200
    assert error(await world.verify(alice, "WORD0"))[1] == "invalid_request"
    # MySQL's collation matches it case-insensitively; the exact comparison after the lookup does not
    assert error(await world.verify(alice, "WORD-0"))[1] == "invalid_request"
    # the same device code again: three fresh draws collide, then a clear server_error, nothing written
    r = await world.device().post("/device/code", {"client_id": "my-cli"})
    assert error(r) == (500, "server_error", "Failed to generate a unique device code")
    assert len(await world.rows()) == 1


@pytest.mark.parametrize(("generated", "message"), [
    (42, "Generated user code must be a string"),
    ("x" * 192, "Generated user code must be at most 191 characters"),
])
async def test_bad_generated_codes(make_memory_world: MakeWorld, generated: Any, message: str) -> None:
    world = await make_memory_world(generate_user_code=lambda: generated)
    r = await world.device().post("/device/code", {"client_id": "my-cli"})
    assert error(r) == (400, "invalid_request", message)
    assert await world.rows() == []


@pytest.mark.parametrize("options", [
    {"expires_in": "soon"}, {"interval": "0s"}, {"interval": -1}, {"expires_in": True},
    {"user_code_length": 0}, {"device_code_length": 192}, {"user_code_length": 8.5},
    {"validate_client": "yes"}, {"verification_uri": 5}, {"no_such_option": 1},
    {"schema": {"user": {}}}, {"schema": {"deviceCode": {"fields": {"nope": "x"}}}},
    {"schema": {"deviceCode": {"modelName": ""}}},
])
def test_bad_options(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        device_authorization(**options)


def test_generate_emits_the_table_and_its_indexes() -> None:
    sql = generate_sql(make_auth(plugins=[device_authorization()]).schema, "postgresql")
    assert 'CREATE TABLE "deviceCode"' in sql
    assert 'CREATE UNIQUE INDEX "deviceCode_deviceCode_uidx" ON "deviceCode" ("deviceCode");' in sql
    assert 'CREATE UNIQUE INDEX "deviceCode_userCode_uidx" ON "deviceCode" ("userCode");' in sql
    renamed = device_authorization(schema={"deviceCode": {"modelName": "device_codes",
                                                          "fields": {"userCode": "user_code"}}})
    sql = generate_sql(make_auth(plugins=[renamed]).schema, "postgresql")
    assert 'CREATE TABLE device_codes' in sql and "user_code" in sql


async def test_renamed_table_works(make_world: MakeWorld) -> None:
    world = await make_world(schema={"deviceCode": {"modelName": "device_codes", "fields": {"userCode": "user_code"}}})
    codes = await world.codes()
    await world.approved(await world.person(), codes["user_code"])
    world.clock.advance(5)
    assert (await world.poll(codes["device_code"])).status == 200


def test_user_code_normalisation() -> None:
    assert normalize_user_code("abcd-efgh") == "ABCDEFGH"
    assert normalize_user_code(" ab cd\tef_gh ") == "ABCDEFGH"


async def test_form_bodies(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world()
    device = world.device()
    r = await device.post("/device/code", raw=b"client_id=tv&scope=a+b", content_type=FORM)
    assert r.status == 200
    [row] = await world.rows()
    assert (row["clientId"], row["scope"]) == ("tv", "a b")
    r = await device.post("/device/code", raw=b"client_id=a&client_id=b", content_type=FORM)
    assert error(r) == (400, "invalid_request", "client_id must not be repeated")
    r = await device.post("/device/code", raw=b"client_id=&client_id=tv", content_type=FORM)
    assert r.status == 200
    r = await device.post("/device/code", raw=b"client_id=tv&user_id=a&user_id=b", content_type=FORM)
    assert error(r) == (400, "invalid_request", "user_id must not be repeated")
    assert len(await world.rows()) == 2


def bad_bodies() -> Iterator[tuple[str, Any, int, str]]:
    yield "/device/code", None, 400, "invalid_request"
    yield "/device/code", [], 400, "invalid_request"
    yield "/device/code", {"client_id": None}, 400, "invalid_request"
    yield "/device/code", {"client_id": ["a"]}, 400, "invalid_request"
    yield "/device/code", {"client_id": "a\x00b"}, 400, "invalid_request"
    yield "/device/code", {"client_id": "tv", "user_id": 3}, 400, "invalid_request"
    yield "/device/code", {"client_id": "x" * 70_000}, 400, "invalid_request"
    yield "/device/code", {"client_id": "tv", "scope": "s" * 70_000}, 400, "invalid_request"
    yield "/device/code", {"client_id": "tv", "user_id": "u" * 70_000}, 400, "invalid_request"
    yield "/device/token", {"grant_type": GRANT_TYPE, "device_code": {}, "client_id": "tv"}, 400, "VALIDATION_ERROR"
    yield "/device/token", {"grant_type": None, "device_code": "x", "client_id": "tv"}, 400, "VALIDATION_ERROR"
    yield "/device/token", {"grant_type": GRANT_TYPE, "device_code": "x" * 5000, "client_id": "tv"}, 400, \
        "invalid_grant"
    yield "/device/token", {"grant_type": GRANT_TYPE, "device_code": "é\u202e", "client_id": "tv"}, 400, \
        "invalid_grant"
    yield "/device/approve", {"userCode": 5}, 400, "VALIDATION_ERROR"
    yield "/device/approve", {"userCode": "x" * 5000}, 401, "unauthorized"
    yield "/device/deny", [], 400, "VALIDATION_ERROR"


@pytest.mark.parametrize(("path", "body", "status", "code"), list(bad_bodies()))
async def test_bad_input_is_a_clear_4xx(make_world: MakeWorld, path: str, body: Any, status: int,
                                        code: str) -> None:
    world = await make_world()
    raw = b"" if body is None else None
    r = await world.device().post(path, body, raw=raw)
    assert (r.status, error(r)[1]) == (status, code), r.body
    assert await world.rows() == []


@pytest.mark.parametrize("user_code", ["x" * 5000, "é\u202e-ünïcode", "%00", "ABCD EFGH", "*", "' OR 1=1 --"])
async def test_odd_user_codes_are_refused(make_world: MakeWorld, user_code: str) -> None:
    world = await make_world()
    await world.codes()
    alice = await world.person()
    r = await world.verify(alice, user_code)
    assert error(r) == (400, "invalid_request", "Invalid user code")
    r = await alice.post("/device/approve", {"userCode": user_code})
    assert error(r) == (400, "invalid_request", "Invalid user code")
    [row] = await world.rows()
    assert row["userId"] is None


async def test_user_code_lookups_are_rate_limited_not_polling(make_memory_world: MakeWorld) -> None:
    """Better Auth's rule: 5 ``GET /device`` per expiry window (guessing user codes); the rule holds for that
    path only, so a device polling ``/device/token`` every interval is never stopped by it."""
    world = await make_memory_world(auth_options={"rate_limit": {"enabled": True}})
    device = world.device()
    lookups = [(await device.get("/device", query="user_code=ABCDEFGH")).status for _ in range(6)]
    assert lookups == [400] * 5 + [429]
    codes = await world.codes()
    for _ in range(8):
        world.clock.advance(5)
        assert error(await world.poll(codes["device_code"]))[1] == "authorization_pending"
