"""``ssr_token_cache()``: the SSR token cache as a plugin of the ``Tessera`` that issues the tokens.

    ssr = ssr_token_cache(store=RedisTokenStore("redis://…", prefix="myapp:ssr:"))
    auth = Tessera(..., plugins=[jwt(), ssr])

    token = await ssr.token_for(request.headers, memo=request.state.tokens)   # None when signed out
    await ssr.clear_auth_cache(session_token)

The exchange runs in process (one session read and one signature, no HTTP); revocations, user changes and
password changes (change, set, reset — also when the sessions are kept) reach the cache through the core's
revocation listeners, on every instance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from ..http import Headers, Request
from ..plugins.base import Plugin
from ._cache import SSRTokenCache
from ._store import TokenStore

if TYPE_CHECKING:
    from ..context import AuthContext

class SSRTokenCachePlugin(Plugin):
    def __init__(self, *, token_plugin: str, options: Mapping[str, Any]) -> None:
        self.token_plugin = token_plugin
        self._options = dict(options)
        self.cache: SSRTokenCache | None = None
        self.context: AuthContext | None = None
        super().__init__(
            id="ssr-token-cache",
            init=self._init,
            shutdown=self._shutdown,
        )

    def _init(self, context: AuthContext) -> None:
        self.context = context
        issuer = context.plugin_state.get(self.token_plugin)
        if issuer is None:
            from ..errors import ConfigError

            raise ConfigError(f"ssr_token_cache needs the {self.token_plugin!r} plugin before it")

        async def exchange(session_token: str) -> str | None:
            session = await context.store.find_session(session_token)
            if session is None or session.session["expiresAt"] <= context.now():
                return None
            token: str = await issuer.token_for_session(session, base_url=context.resolve_base_url(None))
            return token

        self.cache = SSRTokenCache(exchange=exchange, secret=context.secret, **self._options)
        revocations = context.plugin_state.get("revocations")
        if revocations is not None and hasattr(revocations, "add_listener"):
            revocations.add_listener(self.cache.on_revocation)

    async def _shutdown(self, context: AuthContext) -> None:
        if self.cache is not None:
            await self.cache.flush()

    def _ready(self) -> tuple[SSRTokenCache, AuthContext]:
        if self.cache is None or self.context is None:
            raise RuntimeError("ssr_token_cache is not attached to a Tessera instance yet")
        return self.cache, self.context

    def session_token(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> str | None:
        """The session token of a request's cookie, signature checked; ``None`` when absent or forged."""
        _, context = self._ready()
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        return context.cookies.read_token(Request("GET", "/", Headers.from_pairs(pairs)))

    async def token_for(
        self, headers: Mapping[str, str] | Iterable[tuple[str, str]], *, memo: MutableMapping[str, Any] | None = None
    ) -> str | None:
        """The JWT for the session of a request (its ``Cookie`` header), or ``None``."""
        cache, _ = self._ready()
        session_token = self.session_token(headers)
        return await cache.get(session_token, memo=memo) if session_token else None

    async def get(self, session_token: str, *, memo: MutableMapping[str, Any] | None = None) -> str | None:
        return await self._ready()[0].get(session_token, memo=memo)

    async def clear_auth_cache(self, session_token: str) -> None:
        await self._ready()[0].clear_auth_cache(session_token)


def ssr_token_cache(
    *,
    store: TokenStore | None = None,
    token_plugin: str = "jwt",
    margin: float = 30.0,
    lock_timeout: float = 10.0,
) -> SSRTokenCachePlugin:
    """Opt-in SSR token cache (memory by default, ``RedisTokenStore`` across instances); list it after the
    plugin that issues the tokens (``jwt`` or ``convex``)."""
    return SSRTokenCachePlugin(
        token_plugin=token_plugin, options={"store": store, "margin": margin, "lock_timeout": lock_timeout}
    )
