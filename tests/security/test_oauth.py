"""OAuth social sign-in as a client: flows bound to their browser *and* their provider, mix-up defence, and
provider addresses that only look like local ones.

Auth.js GHSA-x445-f3h2-j279 (security.md §2.8, O6: check cookies not bound to the issuing provider) and
GHSA-7rqj-j65f-68wh (I5: validation before normalisation), ASVS
v5.0.0-10.1.2 (a code is accepted only from the flow this user-agent started), 10.2.2 (mix-up: ``iss``).
The other OAuth advisories are covered in tests/oauth (see docs/security.md).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
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

from tessera.oauth.linking import runtime
from tessera.oauth.provider import UserInfo

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


@pytest.mark.parametrize("address", ["\u212aate@example.com", "\u212aATE@example.com", "kate@example.com\u0130"])
async def test_a_provider_address_that_lower_cases_onto_a_local_one_is_not_linked(
    provider: Provider, address: str  # noqa: F811
) -> None:
    """Auth.js GHSA-7rqj-j65f-68wh (I5; found here for OAuth): ``"\\u212a".lower() == "k"``, so a provider
    vouching for ``\\u212aate@example.com`` was linked to the verified local ``kate@example.com`` and signed
    in as her. A non-ASCII provider address now names nobody: the flow fails as if no address was sent."""
    provider.set_user("kelvin-sub", email="mallory@example.com", email_verified=True)
    auth = make_oauth_auth(provider, account={"account_linking": {"trusted_providers": ["idp"]}})
    kate = Client(auth)
    await kate.sign_up("kate@example.com")
    user = await auth.context.store.find_user_by_email("kate@example.com")
    assert user is not None
    await auth.context.store.update_user(user["id"], {"emailVerified": True})
    # the mock provider normalises addresses itself, so the hostile one is what this provider reports
    idp = runtime(auth.context).get("idp")
    assert idp is not None
    genuine = idp.get_user_info

    async def hostile(*args: Any, **kwargs: Any) -> UserInfo | None:
        info = await genuine(*args, **kwargs)
        return None if info is None else replace(info, email=address, email_verified=True)

    idp.get_user_info = hostile  # type: ignore[method-assign]
    attacker = Client(auth)
    redirect = provider.consent(await start(attacker, errorCallbackURL="/failed"), "kelvin-sub")
    r = await follow_to_tessera(attacker, redirect)
    assert r.status == 302 and query_of(location(r))["error"] == "email_not_found"
    assert "better-auth.session_token" not in r.set_cookies
    assert await auth.adapter.count("account") == 1  # kate's credential account only
    assert await auth.adapter.count("user") == 1
