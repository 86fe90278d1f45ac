"""The have-i-been-pwned plugin against a local fake of the Pwned Passwords range API: a breached password is
refused where Better Auth refuses it, only five hex digits of its SHA-1 leave the process, nothing is written
when it is refused, and an unreachable or slow service is a bounded 503 (or, with ``fail_open``, a warning)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tessera import Tessera
from tessera.db.adapter import Where
from tessera.errors import ConfigError
from tessera.plugins.have_i_been_pwned import (
    DEFAULT_PATHS,
    HaveIBeenPwnedOptions,
    PwnedPasswordsUnavailable,
    have_i_been_pwned,
)
from tessera.plugins.have_i_been_pwned.range import USER_AGENT, compromise_count, sha1_split
from tests._helpers import Client, make_auth
from tests._services import AdapterFactory
from tests.plugins._fake_http import Answer, FakeService, Received, fake_service

pytest.importorskip("httpx")

BREACHED = "password123"
SAFE = "correct-horse-battery"
PADDED = "tr0ub4dor&3-padding"  # listed with a zero count: a padding line


def suffix(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()[5:]


def range_answer(request: Received) -> Answer:
    """The service: ``BREACHED`` seen 42 times (lower case, as a client may get it), ``PADDED`` as padding."""
    prefix = request.path.rsplit("/", 1)[1]
    lines = [f"{'0' * 35}:3"]
    for password, count in ((BREACHED, 42), (PADDED, 0)):
        digest = hashlib.sha1(password.encode()).hexdigest().upper()
        if digest[:5] == prefix:
            lines.append(f"{digest[5:].lower() if count else digest[5:]}:{count}")
    return Answer(body="\r\n".join(lines).encode())


@pytest.fixture
async def service() -> AsyncIterator[FakeService]:
    async with fake_service("/range/") as fake:
        fake.answer = range_answer
        yield fake


def app(service: FakeService, **options: Any) -> Tessera:
    options.setdefault("timeout", 2.0)
    extra = options.pop("tessera", {})
    return make_auth(plugins=[have_i_been_pwned(api_url=service.url, **options)], **extra)


async def test_sign_up_with_a_breached_password_is_refused_and_writes_nothing(
    service: FakeService, adapter_factory: AdapterFactory
) -> None:
    auth = app(service, tessera={"database": await adapter_factory(app(service).schema)})
    r = await Client(auth).sign_up("bob@example.com", password=BREACHED)
    assert (r.status, r.json_body()) == (400, {
        "code": "PASSWORD_COMPROMISED",
        "message": "The password you entered has been compromised. Please choose a different password.",
    })
    assert await auth.adapter.find_many("user", [Where("email", "bob@example.com")]) == []
    assert (await Client(auth).sign_up("bob@example.com", password=SAFE)).status == 200


async def test_only_the_five_char_prefix_leaves_with_better_auths_headers(service: FakeService) -> None:
    auth = app(service)
    await Client(auth).sign_up(password=BREACHED)
    (sent,) = service.received
    prefix = hashlib.sha1(BREACHED.encode()).hexdigest().upper()[:5]
    assert (sent.method, sent.path, sent.body) == ("GET", f"/range/{prefix}", b"")
    assert sent.headers["add-padding"] == "true" and sent.headers["user-agent"] == USER_AGENT
    wire = repr(sent).lower()
    assert BREACHED not in wire and suffix(BREACHED).lower() not in wire


async def test_unlisted_and_padding_passwords_pass(service: FakeService) -> None:
    auth = app(service)
    assert (await Client(auth).sign_up("a@example.com", password=SAFE)).status == 200
    assert (await Client(auth).sign_up("b@example.com", password=PADDED)).status == 200
    assert len(service.received) == 2


async def test_custom_message(service: FakeService) -> None:
    auth = app(service, custom_password_compromised_message="Pick another one")
    r = await Client(auth).sign_up(password=BREACHED)
    assert (r.status, r.json_body()) == (400, {"code": "PASSWORD_COMPROMISED", "message": "Pick another one"})


async def test_change_password_refused_keeps_the_old_password(service: FakeService) -> None:
    auth = app(service)
    client = Client(auth)
    assert (await client.sign_up(password=SAFE)).status == 200
    r = await client.post("/change-password", {"currentPassword": SAFE, "newPassword": BREACHED})
    assert (r.status, r.json_body()["code"]) == (400, "PASSWORD_COMPROMISED")
    assert (await Client(auth).sign_in(password=SAFE)).status == 200
    ok = await client.post("/change-password", {"currentPassword": SAFE, "newPassword": "another-safe-one"})
    assert ok.status == 200


async def test_reset_password_refused_leaves_the_token_usable(service: FakeService) -> None:
    sent: list[dict[str, Any]] = []

    async def mail(**data: Any) -> None:
        sent.append(data)

    auth = app(service, tessera={"email_and_password": {"send_reset_password": mail}})
    await Client(auth).sign_up(password=SAFE)
    await auth.api.request_password_reset(body={"email": "alice@example.com"})
    token = sent[-1]["token"]
    r = await Client(auth).post("/reset-password", {"newPassword": BREACHED, "token": token})
    assert (r.status, r.json_body()["code"]) == (400, "PASSWORD_COMPROMISED")
    assert (await Client(auth).post("/reset-password", {"newPassword": "fresh-and-safe", "token": token})).status == 200


async def test_a_dead_token_costs_no_query(service: FakeService) -> None:
    auth = app(service)
    r = await Client(auth).post("/reset-password", {"newPassword": BREACHED, "token": "nope"})
    assert (r.status, r.json_body()["code"], service.received) == (400, "INVALID_TOKEN", [])


async def test_set_password_is_checked(service: FakeService) -> None:
    auth = app(service)
    client = Client(auth)
    await client.sign_up(password=SAFE)
    user = (await auth.adapter.find_many("user", []))[0]
    await auth.adapter.delete_many("account", [Where("userId", user["id"])])
    headers = {"cookie": client.cookie_header()}
    with pytest.raises(Exception) as refused:
        await auth.api.set_password(body={"newPassword": BREACHED}, headers=headers)
    assert getattr(refused.value, "code", None) == "PASSWORD_COMPROMISED"
    assert await auth.api.set_password(body={"newPassword": "fresh-and-safe"}, headers=headers) == {"status": True}


async def test_sign_in_is_never_checked(service: FakeService) -> None:
    auth = make_auth()
    await Client(auth).sign_up(password=BREACHED)  # signed up before the plugin was added
    guarded = app(service, tessera={"database": auth.adapter})
    assert (await Client(guarded).sign_in(password=BREACHED)).status == 200
    assert service.received == []


@pytest.mark.parametrize("options", [{"enabled": False}, {"paths": []}, {"paths": ["/change-password"]}])
async def test_disabled_or_other_paths_do_not_check_sign_up(service: FakeService, options: dict[str, Any]) -> None:
    auth = app(service, **options)
    assert (await Client(auth).sign_up(password=BREACHED)).status == 200
    assert service.received == []


@pytest.mark.parametrize("answer", [
    Answer(status=503, body=b"down"),
    Answer(status=302, body=b""),
    Answer(body=b"%s:01" % suffix(BREACHED).encode()),  # a count that is not one
    Answer(body=b"%s:lots" % suffix(BREACHED).encode()),
])
async def test_a_failing_service_refuses_with_503_and_writes_nothing(
    service: FakeService, answer: Answer, caplog: pytest.LogCaptureFixture
) -> None:
    service.answer_with(answer)
    auth = app(service)
    with caplog.at_level(logging.WARNING, logger="tessera"):
        r = await Client(auth).sign_up(password=BREACHED)
    assert (r.status, r.json_body()) == (503, {
        "code": "PASSWORD_CHECK_UNAVAILABLE", "message": "Failed to check password. Please try again later.",
    })
    assert await auth.adapter.find_many("user", []) == []
    logged = caplog.text.lower()
    assert "service is unavailable" in logged
    assert BREACHED not in logged and hashlib.sha1(BREACHED.encode()).hexdigest()[:5] not in logged


async def test_a_slow_service_is_bounded_by_the_timeout(service: FakeService) -> None:
    service.answer_with(Answer(body=b"", delay=5.0))
    auth = app(service, timeout=0.3)
    started = time.monotonic()
    r = await Client(auth).sign_up(password=SAFE)
    assert (r.status, r.json_body()["code"]) == (503, "PASSWORD_CHECK_UNAVAILABLE")
    assert time.monotonic() - started < 2.0


async def test_an_unreachable_service_with_fail_open_lets_the_password_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with fake_service("/range/") as gone:
        url = gone.url
    auth = make_auth(plugins=[have_i_been_pwned(api_url=url, timeout=1.0, fail_open=True)])
    with caplog.at_level(logging.WARNING, logger="tessera"):
        assert (await Client(auth).sign_up(password=BREACHED)).status == 200
    assert "password not checked" in caplog.text and BREACHED not in caplog.text


def test_compromise_count_parses_as_better_auth() -> None:
    tail = suffix(BREACHED)
    assert compromise_count(f"{tail.lower()}:7\r\nFFFFF:1", tail) == 7
    assert compromise_count(f"AAAA:1\n{tail}:0", tail) == 0
    assert compromise_count("", tail) == 0
    assert compromise_count(f"{tail}:2\n{tail}:x", tail) == 2  # the first match counts
    for bad in ("-1", "1.0", " 1", "", "9" * 400):
        if bad == "9" * 400:
            assert compromise_count(f"{tail}:{bad}", tail) > 0
            continue
        with pytest.raises(PwnedPasswordsUnavailable):
            compromise_count(f"{tail}:{bad}", tail)
    prefix, rest = sha1_split(BREACHED)
    assert len(prefix) == 5 and prefix + rest == hashlib.sha1(BREACHED.encode()).hexdigest().upper()


@pytest.mark.parametrize("options", [
    {"paths": "/sign-up/email"}, {"paths": ["sign-up"]}, {"api_url": "ftp://x/"}, {"api_url": "https://x/?a=1"},
    {"timeout": 0}, {"timeout": float("inf")}, {"timeout": True}, {"custom_password_compromised_message": ""},
    {"unknown": 1},
])
def test_bad_options_are_config_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        have_i_been_pwned(**options)


def test_defaults_are_better_auths_paths_and_set_password() -> None:
    options = HaveIBeenPwnedOptions()
    assert options.checked_paths == frozenset(DEFAULT_PATHS)
    assert "/set-password" in DEFAULT_PATHS and "/admin/set-user-password" in DEFAULT_PATHS
    assert have_i_been_pwned().id == "have-i-been-pwned"


def test_every_default_path_is_a_route_that_sets_a_password() -> None:
    """The defaults name real endpoints (a renamed route would silently go unchecked)."""
    from tessera.plugins.admin import admin
    from tessera.plugins.email_otp import email_otp
    from tessera.plugins.phone_number import phone_number

    auth = make_auth(plugins=[
        admin(), email_otp(send_verification_otp=lambda data, ctx: None),
        phone_number(send_otp=lambda data, ctx: None), have_i_been_pwned(),
    ])
    routed = {ep.path for ep in auth.endpoints.values()}
    assert set(DEFAULT_PATHS) <= routed, set(DEFAULT_PATHS) - routed
