"""Differential cases with the phone-number plugin on both servers (Better Auth's ``phoneNumber()``, tessera's
``phone_number()``, both with ``signUpOnVerification``): proving a number (signing up, then in, with it), adding
one to the signed-in user, signing in by number and password, resetting a password by SMS, the attempt limit,
the guards on setting a number, and refusals — statuses, body shapes, cookies.

Each server's ``send_otp`` and ``send_password_reset_otp`` append the codes they send to its own outbox file
(``$OTP_OUTBOX``), which the scenarios read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import PASSWORD, Pair, Side, jar_from, plugin_pair

OUTBOXES: dict[str, Path] = {}


@pytest.fixture(scope="session")
def phone_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "phoneNumber", outbox=True) as (p, servers):
        OUTBOXES.update(servers.outboxes)
        yield p


def phone(pair: Pair, n: int) -> str:
    """A number of this run's own (the servers keep their users across tests)."""
    return f"+1{int(pair.run_id, 16) % 10**8:08d}{n:02d}"


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def last_code(s: Side, number: str, kind: str = "otp") -> str:
    lines = OUTBOXES[s.name].read_text().splitlines() if OUTBOXES[s.name].exists() else []
    for line in reversed(lines):
        sms = json.loads(line)
        if sms["phoneNumber"] == number and sms["type"] == kind:
            return str(sms["code"])
    raise AssertionError(f"{s.name} sent no {kind} code to {number}")


def wrong(code: str) -> str:
    return "".join(str((int(c) + 1) % 10) for c in code)


def test_phone_number_sign_up_and_in_by_code(phone_pair: Pair) -> None:
    number = phone(phone_pair, 1)

    def scenario(s: Side) -> list[httpx.Response]:
        out = [post(s, "/phone-number/send-otp", {"phoneNumber": number})]
        code = last_code(s, number)
        out.append(post(s, "/phone-number/verify", {"phoneNumber": number, "code": wrong(code)}))
        signed = post(s, "/phone-number/verify", {"phoneNumber": number, "code": code})
        out.append(signed)
        out.append(s.get("/get-session", jar=jar_from(signed)))
        out.append(post(s, "/phone-number/verify", {"phoneNumber": number, "code": code}))  # single use
        # the holder signs in with a fresh code, or only proves the number
        post(s, "/phone-number/send-otp", {"phoneNumber": number})
        out.append(post(s, "/phone-number/verify", {"phoneNumber": number, "code": last_code(s, number)}))
        post(s, "/phone-number/send-otp", {"phoneNumber": number})
        out.append(post(s, "/phone-number/verify",
                        {"phoneNumber": number, "code": last_code(s, number), "disableSession": True}))
        return out

    phone_pair.check("phone-number: sign up and in by code", scenario)


def test_phone_number_added_to_user_then_password_sign_in(phone_pair: Pair) -> None:
    number, other = phone(phone_pair, 2), phone(phone_pair, 3)
    email = phone_pair.email("phone-add")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_up(email, "Penny")
        out = [post(s, "/phone-number/send-otp", {"phoneNumber": number})]
        out.append(post(s, "/phone-number/verify",
                        {"phoneNumber": number, "code": last_code(s, number), "updatePhoneNumber": True}, jar))
        out.append(s.get("/get-session", jar=jar))
        out.append(post(s, "/sign-in/phone-number", {"phoneNumber": number, "password": PASSWORD}))
        out.append(post(s, "/sign-in/phone-number", {"phoneNumber": number, "password": "wrong-password-1"}))
        out.append(post(s, "/sign-in/phone-number", {"phoneNumber": other, "password": PASSWORD}))
        # the number someone holds cannot be added again
        post(s, "/phone-number/send-otp", {"phoneNumber": number})
        out.append(post(s, "/phone-number/verify",
                        {"phoneNumber": number, "code": last_code(s, number), "updatePhoneNumber": True},
                        s.jars["alice"]))
        # a proven number with no session to add it to
        post(s, "/phone-number/send-otp", {"phoneNumber": other})
        out.append(post(s, "/phone-number/verify",
                        {"phoneNumber": other, "code": last_code(s, other), "updatePhoneNumber": True}))
        # set only by proving it
        out.append(post(s, "/update-user", {"phoneNumber": other}, jar))
        out.append(post(s, "/sign-up/email", {"email": phone_pair.email(f"phone-set-{s.name}"), "password": PASSWORD,
                                              "name": "S", "phoneNumber": other}))
        out.append(post(s, "/update-user", {"phoneNumber": None}, jar))
        out.append(post(s, "/sign-in/phone-number", {"phoneNumber": number, "password": PASSWORD}))
        return out

    phone_pair.check("phone-number: added to a user, password sign-in", scenario)


def test_phone_number_password_reset(phone_pair: Pair) -> None:
    number = phone(phone_pair, 4)

    def scenario(s: Side) -> list[httpx.Response]:
        post(s, "/phone-number/send-otp", {"phoneNumber": number})
        signed = post(s, "/phone-number/verify", {"phoneNumber": number, "code": last_code(s, number)})
        out = [post(s, "/phone-number/request-password-reset", {"phoneNumber": number})]
        code = last_code(s, number, "reset")
        body = {"phoneNumber": number, "otp": code, "newPassword": "a-new-password-1"}
        out.append(post(s, "/phone-number/reset-password", {**body, "newPassword": "short"}))
        out.append(post(s, "/phone-number/reset-password", {**body, "otp": wrong(code)}))
        out.append(post(s, "/phone-number/reset-password", body))
        out.append(post(s, "/sign-in/phone-number", {"phoneNumber": number, "password": "a-new-password-1"}))
        out.append(post(s, "/phone-number/reset-password", {**body, "newPassword": "a-new-password-2"}))
        out.append(s.get("/get-session", jar=jar_from(signed)))
        return out

    phone_pair.check("phone-number: password reset", scenario)


def test_phone_number_attempt_limit(phone_pair: Pair) -> None:
    number = phone(phone_pair, 5)

    def scenario(s: Side) -> list[httpx.Response]:
        post(s, "/phone-number/send-otp", {"phoneNumber": number})
        code = last_code(s, number)
        out = [post(s, "/phone-number/verify", {"phoneNumber": number, "code": wrong(code)}) for _ in range(3)]
        out.append(post(s, "/phone-number/verify", {"phoneNumber": number, "code": code}))
        out.append(post(s, "/phone-number/verify", {"phoneNumber": number, "code": code}))
        return out

    phone_pair.check("phone-number: attempt limit", scenario)


def test_phone_number_refusals(phone_pair: Pair) -> None:
    nobody = phone(phone_pair, 6)

    def scenario(s: Side) -> list[httpx.Response]:
        out = [post(s, "/phone-number/send-otp", {})]
        out.append(post(s, "/phone-number/send-otp", {"phoneNumber": 5}))
        out.append(post(s, "/phone-number/verify", {"phoneNumber": nobody}))
        out.append(post(s, "/phone-number/verify", {"phoneNumber": nobody, "code": "123456"}))
        out.append(post(s, "/sign-in/phone-number", {"phoneNumber": nobody}))
        out.append(post(s, "/sign-in/phone-number", {"phoneNumber": nobody, "password": "x" * 200}))
        out.append(post(s, "/phone-number/request-password-reset", {"phoneNumber": nobody}))
        out.append(post(s, "/phone-number/reset-password",
                        {"phoneNumber": nobody, "otp": "123456", "newPassword": "long-enough-1"}))
        # the server-only call does not exist over HTTP
        out.append(post(s, "/phone-number/consume-otp", {"phoneNumber": nobody, "code": "123456"}))
        return out

    phone_pair.check("phone-number: refusals", scenario)
