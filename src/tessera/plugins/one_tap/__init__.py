"""The one-tap plugin (Better Auth's ``oneTap()``): sign in with the Google ID token that Google One Tap (or the
"Sign in with Google" button) hands the page. Compatible with the official ``oneTapClient``::

    from tessera.plugins.one_tap import one_tap

    auth = Tessera(..., social_providers={"google": {"client_id": "…", "client_secret": "…"}},
                   plugins=[one_tap()])

``POST /one-tap/callback`` ``{"idToken": …, "callbackURL"?: …}`` verifies the token against Google's keys, signs
the user in (or up, or links the Google identity to the verified local account with that address) and answers
``{"token": …, "user": …}`` with the session cookie. No schema of its own. See docs/one-tap.md.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ...context import AuthContext
from ...oauth.linking import runtime
from ...oauth.provider import OAuthProvider
from ...oauth.providers.google import Google, GoogleOptions
from ..base import ContextPlugin, plugin_from_options
from .config import OneTapOptions
from .endpoints import build_endpoints
from .errors import OneTapErrors

__all__ = ["OneTapErrors", "OneTapOptions", "OneTapPlugin", "one_tap"]


class OneTapPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(OneTapPlugin).options`` is its ``OneTapOptions``."""

    options: OneTapOptions

    def __init__(self, options: OneTapOptions) -> None:
        self._google: OAuthProvider | None = None
        super().__init__(
            id="one-tap",
            endpoints=build_endpoints(options, lambda: self._google),
            error_codes=OneTapErrors,
            init=self._build,
            options=options,
        )

    @property
    def provider(self) -> OAuthProvider | None:
        """The Google provider ID tokens are verified with (``None``: no client id configured anywhere)."""
        return self._google

    def _build(self, context: AuthContext) -> None:
        self._init(context)
        oauth = runtime(context)
        configured = oauth.get("google")
        client_id = self.options.client_id
        if client_id is None:
            self._google = configured
        elif configured is not None:
            # the plugin's client id wins; everything else (hd, sign-up policy, profile mapping) is the provider's
            options = dataclasses.replace(configured.options, client_id=client_id)
            provider = type(configured)("google", options, oauth.http, clock=configured.clock)
            provider.jwks = configured.jwks  # one cache of Google's keys
            self._google = provider
        else:
            self._google = Google("google", GoogleOptions(client_id=client_id), oauth.http, clock=context.now)


def one_tap(options: OneTapOptions | None = None, /, **kwargs: Any) -> OneTapPlugin:
    """Better Auth's ``oneTap()`` plugin. Keyword arguments are ``OneTapOptions`` fields:
    ``one_tap(client_id="….apps.googleusercontent.com", disable_signup=True)``."""
    return plugin_from_options("one_tap", OneTapPlugin, OneTapOptions, options, kwargs)
