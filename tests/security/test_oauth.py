"""OAuth social sign-in as a client: flows bound to their browser *and* their provider, mix-up defence.

Auth.js GHSA-x445-f3h2-j279 (security.md §2.8, O6: check cookies not bound to the issuing provider), ASVS
v5.0.0-10.1.2 (a code is accepted only from the flow this user-agent started), 10.2.2 (mix-up: ``iss``).
The other OAuth advisories are covered in tests/oauth (see docs/security.md).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

pytest.importorskip("oidc_provider_mock")

from tests._helpers import Client
from tests.oauth.conftest import (
    Provider,
    follow_to_tessera,
    location,
    make_oauth_auth,
    oidc_config,
    provider,  # noqa: F401 - the fixture
    query_of,
    start,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def with_params(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in params] + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


async def test_a_flow_started_with_one_provider_is_refused_at_another_providers_callback(
    provider: Provider,  # noqa: F811
) -> None:
    """GHSA-x445-f3h2-j279 / ASVS v5.0.0-10.2.2 (hardening found here): a state issued for ``idp`` returned to
    ``/callback/other`` was redeemed by ``other`` with ``idp``'s code and PKCE verifier; only the provider's own
    redirect_uri check stopped it. tessera now refuses it itself, before any token request."""
    provider.set_user("mix-sub", email="mix@example.com", email_verified=True)
    auth = make_oauth_auth(provider, social_providers={"idp": oidc_config(provider),
                                                       "other": oidc_config(provider)})
    browser = Client(auth)
    redirect = provider.consent(await start(browser, "idp", errorCallbackURL="/failed"), "mix-sub")
    moved = redirect.replace("/callback/idp", "/callback/other")
    assert moved != redirect
    r = await follow_to_tessera(browser, moved)
    assert r.status == 302 and location(r) == "/failed?error=state_mismatch"
    assert "better-auth.session_token" not in r.set_cookies
    assert await auth.adapter.count("session") == 0 and await auth.adapter.count("account") == 0
    # the same flow at its own provider still works (a fresh one: the state above was spent)
    redirect = provider.consent(await start(browser, "idp"), "mix-sub")
    ok = await follow_to_tessera(browser, redirect)
    assert ok.status == 302 and "better-auth.session_token" in ok.set_cookies


async def test_an_authorization_response_from_another_issuer_is_refused(provider: Provider) -> None:  # noqa: F811
    """ASVS v5.0.0-10.2.2 (RFC 9207): an ``iss`` that is not the provider's issuer fails the callback."""
    provider.set_user("iss-sub", email="iss@example.com", email_verified=True)
    auth = make_oauth_auth(provider)
    browser = Client(auth)
    redirect = provider.consent(await start(browser, errorCallbackURL="/failed"), "iss-sub")
    r = await follow_to_tessera(browser, with_params(redirect, iss="https://attacker.example"))
    assert r.status == 302 and query_of(location(r))["error"] == "issuer_mismatch"
    assert await auth.adapter.count("session") == 0
