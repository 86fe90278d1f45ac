"""Cross-site request forgery against cookie-authenticated endpoints, and login CSRF.

Better Auth's documented model (reference/security.mdx, security.md §2.2 C2/C3): cookie-bearing requests need
a trusted ``Origin``/``Referer``; sign-in/sign-up also refuse cookieless cross-site navigations. PR #9991:
no state change on GET (the origin check skips safe methods). ASVS v5.0.0-3.5.1/3.5.2/3.5.3.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests._helpers import Client, make_auth

from tessera import Tessera

EVIL = "https://evil.example"

#: state-changing endpoints a signed-in browser can be tricked into calling, with a body they accept
STATE_CHANGING: list[tuple[str, dict[str, Any]]] = [
    ("/sign-out", {}),
    ("/update-user", {"name": "Mallory"}),
    ("/change-password", {"currentPassword": "correct-horse-battery", "newPassword": "attacker-password"}),
    ("/revoke-sessions", {}),
    ("/revoke-other-sessions", {}),
    ("/change-email", {"newEmail": "mallory@example.com"}),
    ("/delete-user", {}),
    ("/send-verification-email", {"email": "alice@example.com"}),
]


def app() -> Tessera:
    async def mail(**_: Any) -> None:
        return None

    return make_auth(
        user={"change_email": {"enabled": True, "update_email_without_verification": True},
              "delete_user": {"enabled": True}},
        email_verification={"send_verification_email": mail},
    )


async def signed_in(auth: Tessera) -> Client:
    browser = Client(auth)
    assert (await browser.sign_up()).status == 200
    return browser


async def unchanged(auth: Tessera, browser: Client) -> None:
    session = (await browser.get("/get-session", query="disableCookieCache=true")).json_body()
    assert session is not None and session["user"]["name"] == "Alice"
    assert session["user"]["email"] == "alice@example.com"
    assert (await Client(auth).sign_in()).status == 200


@pytest.mark.parametrize(("path", "body"), STATE_CHANGING)
@pytest.mark.parametrize(
    "forgery",
    ["json-evil-origin", "form-evil-origin", "text-plain-evil-origin", "null-origin", "evil-referer", "no-origin"],
)
async def test_cross_site_requests_with_the_victims_cookies_change_nothing(
    path: str, body: dict[str, Any], forgery: str
) -> None:
    """ASVS v5.0.0-3.5.1/3.5.2: JSON, form and text/plain posts from another origin, ``Origin: null`` and a
    foreign ``Referer`` are refused before the endpoint runs; so is a cookie-bearing post with no origin at all."""
    auth = app()
    victim = await signed_in(auth)
    forger = Client(auth, origin=None)
    forger.cookies = dict(victim.cookies)
    headers: list[tuple[str, str]] = []
    raw: bytes | None = None
    content_type = "application/json"
    if forgery.endswith("evil-origin"):
        headers.append(("origin", EVIL))
    if forgery == "form-evil-origin":
        raw, content_type = b"&".join(f"{k}={v}".encode() for k, v in body.items()), "application/x-www-form-urlencoded"
    if forgery == "text-plain-evil-origin":
        raw, content_type = b'{"name":"Mallory"}', "text/plain"
    if forgery == "null-origin":
        headers.append(("origin", "null"))
    if forgery == "evil-referer":
        headers.append(("referer", EVIL + "/page"))
    r = await forger.request("POST", path, body, headers=headers, raw=raw, content_type=content_type)
    assert r.status in (403, 415), (path, forgery, r.status, r.body)
    await unchanged(auth, victim)


async def test_login_csrf_from_a_cross_site_form_is_refused() -> None:
    """Better Auth docs (C2/C3): a cookieless cross-site navigation (a forged form post) cannot sign the victim's
    browser into the attacker's account; a foreign ``Origin`` is refused too."""
    auth = app()
    await signed_in(auth)
    forged = [("sec-fetch-site", "cross-site"), ("sec-fetch-mode", "navigate"), ("sec-fetch-dest", "document")]
    form = b"email=alice%40example.com&password=correct-horse-battery"
    for path in ("/sign-in/email", "/sign-up/email"):
        r = await Client(auth, origin=None).post(path, raw=form, content_type="application/x-www-form-urlencoded",
                                                 headers=forged)
        assert (r.status, r.json_body()["code"]) == (403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED")
        assert not r.set_cookies
        r = await Client(auth, origin=EVIL).post(path, raw=form, content_type="application/x-www-form-urlencoded")
        assert (r.status, r.json_body()["code"]) == (403, "INVALID_ORIGIN")


@pytest.mark.parametrize(
    "path", ["/sign-out", "/update-user", "/change-password", "/revoke-sessions", "/delete-user", "/sign-in/email",
             "/change-email", "/reset-password", "/request-password-reset"],
)
async def test_state_changing_endpoints_do_not_answer_get(path: str) -> None:
    """ASVS v5.0.0-3.5.3, PR #9991: a navigation or ``<img>`` cannot reach a state change (GET skips the origin
    check, so only read-only or token-in-link GETs exist)."""
    auth = app()
    victim = await signed_in(auth)
    r = await victim.get(path)
    assert r.status == 404, path
    await unchanged(auth, victim)


async def test_no_wildcard_cors_is_granted() -> None:
    """ASVS v5.0.0-3.4.2: tessera sets no ``Access-Control-Allow-Origin`` of its own, least of all a reflected one."""
    auth = app()
    victim = await signed_in(auth)
    for r in (await victim.get("/get-session", headers=[("origin", EVIL)]),
              await victim.request("OPTIONS", "/get-session", headers=[("origin", EVIL)])):
        assert r.header("access-control-allow-origin") is None
        assert r.header("access-control-allow-credentials") is None
