"""The oauth-proxy plugin (Better Auth's ``oAuthProxy()``): social sign-in on deployments whose URL is not
registered with the OAuth providers (preview deployments), by way of the production server, whose is::

    from tessera.plugins.oauth_proxy import oauth_proxy

    auth = Tessera(..., trusted_origins=["https://*.preview.example"],
                   plugins=[oauth_proxy(production_url="https://app.example")])

The same code and secret run on both. A sign-in started on a preview sends the provider back to the production
server's ``/callback/:id``, which exchanges the code and sends the browser on to the preview's
``/callback/:id/oauth-proxy`` with the identity sealed under the shared secret; the preview signs the user in
against its own database. See docs/oauth-proxy.md.
"""

from __future__ import annotations

from typing import Any

from ...context import AuthContext
from ...crypto.keyring import Keyring
from ..base import ContextPlugin, plugin_from_options
from .config import OAuthProxyOptions
from .endpoints import build_endpoints
from .hooks import callback_hooks, sign_in_hooks
from .payload import keyrings

__all__ = ["OAuthProxyOptions", "OAuthProxyPlugin", "oauth_proxy"]


class OAuthProxyPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(OAuthProxyPlugin).options`` is its ``OAuthProxyOptions``."""

    options: OAuthProxyOptions

    def __init__(self, options: OAuthProxyOptions) -> None:
        #: the purpose keys (``payload.PACKAGE``, ``STATE``, ``PROFILE``), derived once when ``Tessera`` is built
        self.keys: dict[str, Keyring] = {}
        sign_in_before, sign_in_after = sign_in_hooks(self)
        callback_before, callback_after = callback_hooks(self)
        super().__init__(
            id="oauth-proxy",
            endpoints=build_endpoints(self),
            before=(sign_in_before, callback_before),
            after=(sign_in_after, callback_after),
            init=self._build,
            options=options,
        )

    def _build(self, context: AuthContext) -> None:
        self._init(context)
        secret = self.options.secret
        self.keys = keyrings(Keyring.single(secret) if secret else context.keyring)


def oauth_proxy(options: OAuthProxyOptions | None = None, /, **kwargs: Any) -> OAuthProxyPlugin:
    """Better Auth's ``oAuthProxy()`` plugin. Keyword arguments are ``OAuthProxyOptions`` fields:
    ``oauth_proxy(production_url="https://app.example", max_age=60)``."""
    return plugin_from_options("oauth_proxy", OAuthProxyPlugin, OAuthProxyOptions, options, kwargs)
