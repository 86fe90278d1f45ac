"""``Tessera``: configuration in, a compiled auth server out — an ASGI app and a direct server API.

Everything that can be decided once is decided here: plugins merged, schema built, routes and hooks compiled,
keys derived. A request then does only its own work (``handle``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, overload
from urllib.parse import parse_qsl, urlencode, urlsplit

from . import _json
from .api import CORE_ENDPOINTS
from .config import (
    AccountConfig,
    AdvancedConfig,
    EmailAndPasswordConfig,
    EmailVerificationConfig,
    OnAPIErrorConfig,
    RateLimitConfig,
    SecretsOption,
    SessionConfig,
    UserConfig,
    VerificationConfig,
    coerce,
    is_production,
    resolve_secrets,
)
from .context import AuthContext, BackgroundRunner, RequestContext
from .crypto.random import generate_id as random_id
from .crypto.signing import Signer
from .db.adapter import Adapter
from .db.hooks import DatabaseHooks, DatabaseHooksConfig, current_request
from .db.schema import Schema, Table, TableExtension, core_tables, utcnow
from .db.store import Store
from .endpoints import Endpoint
from .errors import APIError, BaseErrorCodes, ConfigError, ErrorCodes, SharedErrorCodes, not_found
from .hooks import Hook, compile_hooks
from .http import Headers, Request, Response
from .oauth.registry import build_runtime
from .outage import unavailable
from .plugins.base import Plugin, RateLimitRule
from .ratelimit import RateLimiter, build_rate_limiter
from .routing import Router
from .security.ip import ClientIP
from .security.origins import (
    OriginSource,
    TrustedOrigins,
    check_callback_urls,
    check_form_csrf,
    is_safe_relative,
    matches_pattern,
    validate_origin,
)
from .session.codec import RowCodec
from .session.cookie_cache import CookieCache
from .session.cookies import SessionCookies
from .session.kv_store import SecondaryStorageStore
from .session.model import SessionData
from .session.resolver import resolve_session
from .session.revocation import Revocations
from .storage.base import PubSubStorage, SecondaryStorage

logger = logging.getLogger("tessera")

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NO_STORE = (("cache-control", "no-store"), ("pragma", "no-cache"))
_JSON_TYPE = ("content-type", "application/json")
SWEEP_INTERVAL_SECONDS = 300.0
P = TypeVar("P", bound=Plugin)


def make_id_generator(option: Any) -> Callable[[str], str]:
    if option is None:
        return lambda model: random_id(32)
    if option == "uuid":
        return lambda model: str(uuid.uuid4())
    if callable(option):
        return option  # type: ignore[no-any-return]
    raise ConfigError("advanced.database.generate_id must be None, 'uuid' or a callable")


def open_adapter(database: Any) -> Adapter:
    """``None`` → in-memory; a URL → the SQLAlchemy adapter (imported only then); an ``Adapter`` as is."""
    if database is None:
        from .adapters.memory import MemoryAdapter

        return MemoryAdapter()
    if isinstance(database, str):
        try:
            from .adapters.sqlalchemy import SQLAlchemyAdapter
        except ImportError as exc:  # pragma: no cover - depends on installed extras
            raise ConfigError(
                "a database URL needs SQLAlchemy: pip install 'tessera-auth[sqlalchemy]' "
                "(or [postgres] / [mysql])"
            ) from exc
        return SQLAlchemyAdapter(database)
    if isinstance(database, Adapter):
        return database
    raise ConfigError(f"database: expected a URL, an Adapter or None, got {type(database).__name__}")


class API:
    """Direct calls to every endpoint: ``await auth.api.sign_in_email(body=..., headers=...)``.

    Returns the endpoint's data, or raises ``APIError``; ``as_response=True`` returns the full ``Response``
    (status, headers, cookies) instead. Server calls skip the origin checks meant for browsers.
    """

    def __init__(self, auth: Tessera) -> None:
        self._auth = auth

    def __getattr__(self, name: str) -> Callable[..., Any]:
        ep = self._auth.endpoints.get(name)
        if ep is None:
            raise AttributeError(f"no endpoint named {name!r}")

        async def call(
            *,
            body: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
            query: Mapping[str, Any] | None = None,
            params: Mapping[str, str] | None = None,
            method: str | None = None,
            as_response: bool = False,
        ) -> Any:
            return await self._auth.call(
                ep, body=body, headers=headers, query=query, params=params, method=method, as_response=as_response
            )

        call.__name__ = name
        return call

    def __dir__(self) -> list[str]:
        return sorted(self._auth.endpoints)


class Tessera:
    """A Better Auth-compatible auth server. Mount it (ASGI) at ``base_path``, or call ``auth.api``."""

    def __init__(
        self,
        *,
        secret: str | None = None,
        secrets: SecretsOption | None = None,
        base_url: str | None = None,
        base_path: str = "/api/auth",
        app_name: str = "Tessera",
        database: Any = None,
        secondary_storage: Any = None,
        email_and_password: EmailAndPasswordConfig | Mapping[str, Any] | bool | None = None,
        email_verification: EmailVerificationConfig | Mapping[str, Any] | None = None,
        session: SessionConfig | Mapping[str, Any] | None = None,
        user: UserConfig | Mapping[str, Any] | None = None,
        account: AccountConfig | Mapping[str, Any] | None = None,
        verification: VerificationConfig | Mapping[str, Any] | None = None,
        rate_limit: RateLimitConfig | Mapping[str, Any] | None = None,
        advanced: AdvancedConfig | Mapping[str, Any] | None = None,
        on_api_error: OnAPIErrorConfig | Mapping[str, Any] | None = None,
        trusted_origins: OriginSource | None = None,
        plugins: Sequence[Plugin] = (),
        hooks: Mapping[str, Sequence[Hook]] | None = None,
        database_hooks: DatabaseHooksConfig | None = None,
        disabled_paths: Sequence[str] = (),
        social_providers: Mapping[str, Any] | None = None,
        production: bool | None = None,
        clock: Callable[[], datetime] = utcnow,
        **unknown: Any,
    ) -> None:
        if unknown:
            raise ConfigError(f"unknown option(s): {', '.join(sorted(unknown))}")
        self.production = is_production(production)
        #: every secret of the deployment (``secrets`` rotation); ``secret`` is its current one
        self.keyring = resolve_secrets(secret, secrets, self.production)
        self.secret = self.keyring.current
        base_url = _env_base_url(base_url)
        if base_url is not None and not urlsplit(base_url).scheme:
            raise ConfigError(f"base_url must be absolute (https://example.com), got {base_url!r}")
        if not base_path.startswith("/") or (base_path.endswith("/") and base_path != "/"):
            raise ConfigError("base_path must start with '/' and not end with '/'")
        self.base_path = "" if base_path == "/" else base_path
        self.base_url = base_url.rstrip("/") if base_url else None

        ep_config = coerce(EmailAndPasswordConfig, email_and_password, "email_and_password")
        verification_cfg = coerce(EmailVerificationConfig, email_verification, "email_verification")
        session_cfg = coerce(SessionConfig, session, "session")
        user_cfg = coerce(UserConfig, user, "user")
        account_cfg = coerce(AccountConfig, account, "account")
        verification_store_cfg = coerce(VerificationConfig, verification, "verification")
        rate_limit_cfg = coerce(RateLimitConfig, rate_limit, "rate_limit")
        advanced_cfg = coerce(AdvancedConfig, advanced, "advanced")
        on_api_error_cfg = coerce(OnAPIErrorConfig, on_api_error, "on_api_error")
        if ep_config.min_password_length < 1 or ep_config.max_password_length < ep_config.min_password_length:
            raise ConfigError("email_and_password: need 1 <= min_password_length <= max_password_length")
        if session_cfg.update_age > session_cfg.expires_in:
            raise ConfigError("session.update_age must not exceed session.expires_in")

        self.plugins = tuple(plugins)
        _check_unique_ids(self.plugins)
        self.schema = self._build_schema(
            user_cfg, session_cfg, account_cfg, verification_store_cfg, rate_limit_cfg, secondary_storage
        )
        # every model, including those kept only in secondary storage (their shape still drives the output)
        models = self._build_schema(user_cfg, session_cfg, account_cfg, verification_store_cfg, rate_limit_cfg, None)
        self.adapter = open_adapter(database)
        self.adapter.bind(self.schema)
        generate_id = make_id_generator(advanced_cfg.database.generate_id)
        signer = Signer(self.secret)
        store_options: dict[str, Any] = {
            "generate_id": generate_id, "clock": clock, "hooks": DatabaseHooks(database_hooks),
            "find_many_limit": advanced_cfg.database.default_find_many_limit,
        }
        if secondary_storage is None:
            store = Store(self.adapter, self.schema, **store_options)
        elif isinstance(secondary_storage, SecondaryStorage):
            store = SecondaryStorageStore(
                self.adapter, self.schema, storage=secondary_storage, models=models,
                sessions_in_database=session_cfg.store_session_in_database,
                preserve_sessions_in_database=session_cfg.preserve_session_in_database,
                verifications_in_database=verification_store_cfg.store_in_database,
                expires_in=session_cfg.expires_in, **store_options,
            )
        else:
            raise ConfigError(
                "secondary_storage must have async get, set, delete, get_and_delete and increment "
                "(tessera.storage.MemoryStorage / RedisStorage)"
            )
        self.context = AuthContext(
            app_name=app_name,
            base_url=self.base_url,
            base_path=self.base_path,
            secret=self.secret,
            keyring=self.keyring,
            signer=signer,
            production=self.production,
            email_and_password=ep_config,
            email_verification=verification_cfg,
            session_config=session_cfg,
            user_config=user_cfg,
            account_config=account_cfg,
            verification_config=verification_store_cfg,
            rate_limit=rate_limit_cfg,
            advanced=advanced_cfg,
            schema=self.schema,
            adapter=self.adapter,
            store=store,
            cookies=SessionCookies(
                advanced=advanced_cfg, session=session_cfg, signer=signer, base_url=self.base_url,
                production=self.production,
            ),
            trusted_origins=_checked_origins(TrustedOrigins(self.base_url, trusted_origins), on_api_error_cfg),
            background=BackgroundRunner(advanced_cfg.background_tasks.handler),
            clock=clock,
            generate_id=generate_id,
            extra={
                "secondary_storage": secondary_storage, "social_providers": social_providers or {},
                # what the open-api plugin documents: every plugin's endpoints, every model, the disabled paths
                "plugins": self.plugins, "models": models, "disabled_paths": frozenset(disabled_paths),
            },
            on_api_error=on_api_error_cfg,
        )
        self.context.plugin_state["client_ip"] = ClientIP(advanced_cfg.ip_address, production=self.production)
        cache_cfg = session_cfg.cookie_cache
        self.revocations = Revocations(
            clock=clock,
            # the longest a cache minted before a revocation can live, plus slack for the message to travel
            hold=max(cache_cfg.max_age, 300) + 60,
            feed=secondary_storage if isinstance(secondary_storage, PubSubStorage) else None,
        )
        self.context.plugin_state["revocations"] = self.revocations
        store.user_listeners.append(self.revocations.user_changed)
        if cache_cfg.enabled:
            self.context.plugin_state["cookie_cache"] = CookieCache(
                cache_cfg, keyring=self.keyring, signer=signer, cookies=self.context.cookies, session=session_cfg,
                codec=RowCodec(models), revocations=self.revocations,
            )
        self.context.plugin_state["oauth"] = build_runtime(
            social_providers, account_cfg.account_linking, clock=clock
        )

        endpoints: list[Endpoint] = list(CORE_ENDPOINTS)
        for plugin in self.plugins:
            endpoints.extend(plugin.endpoints)
        self.endpoints: dict[str, Endpoint] = {}
        for ep in endpoints:
            if ep.name in self.endpoints:
                raise ConfigError(f"two endpoints are named {ep.name!r}")
            self.endpoints[ep.name] = ep
        self.router = Router(endpoints)
        self.error_codes = _merge_error_codes(self.plugins)
        self.rate_limit_rules = _merge_rate_limit_rules(self.plugins)
        user_hooks = hooks or {}
        unknown_hook_kinds = set(user_hooks) - {"before", "after"}
        if unknown_hook_kinds:
            raise ConfigError(f"hooks: unknown kind(s) {', '.join(sorted(unknown_hook_kinds))}")
        for h in (*user_hooks.get("before", ()), *user_hooks.get("after", ())):
            unknown_names = h.endpoints - self.endpoints.keys()
            if unknown_names:  # a typo would silently never run; plugins may name optional endpoints
                raise ConfigError(f"hooks: no endpoint named {', '.join(sorted(unknown_names))}")
        self._before = compile_hooks(
            [*user_hooks.get("before", ()), *(h for p in self.plugins for h in p.before)], endpoints
        )
        self._after = compile_hooks(
            [*user_hooks.get("after", ()), *(h for p in self.plugins for h in p.after)], endpoints
        )
        #: endpoints whose hooks all keep the result: what the handler returns is what is rendered
        #: (``ctx.rendered`` holds)
        self._renders_as_returned = frozenset(
            n for n in self.endpoints if all(h.keeps_result for h in (*self._before[n], *self._after[n]))
        )
        self.disabled_paths = frozenset(disabled_paths)
        self._on_request = tuple(p.on_request for p in self.plugins if p.on_request)
        self._on_response = tuple(p.on_response for p in self.plugins if p.on_response)
        #: ``async (request, path) -> Response | None``, run before routing; ``None`` when rate limiting is off
        self.rate_limiter: RateLimiter | None = build_rate_limiter(
            rate_limit_cfg, production=self.production, secondary_storage=secondary_storage,
            adapter=self.adapter, generate_id=generate_id, client_ip=self.context.plugin_state["client_ip"],
            router=self.router, plugin_rules=self.rate_limit_rules,
        )
        self.context.rate_limiter = self.rate_limiter
        for plugin in self.plugins:
            store.hooks.extend(plugin.database_hooks, source=f"plugin {plugin.id!r} database_hooks")
            if plugin.init is not None:
                plugin.init(self.context)
        store.hooks.freeze({t.name for t in self.schema})
        self.api = API(self)
        self._sweeper: asyncio.Task[None] | None = None

    # -- construction helpers -------------------------------------------------------------------------

    def _build_schema(
        self,
        user_cfg: UserConfig,
        session_cfg: SessionConfig,
        account_cfg: AccountConfig,
        verification_cfg: VerificationConfig,
        rate_limit_cfg: RateLimitConfig,
        secondary_storage: Any,
    ) -> Schema:
        kv = secondary_storage is not None
        parts: list[Table | TableExtension] = list(
            core_tables(
                sessions_in_database=not kv or session_cfg.store_session_in_database,
                verification_in_database=not kv or verification_cfg.store_in_database,
                rate_limit_in_database=rate_limit_cfg.storage == "database",
                user_fields=tuple(user_cfg.additional_fields),
                session_fields=tuple(session_cfg.additional_fields),
            )
        )
        for plugin in self.plugins:
            parts.extend(plugin.schema)
        schema = Schema.merge(parts)
        return schema.renamed(
            {
                k: v
                for k, v in {
                    "user": user_cfg.model_name,
                    "session": session_cfg.model_name,
                    "account": account_cfg.model_name,
                    "verification": verification_cfg.model_name,
                }.items()
                if v
            },
            {
                "user": user_cfg.fields,
                "session": session_cfg.fields,
                "account": account_cfg.fields,
                "verification": verification_cfg.fields,
            },
        )

    @overload
    def plugin(self, kind: type[P]) -> P: ...
    @overload
    def plugin(self, kind: str) -> Plugin: ...

    def plugin(self, kind: type[Plugin] | str) -> Plugin:
        """The configured plugin of that class (typed: ``auth.plugin(BearerPlugin).options``) or id."""
        for p in self.plugins:
            if (isinstance(kind, str) and p.id == kind) or (isinstance(kind, type) and isinstance(p, kind)):
                return p
        raise KeyError(f"plugin {kind!r} is not configured")

    # -- HTTP -----------------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        """Answer one HTTP request addressed to this auth server (path including ``base_path``)."""
        try:
            response = await self._handle(request)
        except APIError as exc:
            response = _error_response(exc, Response())
        except Exception as exc:
            error = unavailable(exc, f"{request.method} {self._route_for_log(request)}")
            if error is not None:
                response = _error_response(error, Response())
            else:
                logger.exception("unhandled error in %s %s", request.method, self._route_for_log(request))
                response = Response.json({"message": "Internal Server Error", "code": "INTERNAL_SERVER_ERROR"}, 500)
        for hook in self._on_response:
            replaced = await hook(response, self.context)
            if replaced is not None:
                response = replaced
        return response

    def _route_for_log(self, request: Request) -> str:
        """The route pattern a request matched, never its path: ``/reset-password/<token>`` holds a live token,
        and a path is client-chosen text (CR/LF would forge log lines). ASVS v5.0.0-16.5.1, 14.2.1."""
        sub = request.path[len(self.base_path):].rstrip("/") or "/"
        matched = self.router.match("GET" if request.method == "HEAD" else request.method, sub)
        return self.base_path + matched[0].path if matched else "(no route)"

    async def _handle(self, request: Request) -> Response:
        path = request.path
        prefix = self.base_path + "/"
        if not path.startswith(prefix):
            return _bare(not_found())
        sub = path[len(self.base_path):]
        if "//" in sub or sub == "/":
            return _bare(not_found())
        if sub.endswith("/") and self.context.advanced.skip_trailing_slashes:
            sub = sub.rstrip("/")
        if sub in self.disabled_paths:
            return Response(404, b"Not Found", [("content-type", "text/plain")])
        if len(request.body) > self.context.advanced.max_body_size:
            # the ASGI app refuses before buffering; this holds for every other way in (framework
            # integrations, hand-built requests) so no body is parsed, hashed or stored past the limit
            raise APIError(413, BaseErrorCodes.PAYLOAD_TOO_LARGE)
        if self.rate_limiter is not None:
            limited = await self.rate_limiter(request, sub)
            if limited is not None:
                return limited
        for hook in self._on_request:
            outcome = await hook(request, self.context)
            if isinstance(outcome, Response):
                return outcome
            if isinstance(outcome, Request):
                request = outcome
        method = "GET" if request.method == "HEAD" else request.method
        matched = self.router.match(method, sub)
        if matched is None:
            return _bare(not_found())
        ep, params = matched
        ctx = RequestContext(
            self.context, request, ep, is_http=True, params=params, query=dict(request.query),
            body=_parse_body(request, ep),
        )
        return await self._respond(ctx)

    # -- direct calls ---------------------------------------------------------------------------------

    async def call(
        self,
        ep: Endpoint,
        *,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        query: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        method: str | None = None,
        as_response: bool = False,
    ) -> Any:
        pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
        request = Request(
            method=method or ep.methods[0],
            path=self.base_path + ep.path,
            headers=Headers.from_pairs(pairs),
            query_string=urlencode(query or {}, doseq=True),
        )
        ctx = RequestContext(self.context, request, ep, is_http=False, params=dict(params or {}))
        ctx.query = dict(query or {})
        ctx.body = dict(body) if body is not None else None  # type: ignore[assignment]
        if as_response:
            return await self._respond(ctx)
        data = await self._execute(ctx)
        return data

    # -- the pipeline shared by both ------------------------------------------------------------------

    async def _respond(self, ctx: RequestContext) -> Response:
        try:
            data = await self._execute(ctx)
        except APIError as exc:
            response = _error_response(exc, ctx.response)
            if ctx.endpoint.no_store:  # Better Auth keeps them on errors too (405 from get-session)
                for name, value in _NO_STORE:
                    response.set_header(name, value)
            return response
        if isinstance(data, Response):
            response = data
            for name, header in ctx.response.set_cookies.items():
                response.set_cookies.setdefault(name, header)
            for name, value in ctx.response.headers:  # set by hooks; the returned response has the last word
                if response.header(name) is None:
                    response.headers.append((name, value))
        else:
            response = ctx.response
            rendered = ctx.rendered
            if rendered is not None and rendered[0] is data and ctx.endpoint.name in self._renders_as_returned:
                response.body = rendered[1]
            else:
                response.body = _json.dumps(data)
            if response.headers:
                response.set_header("content-type", "application/json")
            else:  # most responses: no header set by the endpoint, build the list at once
                response.headers = [_JSON_TYPE, *_NO_STORE] if ctx.endpoint.no_store else [_JSON_TYPE]
                return response
        if ctx.endpoint.no_store:
            for name, value in _NO_STORE:
                response.set_header(name, value)
        return response

    async def _execute(self, ctx: RequestContext) -> Any:
        token = current_request.set(ctx)  # database hooks receive the request they run for
        try:
            return await self._run(ctx)
        except APIError:
            raise
        except Exception as exc:
            error = unavailable(exc, f"{ctx.request.method} {self.base_path}{ctx.endpoint.path}")
            if error is None:
                raise
            raise error from exc
        finally:
            current_request.reset(token)

    async def _run(self, ctx: RequestContext) -> Any:
        ep = ctx.endpoint
        try:
            if ctx.is_http:
                self._check_origin(ctx)
            for h in self._before[ep.name]:
                early = await h.handler(ctx)
                if early is not None:
                    return early
            if ep.query is not None:
                ctx.query = ep.query.validate(ctx.query, "query")
            if ep.body is not None:
                ctx.body = ep.body.validate(ctx.body, "body")
            elif ctx.body is None:
                ctx.body = {}
            await self._require_session(ctx)
            result = await ep.handler(ctx)
            ctx.returned = result
        except APIError as exc:
            ctx.returned = exc
        for h in self._after[ep.name]:
            replaced = await h.handler(ctx)
            if replaced is not None:
                ctx.returned = replaced
        if isinstance(ctx.returned, APIError):
            raise ctx.returned
        return ctx.returned

    def _check_origin(self, ctx: RequestContext) -> None:
        advanced = self.context.advanced
        request = ctx.request
        ep = ctx.endpoint
        disabled = advanced.disable_csrf_check or advanced.disable_origin_check is True or (
            not isinstance(advanced.disable_origin_check, bool) and ep.path in advanced.disable_origin_check
        )
        if disabled:
            return
        trusted = self.context.trusted_origins
        if ep.callback_query:
            check_callback_urls(trusted, request, {k: ctx.query.get(k) for k in ep.callback_query})
        if request.method in _SAFE_METHODS:
            return
        if ep.csrf == "form":
            check_form_csrf(trusted, request)
        elif ep.csrf == "origin" and "cookie" in request.headers:
            validate_origin(trusted, request)
        values = dict(ctx.body) if isinstance(ctx.body, dict) else {}
        if "callbackURL" not in values and isinstance(ctx.query.get("callbackURL"), str):
            values["callbackURL"] = ctx.query["callbackURL"]
        check_callback_urls(trusted, request, values)

    async def _require_session(self, ctx: RequestContext) -> None:
        need = ctx.endpoint.session
        if need == "none" or need == "optional" or (need == "request" and not ctx.is_http):
            return
        data = await resolve_session(ctx, disable_cookie_cache=need == "sensitive")
        if data is None:
            raise APIError(401, BaseErrorCodes.UNAUTHORIZED)
        if need == "fresh":
            fresh_age = self.context.session_config.fresh_age
            age = (self.context.now() - data.session["createdAt"]).total_seconds()
            if fresh_age and age > fresh_age:
                raise APIError(403, BaseErrorCodes.SESSION_NOT_FRESH)

    # -- lifecycle ------------------------------------------------------------------------------------

    async def startup(self) -> None:
        """Start background maintenance (the expired-row sweeper). Called by the ASGI lifespan."""
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever())
        await self.revocations.start()
        for plugin in self.plugins:
            if plugin.startup is not None:
                await plugin.startup(self.context)

    async def shutdown(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        await self.revocations.stop()
        for plugin in self.plugins:
            if plugin.shutdown is not None:
                await plugin.shutdown(self.context)
        await self.context.background.drain()
        await self.adapter.close()

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self.context.store.sweep_expired()
                if self.rate_limiter is not None:
                    await self.rate_limiter.sweep()
            except Exception:
                logger.exception("sweeping expired sessions failed")
            await asyncio.sleep(SWEEP_INTERVAL_SECONDS)

    async def get_session(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> Any:
        """Shorthand for ``auth.api.get_session(headers=...)``."""
        return await self.api.get_session(headers=headers)

    async def resolve_session(
        self, headers: Mapping[str, str] | Iterable[tuple[str, str]], *, disable_cookie_cache: bool = False
    ) -> tuple[SessionData | None, Response]:
        """The session a request's headers carry, for framework integrations and server code.

        What ``get-session`` does without its JSON: its before-hooks run (so plugins that rewrite the request,
        like ``bearer``, apply; one that answers early ends the lookup with no session), then the resolver.
        After-hooks do not run. The returned ``Response`` holds the cookies the resolver set (a sliding
        refresh, or clearing a dead session); forward its ``set_cookies`` to the client.
        """
        ep = self.endpoints["get_session"]
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        request = Request(method="GET", path=self.base_path + ep.path, headers=Headers.from_pairs(pairs))
        ctx = RequestContext(self.context, request, ep, is_http=False)
        token = current_request.set(ctx)
        try:
            for h in self._before[ep.name]:
                if await h.handler(ctx) is not None:
                    return None, ctx.response
            data = await resolve_session(ctx, disable_cookie_cache=disable_cookie_cache)
        finally:
            current_request.reset(token)
        return data, ctx.response

    # -- ASGI -----------------------------------------------------------------------------------------

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        app = self.__dict__.get("_asgi")
        if app is None:
            from .asgi import asgi_app

            app = self.__dict__["_asgi"] = asgi_app(self)
        await app(scope, receive, send)


def _env_base_url(base_url: str | None) -> str | None:
    import os

    return base_url or os.environ.get("TESSERA_URL") or os.environ.get("BETTER_AUTH_URL") or None


def _checked_origins(trusted: TrustedOrigins, on_api_error: OnAPIErrorConfig) -> TrustedOrigins:
    """``on_api_error.error_url`` is a redirect target like a callbackURL: a safe root-relative path or a URL on
    a trusted origin (a static one: at construction there is no request to ask a dynamic list about)."""
    url = on_api_error.error_url
    if url is None:
        return trusted
    if not isinstance(url, str) or not (
        is_safe_relative(url) if url.startswith("/") else any(matches_pattern(url, p) for p in trusted.static)
    ):
        raise ConfigError(
            f"on_api_error.error_url must be a root-relative path or a URL on a trusted origin, got {url!r}"
        )
    return trusted


def _check_unique_ids(plugins: Sequence[Plugin]) -> None:
    seen: set[str] = set()
    for p in plugins:
        if p.id in seen:
            raise ConfigError(f"plugin {p.id!r} is configured twice")
        seen.add(p.id)


def _merge_error_codes(plugins: Sequence[Plugin]) -> dict[str, str]:
    """Core codes plus each plugin's. A plugin may repeat a core code as it is; a code two plugins
    both declare, or a core code given another message, is ambiguous for clients (``SharedErrorCodes`` excepted:
    codes several Better Auth plugins declare with one message)."""
    codes: dict[str, str] = {k: v.message for k, v in BaseErrorCodes.all().items()}
    shared = {k: v.message for k, v in SharedErrorCodes.all().items()}
    owners: dict[str, str] = {}
    for p in plugins:
        extra: type[ErrorCodes] | None = p.error_codes
        if extra is None:
            continue
        for name, code in extra.all().items():
            owner = owners.get(name)
            if owner is not None and owner != p.id and shared.get(name) != code.message:
                raise ConfigError(f"error code {name} is declared by both plugins {owner!r} and {p.id!r}")
            if name in codes and codes[name] != code.message:
                raise ConfigError(f"plugin {p.id!r} redefines error code {name}")
            if name not in codes:
                owners[name] = p.id
            codes[name] = code.message
    return codes


def _merge_rate_limit_rules(plugins: Sequence[Plugin]) -> tuple[RateLimitRule, ...]:
    """Plugins' rate-limit rules, for the rate limiter; one path prefix ruled twice is a conflict."""
    seen: dict[str, str] = {}
    rules: list[RateLimitRule] = []
    for p in plugins:
        for rule in p.rate_limit:
            owner = seen.get(rule.path_prefix)
            if owner is not None:
                raise ConfigError(f"rate limit {rule.path_prefix!r} is set by plugins {owner!r} and {p.id!r}")
            seen[rule.path_prefix] = p.id
            rules.append(rule)
    return tuple(rules)


def _bare(error: APIError) -> Response:
    return Response(error.status, error.body or b"")


def _error_response(exc: APIError, carried: Response) -> Response:
    response = Response(exc.status)
    response.set_cookies = carried.set_cookies
    response.headers = [h for h in carried.headers if h[0] not in ("content-type", "location")]
    for name, value in exc.headers:
        response.set_header(name, value)
    # better-call answers every error an endpoint raises as JSON, even a bodiless one (302 redirects, the
    # empty 404 of a disabled /delete-user); only the router's own 404s (``_bare``) carry no type
    if response.header("content-type") is None:
        response.set_header("content-type", "application/json")
    response.body = exc.body if exc.body is not None else _json.dumps(exc.to_dict())
    return response


_FORM = "application/x-www-form-urlencoded"


def _parse_body(request: Request, ep: Endpoint) -> Any:
    raw = request.body
    if not raw or ep.disable_body:
        return None
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if not media:
        # Better Auth 1.7.24 reads no body without a Content-Type: the endpoint sees ``undefined``
        return None
    if media == "application/json":
        try:
            return _json.loads(raw)
        except _json.JSONDecodeError:
            raise APIError(400, BaseErrorCodes.BAD_REQUEST, "Invalid JSON in request body") from None
    if media == _FORM and ep.form:
        try:
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError:
            raise APIError(400, BaseErrorCodes.BAD_REQUEST, "Invalid form body") from None
    allowed = "application/x-www-form-urlencoded, application/json" if ep.form else "application/json"
    raise APIError(
        415,
        BaseErrorCodes.UNSUPPORTED_MEDIA_TYPE,
        f'Content-Type "{content_type}" is not allowed. Allowed types: {allowed}',
    )
