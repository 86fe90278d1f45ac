"""``GET /open-api/generate-schema`` and the Scalar reference page over HTTP (``auth.handle``), on every backend."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tessera import Tessera
from tessera.errors import ConfigError
from tessera.http import Request
from tessera.plugins.open_api import DEFAULT_SCALAR_URL, OpenAPIOptions, open_api
from tests._helpers import make_auth
from tests._services import AdapterFactory

from .._support import call


async def app(adapter_factory: AdapterFactory, **options: Any) -> Tessera:
    tessera = options.pop("tessera", {})
    plugins = [open_api(**options)]
    schema = make_auth(plugins=plugins, **tessera).schema
    return make_auth(plugins=plugins, database=await adapter_factory(schema), **tessera)


def scripts(page: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", page)


async def test_document_over_http(adapter_factory: AdapterFactory) -> None:
    auth = await app(adapter_factory)
    response = await call(auth, "GET", "/open-api/generate-schema")
    assert response.status == 200 and response.header("content-type") == "application/json"
    doc = json.loads(response.body)
    assert doc["openapi"] == "3.1.1" and "/sign-up/email" in doc["paths"]
    assert "/open-api/generate-schema" not in doc["paths"] and "/reference" not in doc["paths"]
    # the sign-up the document describes works on this backend
    body = {"email": "a@example.com", "password": "correct-horse-battery", "name": "A"}
    assert (await call(auth, "POST", "/sign-up/email", json=body)).status == 200
    assert (await call(auth, "GET", "/open-api/generate-schema")).body == response.body


async def test_reference_page(adapter_factory: AdapterFactory) -> None:
    auth = await app(adapter_factory, theme="moon")
    response = await call(auth, "GET", "/reference")
    assert response.status == 200 and response.header("content-type") == "text/html; charset=utf-8"
    page = response.body.decode()
    assert f'<script src="{DEFAULT_SCALAR_URL}"></script>' in page  # Better Auth's CDN by default
    assert '"theme":"moon"' in page
    embedded = re.search(r'<script id="api-reference" type="application/json">(.*?)</script>', page, re.S)
    assert embedded is not None and json.loads(embedded.group(1))["paths"]


async def test_every_script_carries_the_nonce() -> None:
    auth = make_auth(plugins=[open_api(nonce="cnVuLW9ubHktdGhpcw==")])
    page = (await call(auth, "GET", "/reference")).body.decode()
    tags = scripts(page)
    assert len(tags) == 3 and all('nonce="cnVuLW9ubHktdGhpcw=="' in t for t in tags)
    assert "<link" not in page and "<iframe" not in page  # nothing else that loads code


async def test_a_nonce_per_request_and_a_self_hosted_bundle() -> None:
    seen: list[str] = []

    def nonce(request: Request) -> str:
        seen.append(request.path)
        return f"n{len(seen)}"

    auth = make_auth(plugins=[open_api(nonce=nonce, scalar_url="/static/scalar.js",
                                       scalar_integrity="sha384-" + "A" * 64)])
    first = (await call(auth, "GET", "/reference")).body.decode()
    second = (await call(auth, "GET", "/reference")).body.decode()
    assert all('nonce="n1"' in t for t in scripts(first)) and all('nonce="n2"' in t for t in scripts(second))
    assert '<script src="/static/scalar.js" integrity="sha384-' in first and "cdn.jsdelivr" not in first


async def test_a_bad_nonce_from_the_factory_is_never_written_into_the_page() -> None:
    auth = make_auth(plugins=[open_api(nonce=lambda request: '"><script>alert(1)</script>')])
    with pytest.raises(ConfigError):
        await auth.api.open_api_reference()


async def test_configured_strings_cannot_close_the_script_element() -> None:
    from tessera.db.schema import Field

    evil = "</script><script>alert(1)</script>"
    auth = make_auth(plugins=[open_api()], app_name=evil,
                     user={"additional_fields": [Field("note", "string", required=False, default=evil)]})
    page = (await call(auth, "GET", "/reference")).body.decode()
    assert "<script>alert(1)" not in page and len(scripts(page)) == 3
    embedded = re.search(r'type="application/json">(.*?)</script>', page, re.S)
    assert embedded is not None
    assert json.loads(embedded.group(1))["components"]["schemas"]["User"]["properties"]["note"]["default"] == evil


async def test_custom_path_and_disabled_reference() -> None:
    moved = make_auth(plugins=[open_api(path="/docs")])
    assert (await call(moved, "GET", "/docs")).status == 200
    assert (await call(moved, "GET", "/reference")).status == 404
    hidden = make_auth(plugins=[open_api(disable_default_reference=True)])
    response = await call(hidden, "GET", "/reference")
    assert (response.status, response.body) == (404, b"")  # Better Auth's APIError("NOT_FOUND")
    assert (await call(hidden, "GET", "/open-api/generate-schema")).status == 200


def test_a_path_that_collides_with_a_route_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError):
        make_auth(plugins=[open_api(path="/ok")])


@pytest.mark.parametrize("options", [
    {"path": "reference"}, {"path": "/ref erence"}, {"theme": "neon"}, {"nonce": "a b"}, {"nonce": 3},
    {"scalar_url": "javascript:alert(1)"}, {"scalar_url": "//cdn.example/x.js"}, {"scalar_url": 'https://x/"'},
    {"scalar_integrity": "md5-abc"}, {"unknown": 1},
])
def test_bad_options(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        open_api(**options)


def test_options_object() -> None:
    plugin = open_api(OpenAPIOptions(path="/api-docs"))
    assert plugin.options.path == "/api-docs" and plugin.id == "open-api"


async def test_disabled_paths_refuse_the_routes_but_not_the_server_call() -> None:
    auth = make_auth(plugins=[open_api()], disabled_paths=["/open-api/generate-schema", "/reference"])
    assert (await call(auth, "GET", "/open-api/generate-schema")).status == 404
    assert (await call(auth, "GET", "/reference")).status == 404
    assert "/sign-in/email" in (await auth.api.generate_open_api_schema())["paths"]
