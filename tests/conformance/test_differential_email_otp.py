"""Differential cases with the email-OTP plugin on both servers (Better Auth's ``emailOTP()``, tessera's
``email_otp()``): sending codes, signing in (and up) with one, verifying an address, resetting a password,
the attempt limit, the server-only calls' absence over HTTP, and refusals — statuses, body shapes, cookies.

Each server's ``send_verification_otp`` appends the codes it sends to its own outbox file (``$OTP_OUTBOX``),
which the scenarios read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import PASSWORD, Pair, Side, jar_from, plugin_pair

OUTBOXES: dict[str, Path] = {}


@pytest.fixture(scope="session")
def email_otp_pair(
    reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "emailOTP", outbox=True) as (p, servers):
        OUTBOXES.update(servers.outboxes)
        yield p


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def last_code(s: Side, email: str, otp_type: str) -> str:
    """The last code this side sent to ``email`` for ``otp_type``."""
    path = Path(OUTBOXES[s.name])
    lines = path.read_text().splitlines() if path.exists() else []
    for line in reversed(lines):
        mail = json.loads(line)
        if mail["email"] == email and mail["type"] == otp_type:
            return str(mail["otp"])
    raise AssertionError(f"{s.name} sent no {otp_type} code to {email}")


def sent_count(s: Side, email: str) -> int:
    path = Path(OUTBOXES[s.name])
    lines = path.read_text().splitlines() if path.exists() else []
    return sum(1 for line in lines if json.loads(line)["email"] == email)


def wrong(code: str) -> str:
    return "".join(str((int(c) + 1) % 10) for c in code)


def test_email_otp_sign_in_and_up(email_otp_pair: Pair) -> None:
    email = email_otp_pair.email("otp-new")

    def scenario(s: Side) -> list[httpx.Response]:
        out = [post(s, "/email-otp/send-verification-otp", {"email": email.upper(), "type": "sign-in"})]
        code = last_code(s, email, "sign-in")
        out.append(post(s, "/sign-in/email-otp", {"email": email, "otp": wrong(code)}))
        signed = post(s, "/sign-in/email-otp", {"email": email, "otp": code, "name": "Neo"})
        out.append(signed)
        out.append(s.get("/get-session", jar=jar_from(signed)))
        # single use
        out.append(post(s, "/sign-in/email-otp", {"email": email, "otp": code}))
        # an existing user signs in with a fresh code
        post(s, "/email-otp/send-verification-otp", {"email": email, "type": "sign-in"})
        out.append(post(s, "/sign-in/email-otp", {"email": email, "otp": last_code(s, email, "sign-in")}))
        return out

    email_otp_pair.check("email-otp: sign in and up", scenario)


def test_email_otp_verify_email_and_check(email_otp_pair: Pair) -> None:
    email = email_otp_pair.email("otp-verify")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_up(email, "Vera")
        out = [post(s, "/email-otp/send-verification-otp", {"email": email, "type": "email-verification"})]
        code = last_code(s, email, "email-verification")
        out.append(post(s, "/email-otp/check-verification-otp",
                        {"email": email, "type": "email-verification", "otp": wrong(code)}))
        out.append(post(s, "/email-otp/check-verification-otp",
                        {"email": email, "type": "email-verification", "otp": code}))
        # checking leaves the code usable
        out.append(post(s, "/email-otp/verify-email", {"email": email, "otp": code}, jar))
        out.append(s.get("/get-session", jar=jar))
        out.append(post(s, "/email-otp/verify-email", {"email": email, "otp": code}, jar))
        return out

    email_otp_pair.check("email-otp: verify email", scenario)


def test_email_otp_password_reset(email_otp_pair: Pair) -> None:
    email = email_otp_pair.email("otp-reset")

    def scenario(s: Side) -> list[httpx.Response]:
        s.sign_up(email, "Rita")
        out = [post(s, "/email-otp/request-password-reset", {"email": email})]
        code = last_code(s, email, "forget-password")
        out.append(post(s, "/email-otp/reset-password", {"email": email, "otp": code, "password": "short"}))
        out.append(post(s, "/email-otp/reset-password", {"email": email, "otp": wrong(code), "password": "a-new-password-1"}))
        out.append(post(s, "/email-otp/reset-password", {"email": email, "otp": code, "password": "a-new-password-1"}))
        out.append(post(s, "/sign-in/email", {"email": email, "password": PASSWORD}))
        out.append(post(s, "/sign-in/email", {"email": email, "password": "a-new-password-1"}))
        out.append(post(s, "/email-otp/reset-password", {"email": email, "otp": code, "password": "a-new-password-2"}))
        # the deprecated route still answers
        out.append(post(s, "/forget-password/email-otp", {"email": email}))
        return out

    email_otp_pair.check("email-otp: password reset", scenario)


def test_email_otp_attempt_limit(email_otp_pair: Pair) -> None:
    email = email_otp_pair.email("otp-limit")

    def scenario(s: Side) -> list[httpx.Response]:
        post(s, "/email-otp/send-verification-otp", {"email": email, "type": "sign-in"})
        code = last_code(s, email, "sign-in")
        out = [post(s, "/sign-in/email-otp", {"email": email, "otp": wrong(code)}) for _ in range(3)]
        out.append(post(s, "/sign-in/email-otp", {"email": email, "otp": code}))
        out.append(post(s, "/sign-in/email-otp", {"email": email, "otp": code}))
        return out

    email_otp_pair.check("email-otp: attempt limit", scenario)


def test_email_otp_unknown_addresses_and_refusals(email_otp_pair: Pair) -> None:
    nobody = email_otp_pair.email("otp-nobody")

    def scenario(s: Side) -> list[httpx.Response]:
        before = sent_count(s, nobody)
        out = [post(s, "/email-otp/send-verification-otp", {"email": nobody, "type": "email-verification"})]
        out.append(post(s, "/email-otp/request-password-reset", {"email": nobody}))
        assert sent_count(s, nobody) == before, "no mail to an unknown address"
        out.append(post(s, "/email-otp/send-verification-otp", {"email": "not-an-email", "type": "sign-in"}))
        out.append(post(s, "/email-otp/send-verification-otp", {"email": nobody, "type": "bogus"}))
        out.append(post(s, "/email-otp/send-verification-otp", {"email": nobody, "type": "change-email"}))
        out.append(post(s, "/email-otp/send-verification-otp", {"email": nobody}))
        out.append(post(s, "/email-otp/verify-email", {"email": nobody, "otp": "123456"}))
        out.append(post(s, "/email-otp/verify-email", {"email": "nope", "otp": "123456"}))
        out.append(post(s, "/sign-in/email-otp", {"email": nobody}))
        out.append(post(s, "/email-otp/check-verification-otp", {"email": nobody, "type": "sign-in", "otp": "1"}))
        out.append(post(s, "/email-otp/reset-password", {"email": nobody, "otp": "1", "password": "long-enough-1"}))
        out.append(post(s, "/email-otp/request-email-change", {"newEmail": nobody}))
        # the server-only calls do not exist over HTTP
        out.append(post(s, "/email-otp/create-verification-otp", {"email": nobody, "type": "sign-in"}))
        out.append(s.get(f"/email-otp/get-verification-otp?email={nobody}&type=sign-in"))
        return out

    email_otp_pair.check("email-otp: unknown addresses and refusals", scenario)
