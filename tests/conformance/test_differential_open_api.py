"""The open-api plugin against Better Auth's ``openAPI()``: the document each server generates for the same
configuration (core only, and every plugin both ship), compared operation by operation — paths, methods,
``operationId``, tags, response codes and request bodies (property names, required names, JSON types) — and
the reference page (served, or a bare 404 with ``disableDefaultReference``).

Deliberate differences are listed in ``ALLOWED`` with their reason; an entry that no longer differs fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conformance_servers import Server, StartBetterAuth, StartTessera

PLUGINS = (
    "bearer,organizationTeams,twoFactor,admin,anonymous,username,magicLink,emailOTP,multiSession,"
    "deviceAuthorization,oneTimeToken,lastLoginMethodDb,customSession,phoneNumber"
)

_UNTYPED = (
    "tessera's shape declares the field as any value, optional, and the handler checks it (to answer Better "
    "Auth's own message for each case); the document shows what the shape declares"
)
_CALLBACK = (
    "Better Auth documents the OAuth callback's query in hand-written metadata; tessera's callback reads its "
    "query in the handler and documents only the path parameter"
)
_NO_BODY = (
    "tessera validates this body in the handler (RFC 8628's own error answers, not VALIDATION_ERROR), not by a "
    "shape declared on the endpoint, so the document has no body for it"
)
ALLOWED: dict[str, dict[str, str]] = {
    "POST /update-session": {"missing": "tessera does not serve update-session yet"},
    "GET /callback/{id}": {"parameters": _CALLBACK},
    "POST /callback/{id}": {"parameters": _CALLBACK, "body.properties": _CALLBACK},
    "POST /sign-out": {
        "body.properties": "Better Auth's sign-out takes callbackURL/disableRedirect/state for RP-initiated "
        "provider logout, which tessera does not implement: its sign-out reads no body",
    },
    "POST /admin/has-permission": {
        "body.properties": _UNTYPED, "body.required": _UNTYPED,
    },
    "POST /organization/has-permission": {"body.properties": _UNTYPED, "body.required": _UNTYPED},
    "POST /device/code": {"body": _NO_BODY},
    "POST /device/token": {"body": _NO_BODY},
    "POST /two-factor/send-otp": {
        "body": "the body is optional and validated in the handler, not by a shape declared on the endpoint",
    },
    **{
        f"POST {path}": {"body.required": _UNTYPED, "body.types": _UNTYPED}
        for path in (
            "/admin/ban-user", "/admin/impersonate-user", "/admin/list-user-sessions", "/admin/remove-user",
            "/admin/revoke-user-sessions", "/admin/set-role", "/admin/set-user-password", "/admin/unban-user",
            "/admin/update-user", "/email-otp/check-verification-otp", "/email-otp/send-verification-otp",
            "/organization/invite-member", "/organization/update-member-role",
        )
    },
    **{
        f"POST {path}": {"body.types": _UNTYPED}
        for path in ("/admin/create-user", "/organization/add-team-member", "/organization/create",
                     "/organization/remove-team-member")
    },
}


def json_types(schema: dict[str, Any] | None) -> frozenset[str]:
    """The JSON types a schema admits, as a set (``any`` for none in particular); ``nullable`` (OpenAPI 3.0) and
    ``type: [x, "null"]`` (3.1) compare equal."""
    if not schema:
        return frozenset({"any"})
    if "anyOf" in schema or "oneOf" in schema:
        return frozenset().union(*(json_types(s) for s in schema.get("anyOf", schema.get("oneOf", []))))
    kind = schema.get("type")
    if kind is None:
        return frozenset({"any"})
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if schema.get("nullable"):
        kinds.add("null")
    return frozenset(kinds - {"null"})  # optional-or-null is how both spell "may be left out" in practice


def body_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    body = operation.get("requestBody") or {}
    schema: dict[str, Any] | None = body.get("content", {}).get("application/json", {}).get("schema")
    return schema


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, dict[str, str]]:
    """``{"METHOD /path": {aspect: what differs}}`` between tessera's document and Better Auth's."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(set(ours["paths"]) | set(theirs["paths"])):
        mine, reference = ours["paths"].get(path, {}), theirs["paths"].get(path, {})
        for method in sorted(set(mine) | set(reference)):
            key, found = f"{method.upper()} {path}", {}
            if method not in mine or method not in reference:
                out[key] = {"missing": "tessera" if method not in mine else "Better Auth"}
                continue
            a, b = mine[method], reference[method]
            for aspect in ("operationId", "tags"):
                if a.get(aspect) != b.get(aspect):
                    found[aspect] = f"{a.get(aspect)!r} != {b.get(aspect)!r}"
            if sorted(a["responses"]) != sorted(b["responses"]):
                found["responses"] = f"{sorted(a['responses'])} != {sorted(b['responses'])}"
            if sorted(p["name"] for p in a["parameters"]) != sorted(p["name"] for p in b["parameters"]):
                found["parameters"] = f"{[p['name'] for p in a['parameters']]} != {[p['name'] for p in b['parameters']]}"
            sa, sb = body_schema(a), body_schema(b)
            if (sa is None) != (sb is None):
                found["body"] = f"tessera {'has' if sa else 'has no'} body, Better Auth {'has' if sb else 'none'}"
            elif sa is not None and sb is not None:
                pa, pb = sa.get("properties", {}), sb.get("properties", {})
                if set(pa) != set(pb):
                    found["body.properties"] = f"only tessera {sorted(set(pa) - set(pb))}, only Better Auth " \
                        f"{sorted(set(pb) - set(pa))}"
                if sorted(sa.get("required", [])) != sorted(sb.get("required", [])):
                    found["body.required"] = f"{sorted(sa.get('required', []))} != {sorted(sb.get('required', []))}"
                typed = [k for k in set(pa) & set(pb) if json_types(pa[k]) != json_types(pb[k])]
                if typed:
                    found["body.types"] = ", ".join(
                        f"{k}: {sorted(json_types(pa[k]))} != {sorted(json_types(pb[k]))}" for k in sorted(typed)
                    )
            if found:
                out[key] = found
    return out


def check(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    found = differences(ours, theirs)
    unexpected = {
        key: {aspect: what for aspect, what in aspects.items() if aspect not in ALLOWED.get(key, {})}
        for key, aspects in found.items()
    }
    unexpected = {key: aspects for key, aspects in unexpected.items() if aspects}
    assert not unexpected, "\n".join(f"{key}: {aspects}" for key, aspects in unexpected.items())


@pytest.fixture(scope="module", params=["core", "plugins"])
def servers(request: pytest.FixtureRequest, start_better_auth: StartBetterAuth,
            start_tessera: StartTessera) -> Iterator[tuple[Server, Server, str]]:
    plugins = "openAPINoReference" if request.param == "core" else f"{PLUGINS},openAPI"
    yield start_better_auth(plugins=plugins), start_tessera(plugins=plugins), request.param


def fetch(server: Server) -> dict[str, Any]:
    response = httpx.get(server.api + "/open-api/generate-schema", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


def test_documents_match(servers: tuple[Server, Server, str]) -> None:
    better_auth, tessera, _ = servers
    theirs, ours = fetch(better_auth), fetch(tessera)
    assert ours["openapi"] == theirs["openapi"] == "3.1.1"
    assert set(ours["components"]["schemas"]) >= set(theirs["components"]["schemas"]) - {"Jwks"}
    check(ours, theirs)


def test_allowed_differences_still_differ(servers: tuple[Server, Server, str]) -> None:
    """Every ``ALLOWED`` entry whose path either server documents in this configuration still differs."""
    better_auth, tessera, _ = servers
    ours, theirs = fetch(tessera), fetch(better_auth)
    found = differences(ours, theirs)
    present = {f"{m.upper()} {path}" for doc in (ours, theirs) for path, ops in doc["paths"].items() for m in ops}
    stale = {f"{key} {aspect}" for key, aspects in ALLOWED.items() if key in present for aspect in aspects
             if aspect not in found.get(key, {})}
    assert not stale, f"no longer different, remove from ALLOWED: {sorted(stale)}"


def test_reference_page(servers: tuple[Server, Server, str]) -> None:
    better_auth, tessera, which = servers
    a, b = httpx.get(tessera.api + "/reference"), httpx.get(better_auth.api + "/reference")
    assert a.status_code == b.status_code == (404 if which == "core" else 200)
    if which == "core":  # disableDefaultReference: a bare 404 typed JSON, as Better Auth's APIError("NOT_FOUND")
        assert a.content == b.content == b"" and a.headers["content-type"] == b.headers["content-type"]
        return
    assert a.headers["content-type"].startswith("text/html") and b.headers["content-type"].startswith("text/html")
    for page in (a.text, b.text):
        assert 'id="api-reference"' in page and "https://cdn.jsdelivr.net/npm/@scalar/api-reference" in page
