"""The captcha plugin against a local fake siteverify endpoint: each provider gets the request body Better Auth
sends it (JSON for Turnstile, a form for the others, its own field names), guarded endpoints answer Better Auth's
codes and statuses, and a provider that cannot be asked fails closed within the timeout."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tessera import Tessera
from tessera.db.adapter import Where
from tessera.errors import ConfigError
from tessera.plugins.captcha import DEFAULT_ENDPOINTS, captcha
from tessera.plugins.captcha.paths import EndpointMatcher, endpoint_path, glob_pattern
from tests._helpers import Client, make_auth
from tests._services import AdapterFactory
from tests.plugins._fake_http import Answer, FakeService, Received, fake_service

pytest.importorskip("httpx")

SECRET = "provider-secret-0123"
MISSING = {"message": "Missing CAPTCHA response", "code": "MISSING_RESPONSE"}
FAILED = {"message": "Captcha verification failed", "code": "VERIFICATION_FAILED"}
UNKNOWN = {"message": "Something went wrong", "code": "UNKNOWN_ERROR"}
PROVIDERS = ("cloudflare-turnstile", "google-recaptcha", "hcaptcha", "captchafox")


def verdicts(request: Received) -> Answer:
    """``pass``/``fail`` tokens, and ``{json}`` tokens answered as they are."""
    if request.headers.get("content-type") == "application/json":
        token = json.loads(request.body)["response"]
    else:
        token = dict(parse_qsl(request.body.decode()))["response"]
    verdict = {"pass": {"success": True}, "fail": {"success": False, "error-codes": ["invalid-input-response"]}}
    body = verdict.get(token) or json.loads(token)
    return Answer(body=json.dumps(body).encode(), content_type="application/json")


@pytest.fixture
async def siteverify() -> AsyncIterator[FakeService]:
    async with fake_service("/siteverify") as fake:
        fake.answer = verdicts
        yield fake


def app(siteverify: FakeService, provider: str = "hcaptcha", **options: Any) -> Tessera:
    extra = options.pop("tessera", {})
    return make_auth(plugins=[captcha(
        provider=provider, secret_key=SECRET, site_verify_url_override=siteverify.url, **options,
    )], **extra)


def token(value: str | dict[str, Any], ip: str | None = None) -> list[tuple[str, str]]:
    headers = [("x-captcha-response", value if isinstance(value, str) else json.dumps(value))]
    return headers + ([("x-forwarded-for", ip)] if ip else [])


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_each_provider_guards_sign_up(siteverify: FakeService, provider: str) -> None:
    auth = app(siteverify, provider)
    client = Client(auth)
    r = await client.sign_up()
    assert (r.status, r.json_body(), r.header("content-type")) == (400, MISSING, "application/json")
    assert siteverify.received == []
    r = await client.sign_up(headers=token("fail"))
    assert (r.status, r.json_body()) == (403, FAILED)
    assert await auth.adapter.find_many("user", []) == []
    assert (await client.sign_up(headers=token("pass"))).status == 200
    assert (await Client(auth).sign_in(headers=token("pass"))).status == 200
    assert (await Client(auth).sign_in()).json_body() == MISSING


@pytest.mark.parametrize(("provider", "site_key", "content_type", "expected"), [
    ("cloudflare-turnstile", None, "application/json",
     b'{"secret":"provider-secret-0123","response":"pass","remoteip":"203.0.113.9"}'),
    ("google-recaptcha", None, "application/x-www-form-urlencoded",
     b"secret=provider-secret-0123&response=pass&remoteip=203.0.113.9"),
    ("hcaptcha", "site-1", "application/x-www-form-urlencoded",
     b"secret=provider-secret-0123&response=pass&sitekey=site-1&remoteip=203.0.113.9"),
    ("captchafox", "site-1", "application/x-www-form-urlencoded",
     b"secret=provider-secret-0123&response=pass&sitekey=site-1&remoteIp=203.0.113.9"),
])
async def test_the_request_body_is_better_auths(
    siteverify: FakeService, provider: str, site_key: str | None, content_type: str, expected: bytes
) -> None:
    auth = app(siteverify, provider, **({"site_key": site_key} if site_key else {}))
    assert (await Client(auth).sign_up(headers=token("pass", ip="203.0.113.9"))).status == 200
    (sent,) = siteverify.received
    assert (sent.method, sent.path, sent.headers["content-type"], sent.body) == (
        "POST", "/siteverify", content_type, expected,
    )


async def test_without_a_client_ip_no_remoteip_is_sent_in_production(siteverify: FakeService) -> None:
    auth = app(siteverify, "hcaptcha", tessera={"production": True, "base_url": "https://app.example.com"})
    client = Client(auth, origin="https://app.example.com")
    await client.post("/sign-in/email", {"email": "a@example.com", "password": "x" * 8}, headers=token("pass"))
    assert siteverify.received[0].body == b"secret=provider-secret-0123&response=pass"


async def test_unguarded_endpoints_need_no_token(siteverify: FakeService) -> None:
    auth = app(siteverify)
    assert (await Client(auth).get("/get-session")).status == 200
    assert (await Client(auth).get("/ok")).status == 200
    assert siteverify.received == []


async def test_endpoints_option_with_wildcards(siteverify: FakeService) -> None:
    auth = app(siteverify, endpoints=["/sign-in/*", "/two-factor/**"])
    assert (await Client(auth).sign_up()).status == 200  # no longer guarded
    assert (await Client(auth).sign_in()).json_body() == MISSING
    r = await Client(auth).post("/sign-in/social", {"provider": "github"})
    assert r.json_body() == MISSING
    assert (await Client(auth).post("/two-factor/verify-totp", {"code": "1"})).json_body() == MISSING


async def test_a_trailing_slash_does_not_slip_past(siteverify: FakeService) -> None:
    auth = app(siteverify)
    r = await Client(auth).post("/sign-in/email/", {"email": "a@example.com", "password": "x" * 8})
    assert (r.status, r.json_body()) == (400, MISSING)


@pytest.mark.parametrize(("verdict", "options", "passes"), [
    ({"success": True, "score": 0.9}, {}, True),
    ({"success": True, "score": 0.5}, {}, True),
    ({"success": True, "score": 0.3}, {}, False),
    ({"success": True, "score": 0.9}, {"min_score": 0.95}, False),
    ({"success": True}, {"min_score": 0.95}, True),  # v2: no score
    ({"success": "true"}, {}, False),  # a verdict is a JSON true, nothing merely truthy
    ({"success": True, "action": "login"}, {"expected_action": "signup"}, False),
    ({"success": True, "action": "signup"}, {"expected_action": "signup"}, True),
    ({"success": True, "hostname": "evil.example"}, {"allowed_hostnames": ["app.example.com"]}, False),
    ({"success": True}, {"allowed_hostnames": ["app.example.com"]}, False),
    ({"success": True, "hostname": "app.example.com"}, {"allowed_hostnames": ["app.example.com"]}, True),
])
async def test_google_recaptcha_score_action_and_hostname(
    siteverify: FakeService, verdict: dict[str, Any], options: dict[str, Any], passes: bool
) -> None:
    auth = app(siteverify, "google-recaptcha", **options)
    r = await Client(auth).sign_up(headers=token(verdict))
    assert (r.status == 200) is passes and (passes or r.json_body() == FAILED)


@pytest.mark.parametrize(("verdict", "options", "passes"), [
    ({"success": True, "action": "login"}, {"expected_action": "signup"}, False),
    ({"success": True}, {"allowed_hostnames": ["app.example.com"]}, False),
    ({"success": True, "hostname": "app.example.com", "action": "signup"},
     {"allowed_hostnames": ["app.example.com"], "expected_action": "signup"}, True),
])
async def test_turnstile_action_and_hostname(
    siteverify: FakeService, verdict: dict[str, Any], options: dict[str, Any], passes: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    auth = app(siteverify, "cloudflare-turnstile", **options)
    with caplog.at_level(logging.WARNING, logger="tessera"):
        r = await Client(auth).sign_up(headers=token(verdict))
    assert (r.status == 200) is passes
    if not passes:
        assert "mismatch" in caplog.text and SECRET not in caplog.text


async def test_turnstile_rejection_is_logged_without_secrets(
    siteverify: FakeService, caplog: pytest.LogCaptureFixture
) -> None:
    auth = app(siteverify, "cloudflare-turnstile")
    with caplog.at_level(logging.WARNING, logger="tessera"):
        assert (await Client(auth).sign_up(headers=token("fail"))).status == 403
    assert "siteverify_rejected" in caplog.text and "invalid-input-response" in caplog.text
    assert SECRET not in caplog.text and "fail" not in caplog.text.replace("failed", "")


@pytest.mark.parametrize("answer", [
    Answer(status=500, body=b'{"success": true}', content_type="application/json"),
    Answer(body=b"<html>maintenance</html>", content_type="text/html"),
    Answer(body=b"[true]", content_type="application/json"),
    Answer(status=302),
    # a verdict buried in more than 4 MiB is not read to its end (regression: it was held whole, and let through)
    Answer(body=b'{"success": true, "pad": "' + b"a" * (5 * 1024 * 1024) + b'"}', content_type="application/json"),
])
async def test_a_provider_that_cannot_answer_fails_closed(
    siteverify: FakeService, answer: Answer, caplog: pytest.LogCaptureFixture, adapter_factory: AdapterFactory
) -> None:
    siteverify.answer_with(answer)
    auth = app(siteverify, tessera={"database": await adapter_factory(app(siteverify).schema)})
    with caplog.at_level(logging.ERROR, logger="tessera"):
        r = await Client(auth).sign_up(headers=token("pass"))
    assert (r.status, r.json_body()) == (500, UNKNOWN)
    assert await auth.adapter.find_many("user", [Where("email", "alice@example.com")]) == []
    assert "could not be made" in caplog.text and SECRET not in caplog.text


async def test_a_slow_or_unreachable_provider_is_bounded(siteverify: FakeService) -> None:
    siteverify.answer_with(Answer(delay=5.0))
    auth = app(siteverify, timeout=0.3)
    started = time.monotonic()
    assert (await Client(auth).sign_up(headers=token("pass"))).json_body() == UNKNOWN
    assert time.monotonic() - started < 2.0
    async with fake_service() as gone:
        url = gone.url
    auth = make_auth(plugins=[captcha(provider="hcaptcha", secret_key=SECRET, site_verify_url_override=url)])
    r = await Client(auth).sign_up(headers=token("pass"))
    assert (r.status, r.json_body()) == (500, UNKNOWN)


@pytest.mark.parametrize(("verdict", "validate", "status"), [
    ({"isBot": False}, None, 200),
    ({"isBot": True}, None, 403),
    ({"isBot": True, "isVerifiedBot": True}, lambda c: c["verification"].get("isVerifiedBot") is True, 200),
    ({"isBot": False}, lambda c: False, 403),
])
async def test_vercel_botid(verdict: dict[str, Any], validate: Any, status: int) -> None:
    seen: list[Any] = []

    async def check_bot_id(request: Any) -> dict[str, Any]:
        seen.append(request)
        return verdict

    auth = make_auth(plugins=[captcha(provider="vercel-botid", check_bot_id=check_bot_id, validate_request=validate)])
    r = await Client(auth).sign_up()
    assert r.status == status and (status == 200 or r.json_body() == FAILED)
    assert seen[0].path == "/api/auth/sign-up/email"


async def test_vercel_botid_failure_is_unknown_error() -> None:
    def check_bot_id(request: Any) -> dict[str, Any]:
        raise RuntimeError("botid down")

    auth = make_auth(plugins=[captcha(provider="vercel-botid", check_bot_id=check_bot_id)])
    assert (await Client(auth).sign_up()).json_body() == UNKNOWN


#: what better-auth 1.7.24's ``wildcardMatch(pattern)`` answers for ``SAMPLES`` (recorded with node)
SAMPLES = ("/sign-in/email", "/sign-in/", "/sign-in", "/sign-in/email/x", "/sign-up/email", "/org/a", "/org/a/b/c",
           "/organization/a", "/org", "/sign-iin/email", "/a.b/x", "/aXb/x", "/x/y", "/x/a/b/y", "/x/ay", "/email",
           "a/email", "/")
BETTER_AUTH_HITS = {
    "/sign-in/*": {"/sign-in/email", "/sign-in/"},
    # a trailing ``**`` is a prefix match in Better Auth: ``/organization/a`` is guarded too
    "/org/**": {"/org/a", "/org/a/b/c", "/organization/a", "/org"},
    "/sign-?n/email": {"/sign-in/email"},
    "/a.b/*": {"/a.b/x"},
    "/**": set(SAMPLES),
    "/x/**/y": {"/x/y", "/x/a/b/y"},
    "*/email": {"/email", "a/email"},
    "/sign-in/**": {"/sign-in/email", "/sign-in/", "/sign-in", "/sign-in/email/x"},
}


@pytest.mark.parametrize("pattern", BETTER_AUTH_HITS)
def test_endpoint_patterns_match_as_better_auths(pattern: str) -> None:
    compiled = re.compile(f"^{glob_pattern(pattern)}$")
    assert {s for s in SAMPLES if compiled.match(s)} == BETTER_AUTH_HITS[pattern]
    if "*" in pattern:
        matcher = EndpointMatcher([pattern])
        assert {s for s in SAMPLES if matcher.matches(s)} == BETTER_AUTH_HITS[pattern]


def test_a_pattern_without_a_star_is_matched_exactly() -> None:
    """Better Auth hands only endpoints containing ``*`` to ``wildcardMatch``."""
    matcher = EndpointMatcher(["/sign-?n/email"])
    assert matcher.matches("/sign-?n/email") and not matcher.matches("/sign-in/email")


def test_default_endpoints_and_path_normalisation() -> None:
    assert DEFAULT_ENDPOINTS == ("/sign-up/email", "/sign-in/email", "/request-password-reset")
    assert endpoint_path("/api/auth/sign-in/email/", "/api/auth") == "/sign-in/email"
    assert endpoint_path("/api/auth//sign-in//email", "/api/auth") == "/sign-in/email"
    assert endpoint_path("/api/auth", "/api/auth") == "/"


@pytest.mark.parametrize("options", [
    {"provider": "recaptcha", "secret_key": "s"},
    {"provider": "hcaptcha"},
    {"provider": "hcaptcha", "secret_key": ""},
    {"provider": "hcaptcha", "secret_key": "s", "min_score": 0.7},
    {"provider": "google-recaptcha", "secret_key": "s", "min_score": 2},
    {"provider": "google-recaptcha", "secret_key": "s", "site_key": "k"},
    {"provider": "google-recaptcha", "secret_key": "s", "allowed_hostnames": "a.example"},
    {"provider": "hcaptcha", "secret_key": "s", "endpoints": "/sign-in/email"},
    {"provider": "hcaptcha", "secret_key": "s", "site_verify_url_override": "file:///x"},
    {"provider": "hcaptcha", "secret_key": "s", "timeout": 0},
    {"provider": "vercel-botid"},
    {"provider": "vercel-botid", "check_bot_id": lambda r: {}, "secret_key": "s"},
])
def test_bad_options_are_config_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        captcha(**options)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("hostile", ['pass&secret=attacker&response=pass', 'pass", "secret": "x', "é" * 3000 + "\t*~"])
async def test_a_hostile_token_is_one_field_and_never_a_5xx(
    siteverify: FakeService, provider: str, hostile: str
) -> None:
    auth = app(siteverify, provider)
    r = await Client(auth).sign_up(headers=[("x-captcha-response", hostile)])
    assert r.status == 500 and r.json_body() == UNKNOWN  # the fake cannot read it as a verdict: not a pass
    (sent,) = siteverify.received
    if provider == "cloudflare-turnstile":
        fields = json.loads(sent.body)
    else:
        fields = dict(parse_qsl(sent.body.decode(), keep_blank_values=True, strict_parsing=True))
    assert fields["secret"] == SECRET and fields["response"] == hostile
