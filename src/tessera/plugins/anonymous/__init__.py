"""The anonymous plugin (Better Auth's ``anonymous()``): a session without credentials, and the hand-over to a
real account when that user later signs in or up, compatible with the official ``anonymousClient``::

    from tessera.plugins.anonymous import anonymous

    async def on_link_account(*, anonymous_user, new_user, ctx):
        await carts.move(anonymous_user.user_id, new_user.user_id)

    auth = Tessera(..., plugins=[anonymous(on_link_account=on_link_account)])

``POST /sign-in/anonymous`` creates a user (``isAnonymous: true``, a placeholder address on a reserved domain)
and a session; ``POST /delete-anonymous-user`` deletes it. When a request carrying an anonymous session signs
in or up with a real method, ``on_link_account`` is called and the anonymous user is deleted. See
docs/anonymous.md.
"""

from __future__ import annotations

import logging
from typing import Any

from ...api.session import revoke_user_sessions
from ...context import RequestContext
from ..base import ContextPlugin, plugin_from_options
from .config import DEFAULT_EMAIL_DOMAIN, AnonymousOptions
from .endpoints import build_endpoints
from .errors import AnonymousErrorCodes
from .linking import LINKING_PATHS, PathPrefixHook, link_anonymous_user

__all__ = [
    "DEFAULT_EMAIL_DOMAIN",
    "LINKING_PATHS",
    "AnonymousErrorCodes",
    "AnonymousOptions",
    "AnonymousPlugin",
    "anonymous",
]

logger = logging.getLogger("tessera.anonymous")


class AnonymousPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(AnonymousPlugin).options`` is its ``AnonymousOptions``."""

    options: AnonymousOptions

    def __init__(self, options: AnonymousOptions) -> None:
        super().__init__(
            id="anonymous",
            schema=options.user_fields(),
            after=(PathPrefixHook(self._after_sign_in, prefixes=LINKING_PATHS),),
            error_codes=AnonymousErrorCodes,
            init=self._init,
            options=options,
        )
        self.endpoints = build_endpoints(self)

    async def _after_sign_in(self, ctx: RequestContext) -> Any:
        return await link_anonymous_user(self, ctx)

    async def delete_anonymous_user(self, ctx: RequestContext, user_id: str) -> bool:
        """Delete the user with its sessions and accounts (one transaction), then tell every instance's cookie
        cache that its sessions are gone. ``False`` when a database hook vetoed it (nothing was removed)."""
        if not await ctx.auth.store.delete_user(user_id):
            return False
        await revoke_user_sessions(ctx, user_id)
        return True


def anonymous(options: AnonymousOptions | None = None, /, **kwargs: Any) -> AnonymousPlugin:
    """Better Auth's ``anonymous()`` plugin. Keyword arguments are ``AnonymousOptions`` fields:
    ``anonymous(email_domain_name="example.com", on_link_account=fn, disable_delete_anonymous_user=True)``."""
    return plugin_from_options("anonymous", AnonymousPlugin, AnonymousOptions, options, kwargs)
