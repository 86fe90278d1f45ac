"""The SSR token cache: one JWT per session, exchanged once, reused while rendering, purged on revocation.

``ssr_token_cache()`` is the plugin for an app that runs the ``Tessera`` itself; ``SSRTokenCache`` takes any
``exchange`` (e.g. an HTTP call to a remote auth server) for the rest.
"""

from ._cache import SSRTokenCache
from ._plugin import SSRTokenCachePlugin, ssr_token_cache
from ._store import Entry, MemoryTokenStore, RedisTokenStore, Ticket, TokenStore

__all__ = [
    "Entry",
    "MemoryTokenStore",
    "RedisTokenStore",
    "SSRTokenCache",
    "SSRTokenCachePlugin",
    "Ticket",
    "TokenStore",
    "ssr_token_cache",
]
