"""One-time and signed tokens: entropy, single use, expiry, purpose and subject binding, constant-time checks.

security.md §2.9 lesson 2 (CVE-2026-110862: tokens of different purposes must never stand in for each other),
1.7.16 release notes (verification links bound to their account), ASVS v5.0.0-6.4.1 (CSPRNG, expire, single
use), 11.2.4 (constant-time comparison), 15.4.2 (atomic consume).
"""

from __future__ import annotations

import ast
import asyncio
import math
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests._helpers import Client, make_auth
from tests.api.conftest import Clock

from tessera import Tessera
from tessera.crypto import hs256

SRC = Path(__file__).resolve().parents[2] / "src" / "tessera"


def mailing_app(**options: Any) -> tuple[Tessera, list[dict[str, Any]]]:
    mail: list[dict[str, Any]] = []

    async def record(**kwargs: Any) -> None:
        mail.append(kwargs)

    auth = make_auth(
        email_and_password={"send_reset_password": record},
        email_verification={"send_verification_email": record},
        **options,
    )
    return auth, mail


async def reset_token(auth: Tessera, mail: list[dict[str, Any]], email: str = "alice@example.com") -> str:
    await Client(auth).post("/request-password-reset", {"email": email})
    return str(mail[-1]["token"])


async def test_reset_tokens_are_long_single_use_and_expire() -> None:
    """ASVS v5.0.0-6.4.1/11.5.1: >= 128 bits from a CSPRNG, redeemed once, dead after
    ``reset_password_token_expires_in``."""
    clock = Clock()
    auth, mail = mailing_app(clock=clock)
    await Client(auth).sign_up()
    token = await reset_token(auth, mail)
    assert len(token) * math.log2(62) >= 128
    assert (await Client(auth).post("/reset-password", {"token": token, "newPassword": "new-password-1"})).status == 200
    again = await Client(auth).post("/reset-password", {"token": token, "newPassword": "new-password-2"})
    assert (again.status, again.json_body()["code"]) == (400, "INVALID_TOKEN")
    late = await reset_token(auth, mail)
    clock.now += timedelta(seconds=3601)
    r = await Client(auth).post("/reset-password", {"token": late, "newPassword": "new-password-3"})
    assert (r.status, r.json_body()["code"]) == (400, "INVALID_TOKEN")
    assert (await Client(auth).sign_in(password="new-password-1")).status == 200


async def test_racing_redemptions_of_one_reset_token_succeed_once() -> None:
    """ASVS v5.0.0-15.4.2 (Better Auth #8067/#9572 races): the consume is atomic."""
    auth, mail = mailing_app()
    await Client(auth).sign_up()
    token = await reset_token(auth, mail)
    answers = await asyncio.gather(*(
        Client(auth).post("/reset-password", {"token": token, "newPassword": f"new-password-{i}"}) for i in range(5)
    ))
    assert sorted(r.status for r in answers) == [200, 400, 400, 400, 400]


async def test_tokens_of_one_purpose_are_refused_by_every_other() -> None:
    """CVE-2026-110862 (§2.4, P6), lesson 2: a reset token, a verification JWT, a deletion token and a signed
    cookie-cache JWT (same HS256 secret) are each refused where another purpose is expected."""
    auth, mail = mailing_app(
        user={"delete_user": {"enabled": True, "send_delete_account_verification": None}},
        session={"cookie_cache": {"enabled": True, "strategy": "jwt"}},
    )
    browser = Client(auth)
    await browser.sign_up()
    cache_jwt = browser.cookies["better-auth.session_data"]
    await browser.post("/send-verification-email", {"email": "alice@example.com"})
    await auth.context.background.drain()
    verify_jwt = mail[-1]["token"]
    reset = await reset_token(auth, mail)

    for token in (reset, cache_jwt):
        r = await Client(auth).get("/verify-email", query=f"token={token}")
        assert (r.status, r.json_body()["code"]) == (401, "INVALID_TOKEN"), token
    for token in (verify_jwt, cache_jwt):
        r = await Client(auth).post("/reset-password", {"token": token, "newPassword": "new-password-1"})
        assert (r.status, r.json_body()["code"]) == (400, "INVALID_TOKEN")
        r = await browser.get("/delete-user/callback", query=f"token={token}")
        assert r.status == 404
    # a verification JWT planted as the cookie cache is no session
    planted = Client(auth)
    planted.cookies = {"better-auth.session_token": browser.cookies["better-auth.session_token"],
                       "better-auth.session_data": verify_jwt}
    await browser.post("/sign-out")
    assert (await planted.get("/get-session")).json_body() is None
    # and the reset token still works for its own purpose afterwards: nothing above consumed it
    r = await Client(auth).post("/reset-password", {"token": reset, "newPassword": "new-password-1"})
    assert r.status == 200


async def test_verification_tokens_expire_and_are_bound_to_their_account() -> None:
    """ASVS v5.0.0-6.4.1 and Better Auth 1.7.16 (P5): an expired or re-addressed verification token is refused."""
    auth, _ = mailing_app()
    await Client(auth).sign_up()
    user = await auth.context.store.find_user_by_email("alice@example.com")
    assert user is not None
    expired = hs256.sign(auth.context.signer, {"email": "alice@example.com", "userId": user["id"]},
                         expires_in=3600, now=time.time() - 7200)
    r = await Client(auth).get("/verify-email", query=f"token={expired}")
    assert (r.status, r.json_body()["code"]) == (401, "TOKEN_EXPIRED")
    await Client(auth).sign_up("bob@example.com")
    other = hs256.sign(auth.context.signer, {"email": "bob@example.com", "userId": user["id"]}, expires_in=3600)
    r = await Client(auth).get("/verify-email", query=f"token={other}")
    assert (r.status, r.json_body()["code"]) == (401, "INVALID_USER")
    bob = await auth.context.store.find_user_by_email("bob@example.com")
    assert bob is not None and bob["emailVerified"] is False


_SECRET_NAMES = ("signature", "sig", "mac", "digest", "tag", "secret", "token", "nonce", "verifier", "state", "hash")


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    return ""


def test_secret_values_are_never_compared_with_equality() -> None:
    """ASVS v5.0.0-11.2.4: MACs, signatures, tokens, states, nonces and verifiers are compared with
    ``hmac.compare_digest``; ``==``/``!=`` between two secret-named operands is a regression."""
    offenders = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Compare) or not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
                continue
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Constant) for o in operands):
                continue  # a comparison with a literal (``alg != "HS256"``) leaks nothing secret
            names = [_name(o).lower() for o in operands]
            if all(any(n == s or n.endswith("_" + s) or n.startswith(s + "_") for s in _SECRET_NAMES) for n in names):
                offenders.append(f"{path.relative_to(SRC)}: {ast.unparse(node)}")
    # cookie_cache: the entry's token comes from the MAC-verified cache cookie and is compared with the client's
    # own session cookie; both are values the client sent, so there is nothing secret to time
    assert set(offenders) <= {"session/cookie_cache.py: entry.token != token"}, offenders
