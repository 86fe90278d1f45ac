"""Open redirects: every redirect sink, over HTTP, against the classic bypasses.

Better Auth shipped CVE-2024-56734 (GET /verify-email redirected without an origin check), CVE-2025-27143
(scheme-relative ``//evil.com`` passed), CVE-2025-71403 (wildcard trusted origins matched suffix/prefix tricks)
and PR #10979 (ambiguous relative forms). security.md §2.9 lesson 1: one validator for every sink, GET and POST.
ASVS v5.0.0-3.7.2.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from tests._helpers import BASE, Client, make_auth

from tessera import Tessera

TRUSTED = [BASE, "https://*.example.com"]

#: each must be refused by every sink
BYPASSES = [
    "https://evil.com",
    "http://evil.com",
    "//evil.com",  # CVE-2025-27143
    "///evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "http:\\\\evil.com",
    "https:evil.com",
    "https:/evil.com",
    "/%2F%2Fevil.com",
    "%2F%2Fevil.com",
    "/%5Cevil.com",
    "/.//evil.com",  # dot segments that resolve to "//evil.com"
    "/x/..//evil.com",
    "/%2e//evil.com",
    " //evil.com",
    "\t//evil.com",
    "/\t/evil.com",
    "/x\n/y",
    "/x#frag",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    f"{BASE}@evil.com",  # userinfo
    "https://trusted@evil.com",
    "http://127.0.0.1:3000\\@evil.com",
    "//127.0.0.1:3000@evil.com",
    "https://evil.com#http://127.0.0.1:3000",
    "http://127.0.0.1:3000.evil.com",  # CVE-2025-71403: suffix tricks on an exact origin ...
    "https://example.com.evil.net",  # ... and on the wildcard https://*.example.com
    "https://a.example.com.evil.net",
    "https://evilexample.com",
    "https://a.example.com@evil.net",
    "https://evil.net\\.example.com",
    "https://evil.net#.example.com",
    "https://evil.net?.example.com",
    "https://evil.net/.example.com",
    "http://a.example.com",  # wrong scheme for the wildcard
]

REDIRECT_CODES = {"INVALID_CALLBACK_URL", "INVALID_REDIRECT_URL", "INVALID_ERROR_CALLBACK_URL",
                  "INVALID_NEW_USER_CALLBACK_URL"}
#: trusted targets every sink accepts (the check is not simply "refuse everything")
ACCEPTED = ["/dashboard", "/a/b?c=//d", f"{BASE}/welcome", "https://app.example.com/done"]


def app(outbox: list[dict[str, Any]]) -> Tessera:
    async def record(**kwargs: Any) -> None:
        outbox.append(kwargs)

    return make_auth(
        trusted_origins=TRUSTED,
        email_and_password={"send_reset_password": record},
        email_verification={"send_verification_email": record},
        user={"change_email": {"enabled": True},
              "delete_user": {"enabled": True, "send_delete_account_verification": record}},
        social_providers={"github": {"client_id": "id", "client_secret": "secret"}},
    )


def post_sink(path: str, field: str, **body: Any) -> Any:
    async def send(client: Client, url: str) -> Any:
        return await client.post(path, {**body, field: url})

    return send


def get_sink(path: str, query: str = "") -> Any:
    async def send(client: Client, url: str) -> Any:
        return await client.get(path, query=f"{query}callbackURL={quote(url, safe='')}")

    return send


SINKS = {
    "sign-in/email callbackURL": post_sink(
        "/sign-in/email", "callbackURL", email="alice@example.com", password="correct-horse-battery"),
    "sign-up/email callbackURL": post_sink(
        "/sign-up/email", "callbackURL", email="new@example.com", password="correct-horse-battery", name="N"),
    "request-password-reset redirectTo": post_sink("/request-password-reset", "redirectTo", email="alice@example.com"),
    "send-verification-email callbackURL": post_sink(
        "/send-verification-email", "callbackURL", email="alice@example.com"),
    "change-email callbackURL": post_sink("/change-email", "callbackURL", newEmail="other@example.com"),
    "delete-user callbackURL": post_sink("/delete-user", "callbackURL"),
    "sign-in/social callbackURL": post_sink("/sign-in/social", "callbackURL", provider="github"),
    "sign-in/social errorCallbackURL": post_sink("/sign-in/social", "errorCallbackURL", provider="github"),
    "sign-in/social newUserCallbackURL": post_sink("/sign-in/social", "newUserCallbackURL", provider="github"),
    "link-social callbackURL": post_sink("/link-social", "callbackURL", provider="github"),
    "GET verify-email callbackURL (CVE-2024-56734)": get_sink("/verify-email", "token=x&"),
    "GET reset-password/:token callbackURL": get_sink("/reset-password/abcdefghijklmnopqrstuvwx"),
    "GET delete-user/callback callbackURL": get_sink("/delete-user/callback", "token=x&"),
}


@pytest.mark.parametrize("sink", list(SINKS))
async def test_every_redirect_sink_refuses_every_bypass(sink: str) -> None:
    """CVE-2024-56734, CVE-2025-27143, CVE-2025-71403, PR #10979; ASVS v5.0.0-3.7.2: no sink redirects off-site."""
    outbox: list[dict[str, Any]] = []
    auth = app(outbox)
    browser = Client(auth)
    assert (await browser.sign_up()).status == 200
    send = SINKS[sink]
    for url in BYPASSES:
        r = await send(browser, url)
        assert r.status in (400, 403), (sink, url, r.status)
        assert r.header("location") is None, (sink, url)
        assert "evil" not in r.body.decode(errors="replace"), (sink, url)
    assert outbox == [] or sink.startswith("sign-up")  # sign-up mails nothing here: no verification required


@pytest.mark.parametrize("sink", [s for s in SINKS if not s.startswith("GET")])
async def test_trusted_targets_pass_every_post_sink(sink: str) -> None:
    """The same validator accepts safe relative paths and trusted (wildcard) origins, so refusals are meaningful."""
    auth = app([])
    browser = Client(auth)
    await browser.sign_up()
    for url in ACCEPTED:
        r = await SINKS[sink](browser, url)
        code = r.json_body().get("code") if r.body.startswith(b"{") else None
        assert code not in REDIRECT_CODES, (sink, url, code)


async def test_emailed_links_carry_only_the_validated_callback() -> None:
    """CVE-2025-71403 impact: reset/verify tokens travel to the redirect target, so only a trusted one is mailed."""
    outbox: list[dict[str, Any]] = []
    auth = app(outbox)
    r = await Client(auth).post("/sign-up/email", {"email": "bob@example.com", "password": "correct-horse-battery",
                                                   "name": "Bob"})
    assert r.status == 200
    r = await Client(auth).post("/request-password-reset", {"email": "bob@example.com", "redirectTo": "/reset"})
    assert r.status == 200
    assert outbox[-1]["url"].startswith(f"{BASE}/api/auth/reset-password/")
    assert outbox[-1]["url"].endswith("?callbackURL=%2Freset")
    token = outbox[-1]["token"]
    # the link hands the token only to the callback that was validated when the link is followed
    r = await Client(auth).get(f"/reset-password/{token}", query="callbackURL=https%3A%2F%2Fevil.com")
    assert r.status == 403 and r.header("location") is None
    r = await Client(auth).get(f"/reset-password/{token}", query="callbackURL=%2Freset")
    assert r.status == 302 and r.header("location") == f"{BASE}/reset?token={token}"
