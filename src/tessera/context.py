"""``AuthContext`` (built once, shared by every request) and ``RequestContext`` (one per call)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .config import (
    AccountConfig,
    AdvancedConfig,
    EmailAndPasswordConfig,
    EmailVerificationConfig,
    OnAPIErrorConfig,
    RateLimitConfig,
    SessionConfig,
    UserConfig,
    VerificationConfig,
)
from .crypto.keyring import Keyring
from .crypto.signing import Signer
from .db.adapter import Adapter
from .db.schema import Schema, utcnow
from .endpoints import Endpoint
from .http import Request, Response
from .session.codec import to_ms

if TYPE_CHECKING:
    from .db.hooks import DatabaseHooks
    from .db.store import Store
    from .ratelimit import RateLimiter
    from .security.origins import TrustedOrigins
    from .session.cookies import SessionCookies
    from .session.model import SessionData

logger = logging.getLogger("tessera")


class BackgroundRunner:
    """Runs work after the answer is sent: the application's handler, or tracked asyncio tasks
    that are drained on shutdown and whose errors are logged rather than lost.

    The trade-off (docs/background-tasks.md): the client gets its answer sooner, but the work is not part of
    the request's outcome. It may still be running when the answer arrives, its failure does not fail the
    request, and a process killed without a graceful shutdown loses it. Use it for what may lag or be lost
    (mail, audit, rehashing a password), never for what the answer promises.
    """

    def __init__(self, handler: Callable[[Awaitable[Any]], Any] | None = None) -> None:
        self.handler = handler
        self.tasks: set[asyncio.Task[Any]] = set()

    def run(self, work: Awaitable[Any]) -> None:
        if self.handler is not None:
            self.handler(work)
            return
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("background task failed", exc_info=task.exception())

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for every tracked task, including ones started while draining; cancel what outlives
        ``timeout`` (and say so: that work is lost)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.tasks:
            remaining = deadline - loop.time()
            if remaining <= 0:
                logger.warning("cancelling %d background task(s) still running at shutdown", len(self.tasks))
                for task in list(self.tasks):
                    task.cancel()
                await asyncio.gather(*self.tasks, return_exceptions=True)
                return
            await asyncio.wait(list(self.tasks), timeout=remaining)


@dataclass
class AuthContext:
    """Everything a request needs that does not change between requests."""

    app_name: str
    base_url: str | None
    base_path: str
    #: the current secret (signs cookies); ``keyring.current``
    secret: str
    #: every configured secret, for data encrypted at rest (``crypto.symmetric``)
    keyring: Keyring
    signer: Signer
    production: bool
    email_and_password: EmailAndPasswordConfig
    email_verification: EmailVerificationConfig
    session_config: SessionConfig
    user_config: UserConfig
    account_config: AccountConfig
    verification_config: VerificationConfig
    rate_limit: RateLimitConfig
    advanced: AdvancedConfig
    schema: Schema
    adapter: Adapter
    store: Store
    cookies: SessionCookies
    trusted_origins: TrustedOrigins
    background: BackgroundRunner
    clock: Callable[[], datetime]
    generate_id: Callable[[str], str]
    #: plugin-provided state, by plugin id
    plugin_state: dict[str, Any] = field(default_factory=dict)
    #: options of the ``Tessera`` object, for plugins that need them
    extra: dict[str, Any] = field(default_factory=dict)
    on_api_error: OnAPIErrorConfig = field(default_factory=OnAPIErrorConfig)
    #: the rate limiter ``Tessera`` built (``None`` when rate limiting is off), for per-account limits
    rate_limiter: RateLimiter | None = None

    def now(self) -> datetime:
        return self.clock()

    def now_ms(self) -> int:
        """``now()`` in milliseconds since the epoch; with the system clock, without building a datetime."""
        if self.clock is utcnow:
            return time.time_ns() // 1_000_000
        return to_ms(self.clock())

    @property
    def database_hooks(self) -> DatabaseHooks:
        """Where a plugin's ``init`` adds database hooks (frozen once ``Tessera`` is built)."""
        return self.store.hooks

    def resolve_base_url(self, request: Request | None) -> str:
        """The configured base URL; without one, the request's origin only if it is trusted (403 otherwise).

        See ``TrustedOrigins.request_base_url``: the ``Host`` header must not choose where emailed links go.
        """
        if self.base_url:
            return self.base_url
        if request is None:
            return "http://localhost:3000"
        return self.trusted_origins.request_base_url(request, production=self.production)


@dataclass
class RequestContext:
    """One call of one endpoint, over HTTP (``is_http``) or from the server (``auth.api``)."""

    auth: AuthContext
    request: Request
    endpoint: Endpoint
    is_http: bool
    body: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    response: Response = field(default_factory=Response)
    #: the session of this request once resolved (request-scoped memo; ``False`` = resolved to none)
    session_memo: SessionData | bool | None = False
    #: a session created while handling this request (sign-in, sign-up…)
    new_session: SessionData | None = None
    #: what the handler returned or raised, for after-hooks
    returned: Any = None
    #: ``(value, its JSON)`` when the handler already knows how its result renders; used only when the
    #: endpoint has no hooks (nothing can have changed the value) and the value is the one returned
    rendered: tuple[Any, bytes] | None = None
    #: free-form scratch space for hooks and plugins
    state: dict[str, Any] = field(default_factory=dict)
    #: while ``create_session`` runs, the user row it is creating the session for (as the endpoint has it:
    #: a sign-in has just read it from the database); ``session.create`` database hooks may read it
    #: instead of reading the user again
    session_user: dict[str, Any] | None = None
    #: the base URL this request acts for instead of the configured one (the oauth-proxy plugin sends the
    #: provider back to the production server)
    base_url_override: str | None = None

    @property
    def session(self) -> SessionData | None:
        """The session resolved for this request (set by the endpoint's session requirement)."""
        memo = self.session_memo
        return memo if memo is not False else None  # type: ignore[return-value]

    @property
    def base_url(self) -> str:
        if self.base_url_override is not None:
            return self.base_url_override
        return self.auth.resolve_base_url(self.request if self.is_http else None)

    @property
    def error_url(self) -> str:
        """Where a failed browser flow sends the user: ``on_api_error.error_url``, else the built-in page."""
        return self.auth.on_api_error.error_url or f"{self.base_url}{self.auth.base_path}/error"

    @property
    def headers(self) -> dict[str, str]:
        return self.request.headers

    def set_status(self, status: int) -> None:
        self.response.status = status

    def run_in_background(self, work: Awaitable[Any]) -> None:
        self.auth.background.run(work)

    async def run_in_background_or_await(self, work: Awaitable[Any]) -> None:
        """Hand to the configured background handler, or await it (Better Auth's semantics)."""
        if self.auth.background.handler is not None:
            self.auth.background.run(work)
        else:
            await work
