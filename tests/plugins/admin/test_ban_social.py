"""A banned user gets no session through a social sign-in either: the callback sends the browser to the
error URL with Better Auth's ``?error=BANNED_USER&error_description=<message>``."""

from __future__ import annotations

import pytest

from tessera.plugins.admin import admin
from tests._helpers import Client
from tests.oauth.conftest import (  # noqa: F401  (``provider`` is a fixture)
    Provider,
    location,
    make_oauth_auth,
    provider,
    query_of,
    social_sign_in,
)

# the provider's authlib announces its own deprecations while it serves requests
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_a_banned_user_is_sent_to_the_error_url(provider: Provider) -> None:  # noqa: F811
    provider.set_user("alice-sub", email="alice@example.com", email_verified=True, name="Alice")
    auth = make_oauth_auth(provider, plugins=[admin(banned_user_message="Banned.")])
    first = await social_sign_in(Client(auth), provider, "alice-sub", callbackURL="/home")
    assert location(first) == "/home"
    user = (await auth.adapter.find_many("user"))[0]
    assert user["role"] == "user"  # the default role reaches social sign-ups too
    await auth.context.store.update_user(user["id"], {"banned": True})

    browser = Client(auth)
    done = await social_sign_in(browser, provider, "alice-sub", callbackURL="/home", errorCallbackURL="/oops")
    assert done.status == 302
    target = location(done)
    assert target.startswith("/oops?")
    assert query_of(target) == {"error": "BANNED_USER", "error_description": "Banned."}
    assert "better-auth.session_token" not in done.set_cookies
    assert (await browser.get("/get-session")).body == b"null"
