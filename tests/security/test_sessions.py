"""Session tokens, their cookies, the signed cookie cache, and the end of a session.

Better Auth: PR #9991 (an expired but validly signed cache cookie was live; delete-user trusted the cache),
issue #8273 (sign-out left ``session_data``), GHSA-2vg6-77g8-24mp (sessions outlived their deleted user).
ASVS v5.0.0-3.3.1/3.3.2/3.3.4 (cookie attributes), 7.2.3 (>= 128 bits), 7.2.4 (new token on authentication),
7.4.1/7.4.2 (logout and deletion end sessions), 14.3.2 (no-store).
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from tests._helpers import Client, make_auth
from tests.api.conftest import Clock

from tessera.crypto.random import ALPHANUMERIC

TOKEN_COOKIE = "better-auth.session_token"
DATA_COOKIE = "better-auth.session_data"


def attributes(set_cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in set_cookie.split(";")[1:]]
    return {k.lower(): v for k, _, v in (p.partition("=") for p in parts)}


async def test_session_cookies_are_httponly_lax_rooted_and_secure_on_https() -> None:
    """ASVS v5.0.0-3.3.1/3.3.2/3.3.4: HttpOnly, SameSite=Lax, Path=/ always; Secure with a ``__Secure-`` name
    when the base URL is https."""
    for base, secure in (("https://auth.example.com", True), ("http://127.0.0.1:3000", False)):
        auth = make_auth(base_url=base, session={"cookie_cache": {"enabled": True}})
        r = await Client(auth, origin=base).sign_up()
        assert r.status == 200
        prefix = "__Secure-" if secure else ""
        for name in (prefix + TOKEN_COOKIE, prefix + DATA_COOKIE):
            attrs = attributes(r.set_cookies[name])
            assert "httponly" in attrs, name
            assert attrs["samesite"].lower() == "lax" and attrs["path"] == "/", name
            assert ("secure" in attrs) is secure, name


async def test_session_tokens_carry_at_least_128_bits_and_are_fresh_on_each_sign_in() -> None:
    """ASVS v5.0.0-7.2.3 (CSPRNG, >= 128 bits) and 7.2.4 (a new token on every authentication: a token planted
    before sign-in is never adopted)."""
    auth = make_auth()
    browser = Client(auth)
    first = (await browser.sign_up()).json_body()["token"]
    planted = browser.cookies[TOKEN_COOKIE]
    second = (await browser.sign_in()).json_body()["token"]
    assert browser.cookies[TOKEN_COOKIE] != planted and first != second
    for token in (first, second):
        assert re.fullmatch(r"[A-Za-z0-9]{32}", token)
    assert 32 * math.log2(len(ALPHANUMERIC)) >= 128


async def test_an_expired_but_validly_signed_cache_cookie_is_not_a_session() -> None:
    """PR #9991 (a), ASVS v5.0.0-7.4.1: replaying a signed ``session_data`` after its own expiry, once the
    session is gone, authenticates nobody."""
    clock = Clock()
    auth = make_auth(clock=clock, session={"cookie_cache": {"enabled": True, "max_age": 300}})
    browser = Client(auth)
    await browser.sign_up()
    stolen = dict(browser.cookies)
    assert DATA_COOKIE in stolen
    await browser.post("/sign-out")
    clock.now += timedelta(seconds=301)
    replay = Client(auth)
    replay.cookies = stolen
    r = await replay.get("/get-session")
    assert r.status == 200 and r.json_body() is None
    # within the cache's lifetime a revoked session is refused too (tessera records its revocations)
    clock.now -= timedelta(seconds=200)
    replay.cookies = stolen
    assert (await replay.get("/get-session")).json_body() is None


async def test_sign_out_expires_the_cache_cookie_too() -> None:
    """Issue #8273: sign-out clears ``session_data`` as well as the token, so no readable snapshot remains."""
    auth = make_auth(session={"cookie_cache": {"enabled": True}})
    browser = Client(auth)
    await browser.sign_up()
    r = await browser.post("/sign-out")
    for name in (TOKEN_COOKIE, DATA_COOKIE):
        assert "Max-Age=0" in r.set_cookies[name], name
    assert browser.cookies == {}


async def test_deleting_a_user_ends_every_session_even_cached_ones() -> None:
    """GHSA-2vg6-77g8-24mp, ASVS v5.0.0-7.4.2: after deletion no token of the user works on any device."""
    auth = make_auth(user={"delete_user": {"enabled": True}}, session={"cookie_cache": {"enabled": True}})
    browser = Client(auth)
    await browser.sign_up()
    other = Client(auth)
    await other.sign_in()
    assert (await browser.post("/delete-user", {})).status == 200
    assert (await other.get("/get-session")).json_body() is None
    assert (await other.get("/get-session", query="disableCookieCache=true")).json_body() is None


@pytest.mark.parametrize("path", ["/get-session", "/list-sessions"])
async def test_answers_carrying_session_tokens_are_not_cached(path: str) -> None:
    """ASVS v5.0.0-14.3.2: ``Cache-Control: no-store`` where the answer holds session tokens (list-sessions
    found here without it: a browser or proxy cache kept every session's bearer token)."""
    auth = make_auth()
    browser = Client(auth)
    await browser.sign_up()
    r = await browser.get(path)
    assert r.status == 200 and r.header("cache-control") == "no-store" and r.header("pragma") == "no-cache"


async def test_a_verification_link_that_signs_in_is_not_cached() -> None:
    """ASVS v5.0.0-14.3.2: GET /verify-email may set a session cookie; no cache may keep that answer."""
    mail: list[dict[str, str]] = []

    async def record(**kwargs: str) -> None:
        mail.append(kwargs)

    auth = make_auth(email_verification={"send_verification_email": record, "send_on_sign_up": True,
                                         "auto_sign_in_after_verification": True})
    await Client(auth).sign_up()
    await auth.context.background.drain()
    r = await Client(auth).get("/verify-email", query=f"token={mail[-1]['token']}")
    assert r.status == 200 and TOKEN_COOKIE in r.set_cookies
    assert r.header("cache-control") == "no-store"


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer a.b.c.d", "Bearer \x00", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000, "bearer=="],
)
async def test_malformed_authorization_headers_never_error(header: str) -> None:
    """Auth.js GHSA-xmf8-cvqr-rfgj (I11): a malformed ``Authorization`` header is no session, never a 500."""
    from tessera.plugins.bearer import bearer

    auth = make_auth(plugins=[bearer()])
    r = await Client(auth).get("/get-session", headers=[("authorization", header)])
    assert r.status == 200 and r.json_body() is None


async def test_a_cache_re_minted_for_a_session_revoked_mid_request_is_refused() -> None:
    """Greptile review on Better Auth PR #8916 (S4): a session revoked between a request's authoritative read and
    its re-caching (here change-email, which re-mints the cache) must not come back through that fresh cache."""
    auth = make_auth(user={"change_email": {"enabled": True, "update_email_without_verification": True}},
                     session={"cookie_cache": {"enabled": True}})
    browser = Client(auth)
    await browser.sign_up()
    other_tab = Client(auth)
    other_tab.cookies = dict(browser.cookies)
    store = auth.context.store
    update_user = store.update_user

    async def revoked_meanwhile(*args: object, **kwargs: object) -> object:
        assert (await other_tab.post("/sign-out")).status == 200
        return await update_user(*args, **kwargs)  # type: ignore[arg-type]

    store.update_user = revoked_meanwhile  # type: ignore[method-assign]
    r = await browser.post("/change-email", {"newEmail": "new@example.com"})
    store.update_user = update_user  # type: ignore[method-assign]
    assert r.status == 200 and DATA_COOKIE in r.set_cookies  # a fresh, well-signed cache for the dead session
    assert (await browser.get("/get-session")).json_body() is None


async def test_a_failing_store_never_reads_as_signed_in_or_anonymous() -> None:
    """Auth.js GHSA-8fpg-xm3f-6cx3 (C8), ASVS v5.0.0-16.5.3 (fail closed): when the session store fails, a session
    lookup raises (a 503 over HTTP, ``tessera/outage.py``) instead of answering a session or a quiet "signed out"."""
    auth = make_auth()
    browser = Client(auth)
    await browser.sign_up()

    async def down(*_: object, **__: object) -> object:
        raise ConnectionError("database unavailable")

    auth.context.store.find_session = down  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await auth.resolve_session([("cookie", browser.cookie_header())])
    r = await browser.get("/get-session")
    assert r.status == 503 and r.json_body()["code"] == "SERVICE_UNAVAILABLE"
    r = await browser.post("/update-user", {"name": "Mallory"})
    assert r.status == 503
