"""Host-header poisoning of emailed links and JWT audiences when no ``base_url`` is configured.

@convex-dev/better-auth GHSA-pgx2-m66h-x29f / GHSA-9qq3-v9g3-cxhw (security.md §2.1, test C6): with a
request-derived base URL, ``Host: evil.com`` on ``request-password-reset`` mailed the victim a link to evil.com,
which receives the token when the victim clicks it. CVE-2025-71401 (§2.2, test C7): the first request must not
fix the base path for the process.
"""

from __future__ import annotations

import warnings
from typing import Any

from tests._helpers import FAST_HASHER, SECRET, Client

from tessera import Tessera
from tessera.plugins.jwt import jwt


def dynamic_app(outbox: list[dict[str, Any]], **options: Any) -> Tessera:
    """No ``base_url``: the deployment relies on the request's host, like Better Auth without ``baseURL``."""

    async def record(**kwargs: Any) -> None:
        outbox.append(kwargs)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Tessera(
            secret=SECRET,
            email_and_password={"enabled": True, "password": FAST_HASHER, "send_reset_password": record},
            email_verification={"send_verification_email": record},
            **options,
        )


async def test_a_forged_host_never_receives_a_reset_link() -> None:
    """GHSA-pgx2-m66h-x29f / GHSA-9qq3-v9g3-cxhw: ``Host: evil.com`` must not choose the host of a mailed token."""
    outbox: list[dict[str, Any]] = []
    auth = dynamic_app(outbox, trusted_origins=["http://app.example.com"])
    await Client(auth, origin=None).sign_up(headers=[("host", "app.example.com")])
    for host in ("evil.com", "app.example.com.evil.com", "evil.com\\@app.example.com", "localhost"):
        attacker = Client(auth, origin=None)
        r = await attacker.post("/request-password-reset", {"email": "alice@example.com"}, headers=[("host", host)])
        # production-like hosts are refused; loopback is allowed only outside production (local development)
        if host == "localhost":
            assert r.status == 200
            assert outbox[-1]["url"].startswith("http://localhost/")
            continue
        assert r.status == 403 and r.json_body()["code"] == "INVALID_ORIGIN", host
        assert all("evil" not in m["url"] for m in outbox)
    outbox.clear()
    # a trusted host still works without base_url: the link points at it
    r = await Client(auth, origin=None).post(
        "/request-password-reset", {"email": "alice@example.com"}, headers=[("host", "app.example.com")]
    )
    assert r.status == 200
    assert len(outbox) == 1 and outbox[0]["url"].startswith("http://app.example.com/api/auth/reset-password/")


async def test_verification_links_follow_the_same_rule() -> None:
    """GHSA-9qq3-v9g3-cxhw: the verification link (a token in a URL, ASVS v5.0.0-14.2.1) is built the same way."""
    outbox: list[dict[str, Any]] = []
    auth = dynamic_app(outbox, trusted_origins=["http://app.example.com"])
    await Client(auth, origin=None).sign_up(headers=[("host", "app.example.com")])
    outbox.clear()
    evil = Client(auth, origin=None)
    r = await evil.post("/send-verification-email", {"email": "alice@example.com"}, headers=[("host", "evil.com")])
    await auth.context.background.drain()
    assert all("evil" not in m["url"] for m in outbox)
    assert r.status == 200  # the enumeration-safe answer; the mail is simply never built


async def test_loopback_hosts_are_not_trusted_in_production() -> None:
    """GHSA-pgx2-m66h-x29f: the development convenience (loopback hosts) does not exist in production."""
    outbox: list[dict[str, Any]] = []
    auth = dynamic_app(outbox, trusted_origins=["http://app.example.com"], production=True)
    await Client(auth, origin=None).sign_up(headers=[("host", "app.example.com")])
    r = await Client(auth, origin=None).post(
        "/request-password-reset", {"email": "alice@example.com"}, headers=[("host", "localhost")]
    )
    assert r.status == 403 and outbox == []


async def test_jwt_audience_is_not_chosen_by_the_host_header() -> None:
    """ASVS v5.0.0-9.2.3/9.2.4: without base_url, ``Host`` must not mint a token whose ``iss``/``aud`` it picked."""
    auth = dynamic_app([], trusted_origins=["http://app.example.com"], plugins=[jwt()])
    browser = Client(auth, origin=None)
    await browser.sign_up(headers=[("host", "app.example.com")])
    r = await browser.get("/token", headers=[("host", "other-service.internal")])
    assert r.status == 403
    session = await browser.get("/get-session", headers=[("host", "other-service.internal")])
    assert session.status == 200 and session.header("set-auth-jwt") is None
    ok = await browser.get("/token", headers=[("host", "app.example.com")])
    assert ok.status == 200


async def test_the_first_request_does_not_fix_the_base_path() -> None:
    """CVE-2025-71401: a crafted first request must not decide the routes or base URL for later requests."""
    auth = dynamic_app([], trusted_origins=["http://app.example.com"])
    first = Client(auth, origin=None)
    r = await first.request("GET", "/../../weird//path", headers=[("host", "evil.com")])
    assert r.status == 404
    r = await Client(auth, origin=None).get("/ok", headers=[("host", "app.example.com")])
    assert r.status == 200 and r.json_body() == {"ok": True}
