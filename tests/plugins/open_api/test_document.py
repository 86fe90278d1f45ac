"""The open-api plugin's document: built for every plugin combination the tests use, valid OpenAPI 3.1, generated
from the routed endpoints (and only them), once per app."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from tessera import Tessera
from tessera.db.schema import Field
from tessera.plugins import open_api as open_api_module
from tessera.plugins.base import Plugin
from tessera.plugins.open_api import OpenAPIPlugin, open_api
from tessera.plugins.open_api.generator import better_auth_operations, openapi_path
from tests._helpers import make_auth

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conformance"))
from tessera_app import make_plugins

#: every plugin variant of the conformance app (tests/conformance/tessera_app.py)
VARIANTS = (
    "bearer", "admin", "anonymous", "twoFactor", "magicLink", "organization", "organizationTeams", "organizationDac",
    "organizationHooks", "emailOTP", "multiSession", "username", "deviceAuthorization", "phoneNumber",
    "customSession", "oneTimeToken", "lastLoginMethod", "lastLoginMethodDb",
)
ORGANIZATIONS = {"organization", "organizationTeams", "organizationDac", "organizationHooks"}
LAST_LOGIN = {"lastLoginMethod", "lastLoginMethodDb"}


def others() -> list[Plugin]:
    """The shipped plugins the conformance app has no variant for."""
    from tessera.plugins.convex import convex
    from tessera.plugins.jwt import jwt
    from tessera.plugins.passkey import passkey

    return [jwt(), passkey(), convex(site_url="https://site.example")]


def everything(organization: str = "organizationTeams") -> list[Plugin]:
    names = [n for n in VARIANTS if n not in ORGANIZATIONS | LAST_LOGIN] + [organization, "lastLoginMethodDb"]
    plugins = make_plugins(names)
    from tessera.plugins.jwt import jwt
    from tessera.plugins.passkey import passkey

    return [*plugins, jwt(), passkey()]


def document(auth: Tessera) -> dict[str, Any]:
    built: dict[str, Any] = auth.context.plugin_state["open-api"].document
    return built


COMBINATIONS = [
    pytest.param([], id="core"),
    *(pytest.param([name], id=name) for name in VARIANTS),
    pytest.param("others", id="jwt,passkey,convex"),
    *(pytest.param(f"all:{org}", id=f"all-shipped-with-{org}") for org in sorted(ORGANIZATIONS)),
]


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_every_combination_builds_a_valid_openapi_31_document(combination: Any) -> None:
    if combination == "others":
        plugins = others()
    elif isinstance(combination, str):
        plugins = everything(combination.split(":", 1)[1])
    else:
        plugins = make_plugins(combination)
    auth = make_auth(plugins=[*plugins, open_api()])
    doc = document(auth)
    validate(doc)  # openapi-spec-validator: the OpenAPI 3.1 schema, $refs, path parameters
    routed = {
        (method.lower(), openapi_path(ep.path))
        for ep in auth.endpoints.values() if not ep.server_only
        for method in ep.methods
    }
    listed = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    # every route but the plugin's own, and nothing that is not routed
    assert listed == {r for r in routed if r[1] not in ("/open-api/generate-schema", "/reference")}
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values() if "operationId" in op]
    assert len(ids) == len(set(ids))
    assert {p.id for p in plugins} <= {"bearer", "last-login-method", "custom-session"} | {
        op["tags"][0].lower() for ops in doc["paths"].values() for op in ops.values()
    }


def test_operations_table_names_only_routes_tessera_serves() -> None:
    """Every ``METHOD /path`` of Better Auth's prose table is a route of the all-plugins app (no stale entry),
    except update-session, which tessera does not serve yet."""
    routes = set()
    for org in sorted(ORGANIZATIONS):
        auth = make_auth(plugins=everything(org))
        routes |= {f"{m} {openapi_path(ep.path)}" for ep in auth.endpoints.values() for m in ep.methods}
    missing = set(better_auth_operations()) - routes
    assert missing == {"POST /update-session"}


def test_built_once_per_app_not_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = open_api_module.generate

    def counting(**kwargs: Any) -> dict[str, Any]:
        calls.append(1)
        return real(**kwargs)

    monkeypatch.setattr(open_api_module, "generate", counting)
    plugin = open_api()
    first, second = make_auth(plugins=[plugin]), make_auth(plugins=[plugin], app_name="Second")
    assert len(calls) == 2  # one per Tessera, at construction
    assert document(first)["info"]["title"] == "Tessera" and document(second)["info"]["title"] == "Second"
    assert isinstance(first.plugin(OpenAPIPlugin), OpenAPIPlugin)


async def test_server_call_returns_a_private_copy() -> None:
    auth = make_auth(plugins=[open_api()])
    doc = await auth.api.generate_open_api_schema()
    doc["paths"].clear()
    again = await auth.api.generate_open_api_schema()
    assert "/sign-in/email" in again["paths"]


def test_disabled_paths_and_server_only_endpoints_are_left_out() -> None:
    auth = make_auth(plugins=[open_api()], disabled_paths=["/sign-up/email"])
    paths = document(auth)["paths"]
    assert "/sign-up/email" not in paths and "/sign-in/email" in paths
    assert "/set-password" not in paths  # server-only in Better Auth and tessera


def test_bodies_and_parameters_come_from_the_validation_shapes() -> None:
    auth = make_auth(plugins=[*make_plugins(["organizationTeams", "username"]), open_api()])
    paths = document(auth)["paths"]
    sign_in = paths["/sign-in/email"]["post"]
    assert sign_in["operationId"] == "signInEmail" and sign_in["tags"] == ["Default"]
    schema = sign_in["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"email", "password"}
    assert schema["properties"]["rememberMe"]["type"] in ("boolean", ["boolean", "null"])
    assert {p["name"] for p in paths["/get-session"]["get"]["parameters"]} >= {"disableCookieCache"}
    # the plugin tag and a path parameter
    assert paths["/organization/create"]["post"]["tags"] == ["Organization"]
    # user fields of plugins are writable at sign-up and update-user (username), as Better Auth documents them
    sign_up = paths["/sign-up/email"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"username", "displayUsername"} <= set(sign_up["properties"])
    # 200 answers carry Better Auth's schema
    assert "200" in paths["/get-session"]["get"]["responses"]


def test_additional_user_fields_are_documented() -> None:
    fields = [Field("plan", "string", required=True), Field("credits", "number", required=False, default=3),
              Field("tier", "string", required=False, input=False)]
    auth = make_auth(plugins=[open_api()], user={"additional_fields": fields})
    doc = document(auth)
    validate(doc)
    sign_up = doc["paths"]["/sign-up/email"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert sign_up["properties"]["plan"] == {"type": "string"} and "plan" in sign_up["required"]
    assert sign_up["properties"]["credits"] == {"type": "number", "default": 3}
    assert "tier" not in sign_up["properties"]  # input=False: the server sets it
    update = doc["paths"]["/update-user"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "plan" in update["properties"] and "plan" not in update.get("required", [])
    user = doc["components"]["schemas"]["User"]
    assert user["properties"]["tier"]["readOnly"] is True and "plan" in user["required"]


def test_server_url_is_the_base_url_or_relative() -> None:
    assert document(make_auth(plugins=[open_api()]))["servers"] == [{"url": "http://127.0.0.1:3000/api/auth"}]
    no_base = make_auth(plugins=[open_api()], base_url=None, base_path="/auth")
    assert document(no_base)["servers"] == [{"url": "/auth"}]  # never the request's Host header


def test_models_kept_in_secondary_storage_are_still_components() -> None:
    from tessera.storage import MemoryStorage

    auth = make_auth(plugins=[open_api()], secondary_storage=MemoryStorage())
    assert {"User", "Session", "Account", "Verification"} <= set(document(auth)["components"]["schemas"])


def test_a_plugin_of_your_own_is_documented_from_its_definitions() -> None:
    """The document follows the endpoint definitions: a new route, its query and body shapes, its path parameter."""
    from tessera.endpoints import endpoint
    from tessera.validation import F, Shape

    @endpoint("/billing/invoices/:invoiceId", "GET", name="get_invoice", query=Shape({"expand": F("boolean", True)}))
    async def get_invoice(ctx: Any) -> Any:
        return {}

    @endpoint("/billing/pay", "POST", name="pay", body=Shape({"amount": F("integer"), "note": F(optional=True)}))
    async def pay(ctx: Any) -> Any:
        return {}

    auth = make_auth(plugins=[Plugin(id="billing", endpoints=(get_invoice, pay)), open_api()])
    doc = document(auth)
    validate(doc)
    read = doc["paths"]["/billing/invoices/{invoiceId}"]["get"]
    assert read["tags"] == ["Billing"] and "operationId" not in read
    assert read["parameters"] == [
        {"name": "expand", "in": "query", "schema": {"type": "boolean"}},
        {"name": "invoiceId", "in": "path", "required": True, "schema": {"type": "string"}},
    ]
    body = doc["paths"]["/billing/pay"]["post"]["requestBody"]
    assert body == {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"amount": {"type": "integer"}, "note": {"type": "string"}},
        "required": ["amount"]}}}}
