"""Differential cases with the two-factor plugin on both servers (Better Auth's ``twoFactor()``, tessera's
``two_factor()``): enabling, the challenged password sign-in, finishing it with TOTP and a backup code, a
trusted device, and refusals — statuses, body shapes and cookies."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import PASSWORD, Pair, Side, jar_from, open_pair
from conformance_servers import start_better_auth_server, start_tessera_server, throwaway_database

from tessera.plugins.two_factor import hotp


@pytest.fixture(scope="session")
def two_factor_pair(
    reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    tmp = tmp_path_factory.mktemp("two-factor")
    with throwaway_database(postgres_admin_url, "tessera_ref") as url:
        better_auth = start_better_auth_server(tmp, reference_node, url, plugins="twoFactor")
        tessera = start_tessera_server(tmp, database=f"sqlite+aiosqlite:///{tmp / 'tessera-2fa.db'}",
                                       plugins="twoFactor")
        try:
            with open_pair(better_auth, tessera) as p:
                yield p
        finally:
            tessera.stop()
            better_auth.stop()


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def current_code(totp_uri: str, steps: int = 0) -> str:
    secret = re.search(r"secret=([A-Z2-7]+)", totp_uri)
    assert secret, totp_uri
    raw = secret.group(1)
    return hotp(base64.b32decode(raw + "=" * (-len(raw) % 8)), int(time.time()) // 30 + steps)


def test_two_factor_sign_in_flow(two_factor_pair: Pair) -> None:
    email = two_factor_pair.email("bob")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_up(email, "Bob")
        out = [post(s, "/two-factor/enable", {"password": "wrong-password"}, jar)]
        enabled = post(s, "/two-factor/enable", {"password": PASSWORD}, jar)
        out.append(enabled)
        uri, codes = enabled.json()["totpURI"], enabled.json()["backupCodes"]
        verified = post(s, "/two-factor/verify-totp", {"code": current_code(uri)}, jar)
        out.append(verified)
        jar = jar_from(verified, jar)
        out.append(s.get("/get-session", jar=jar))
        # the password step: no session, a challenge cookie
        challenged = post(s, "/sign-in/email", {"email": email, "password": PASSWORD, "rememberMe": False})
        out.append(challenged)
        challenge = jar_from(challenged)
        out.append(s.get("/get-session", jar=challenge))
        out.append(post(s, "/two-factor/verify-totp", {"code": "12345"}, challenge))
        out.append(post(s, "/two-factor/verify-backup-code", {"code": "nope-nope"}, challenge))
        finished = post(s, "/two-factor/verify-backup-code", {"code": codes[0], "trustDevice": True}, challenge)
        out.append(finished)
        device = jar_from(finished, challenge)
        out.append(s.get("/get-session", jar=device))
        # the challenge is single use
        out.append(post(s, "/two-factor/verify-backup-code", {"code": codes[1]}, challenge))
        # a trusted device signs in without a second factor, and its cookie is rotated
        trusted = {k: v for k, v in device.items() if k.endswith("trust_device")}
        out.append(post(s, "/sign-in/email", {"email": email, "password": PASSWORD}, trusted))
        # refusals
        out.append(post(s, "/two-factor/verify-totp", {"code": "123456"}))
        out.append(post(s, "/two-factor/verify-totp", {"code": 1}))
        out.append(post(s, "/two-factor/send-otp", None, challenge))
        out.append(post(s, "/two-factor/disable", {"password": "wrong-password"}, jar))
        out.append(post(s, "/two-factor/enable", {"password": PASSWORD, "method": "sms"}, jar))
        out.append(post(s, "/two-factor/generate-backup-codes", {"password": PASSWORD}, jar))
        out.append(post(s, "/two-factor/get-totp-uri", {"password": PASSWORD}, jar))
        out.append(post(s, "/two-factor/disable", {"password": PASSWORD}, jar))
        out.append(post(s, "/sign-in/email", {"email": email, "password": PASSWORD}))
        return out

    two_factor_pair.check("two-factor: sign-in flow", scenario)


def test_two_factor_attempt_limit(two_factor_pair: Pair) -> None:
    email = two_factor_pair.email("carol")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_up(email, "Carol")
        enabled = post(s, "/two-factor/enable", {"password": PASSWORD}, jar)
        uri = enabled.json()["totpURI"]
        post(s, "/two-factor/verify-totp", {"code": current_code(uri)}, jar)
        challenge = jar_from(post(s, "/sign-in/email", {"email": email, "password": PASSWORD}))
        out = [post(s, "/two-factor/verify-totp", {"code": "000000"}, challenge) for _ in range(5)]
        out.append(post(s, "/two-factor/verify-totp", {"code": current_code(uri, 1)}, challenge))
        out.append(post(s, "/two-factor/verify-totp", {"code": current_code(uri, 1)}, challenge))
        return out

    two_factor_pair.check("two-factor: attempt limit", scenario)
