"""The magic-link plugin (Better Auth's ``magicLink()``): passwordless sign-in by a single-use link mailed
by the application, compatible with the official ``magicLinkClient``::

    from tessera.plugins.magic_link import magic_link

    async def send_magic_link(*, email, url, token, metadata, request):
        await mailer.send(email, "Your sign-in link", url)

    auth = Tessera(..., plugins=[magic_link(send_magic_link=send_magic_link)])

``POST /sign-in/magic-link`` mails the link; ``GET /magic-link/verify?token=…`` consumes it, creates the
account for an unknown address (email verified) unless ``disable_sign_up``, and signs in. No schema of its
own: links are verification rows. See docs/magic-link.md.
"""

from __future__ import annotations

from typing import Any

from ..base import ContextPlugin, RateLimitRule, plugin_from_options
from .config import CustomHasher, MagicLinkOptions, MagicLinkRateLimit, hash_token
from .endpoints import build_endpoints, decode_record, encode_record
from .errors import MagicLinkError

__all__ = [
    "CustomHasher",
    "MagicLinkError",
    "MagicLinkOptions",
    "MagicLinkPlugin",
    "MagicLinkRateLimit",
    "decode_record",
    "encode_record",
    "hash_token",
    "magic_link",
]


class MagicLinkPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(MagicLinkPlugin).options`` is its ``MagicLinkOptions``."""

    options: MagicLinkOptions

    def __init__(self, options: MagicLinkOptions) -> None:
        limit = options.rate_limit
        super().__init__(
            id="magic-link",
            rate_limit=(
                RateLimitRule("/sign-in/magic-link", window=limit.window, max=limit.max),
                RateLimitRule("/magic-link/verify", window=limit.window, max=limit.max),
            ),
            init=self._init,
            options=options,
        )
        self.endpoints = build_endpoints(self)

    async def revoke_unproven_access(self, user_id: str) -> dict[str, Any] | None:
        """Better Auth's ``revokeUnprovenAccountAccess``: a link proves the inbox, not whoever registered the
        address before. An unverified account's linked accounts (a password someone else may have set, an
        OAuth link) and its sessions are removed before it is marked verified, so the owner inherits no access
        that predates the proof (account pre-hijacking). The user row as it is now, ``None`` when it is gone."""
        store = self.context.store
        user = await store.find_user_by_id(user_id)
        if user is None or user.get("emailVerified"):
            return user
        for account in await store.find_accounts(user_id):
            await store.delete_account(account["id"], user_id)
        if "session" in store.schema:
            await store.delete_sessions(user_id)
        return await store.update_user(user_id, {"emailVerified": True})


def magic_link(options: MagicLinkOptions | None = None, /, **kwargs: Any) -> MagicLinkPlugin:
    """Better Auth's ``magicLink()`` plugin. Keyword arguments are ``MagicLinkOptions`` fields:
    ``magic_link(send_magic_link=fn, expires_in=600, store_token="hashed", disable_sign_up=True)``."""
    return plugin_from_options("magic_link", MagicLinkPlugin, MagicLinkOptions, options, kwargs)
