"""The one-time-token plugin (Better Auth's ``oneTimeToken()``): trade a signed-in session for a short-lived,
single-use token, and the token back for the session — for handing a session across devices, apps or domains
(a desktop app opening the browser, a mobile deep link). Compatible with the official ``oneTimeTokenClient``::

    from tessera.plugins.one_time_token import one_time_token

    auth = Tessera(..., plugins=[one_time_token(expires_in=3)])

``GET /one-time-token/generate`` (signed in) answers ``{"token": …}``; ``POST /one-time-token/verify``
``{"token": …}`` consumes it, sets the session cookie and answers ``{"session": …, "user": …}``. No schema of
its own: tokens are verification rows. See docs/one-time-token.md.
"""

from __future__ import annotations

from typing import Any

from ...hooks import Hook
from ..base import ContextPlugin, plugin_from_options
from ..magic_link.config import CustomHasher
from .config import OneTimeTokenOptions
from .endpoints import PREFIX, build_endpoints, set_ott_header
from .errors import OneTimeTokenErrors

__all__ = [
    "PREFIX",
    "CustomHasher",
    "OneTimeTokenErrors",
    "OneTimeTokenOptions",
    "OneTimeTokenPlugin",
    "one_time_token",
]


class OneTimeTokenPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(OneTimeTokenPlugin).options`` is its ``OneTimeTokenOptions``."""

    options: OneTimeTokenOptions

    def __init__(self, options: OneTimeTokenOptions) -> None:
        super().__init__(
            id="one-time-token",
            endpoints=build_endpoints(options),
            # only adds a header: a get-session answer rendered ahead stays valid
            after=(Hook(set_ott_header(options), keeps_result=True),) if options.set_ott_header_on_new_session
            else (),
            error_codes=OneTimeTokenErrors,
            init=self._init,
            options=options,
        )


def one_time_token(options: OneTimeTokenOptions | None = None, /, **kwargs: Any) -> OneTimeTokenPlugin:
    """Better Auth's ``oneTimeToken()`` plugin. Keyword arguments are ``OneTimeTokenOptions`` fields:
    ``one_time_token(expires_in=3, store_token="hashed", disable_client_request=True)``."""
    return plugin_from_options("one_time_token", OneTimeTokenPlugin, OneTimeTokenOptions, options, kwargs)
