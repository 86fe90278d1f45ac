"""The multi-session plugin (Better Auth's ``multiSession()``): one browser signed in to several accounts at
once, compatible with the official ``multiSessionClient``::

    from tessera.plugins.multi_session import multi_session

    auth = Tessera(..., plugins=[multi_session(maximum_sessions=5)])

Every response that sets a session cookie also sets a signed ``<session cookie>_multi-<token>`` cookie, which
is what makes a session one of this browser's. ``GET /multi-session/list-device-sessions`` lists them,
``POST /multi-session/set-active`` makes another of them the session cookie, ``POST /multi-session/revoke``
revokes one, and sign-out revokes them all. No schema of its own. See docs/multi-session.md.
"""

from __future__ import annotations

from typing import Any

from ...hooks import Hook
from ..base import ContextPlugin, plugin_from_options
from .config import MultiSessionOptions
from .endpoints import MULTI_MARK, build_endpoints, multi_cookie_name
from .errors import MultiSessionErrors
from .hooks import record_new_session, revoke_on_sign_out

__all__ = [
    "MULTI_MARK",
    "MultiSessionErrors",
    "MultiSessionOptions",
    "MultiSessionPlugin",
    "multi_cookie_name",
    "multi_session",
]


class MultiSessionPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(MultiSessionPlugin).options`` is its ``MultiSessionOptions``."""

    options: MultiSessionOptions

    def __init__(self, options: MultiSessionOptions) -> None:
        super().__init__(
            id="multi-session",
            endpoints=build_endpoints(),
            # both only add cookies (and revoke sessions): a get-session answer rendered ahead stays valid
            after=(
                Hook(record_new_session(options), keeps_result=True),
                Hook(revoke_on_sign_out, endpoints=frozenset({"sign_out"}), keeps_result=True),
            ),
            error_codes=MultiSessionErrors,
            init=self._init,
            options=options,
        )


def multi_session(options: MultiSessionOptions | None = None, /, **kwargs: Any) -> MultiSessionPlugin:
    """Better Auth's ``multiSession()`` plugin: ``multi_session(maximum_sessions=5)``."""
    return plugin_from_options("multi_session", MultiSessionPlugin, MultiSessionOptions, options, kwargs)
