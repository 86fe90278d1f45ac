"""Rate limiting: Better Auth's rules and answers, every storage atomic.

Each request to the auth API consumes one unit from the bucket ``<client ip>|<path>`` before routing, in a
fixed window per rule. Rules, the last match winning: the default (``window`` s, ``max`` requests; 10 s / 100),
Better Auth's built-in special rules (sign-in, sign-up, change-password, change-email: 3 per 10 s; password
reset and verification mails: 3 per 60 s), the first matching plugin rule, then ``custom_rules`` (exact path or
wildcard; ``False`` exempts a path; a function of the request may decide). Over the limit the answer is 429
``{"message":"Too many requests. Please try again later."}`` with ``X-Retry-After: <seconds>``.

Storages: ``memory`` (per process, O(1) per request: buckets expire in insertion order, no scans),
``secondary-storage`` (one atomic ``increment`` — INCR with the TTL set on creation) and ``database`` (one
atomic guarded ``increment_one``; a new window is claimed with a conditional update, never read-then-write).
With a shared storage, requests that only the default rule governs (``/get-session``, …) are still counted in
memory unless ``local_default_rule=False``: the generous flood guard becomes per instance, and a session read
served from the cookie cache keeps costing no I/O. Special, plugin and custom rules are always shared.

What differs from Better Auth, on purpose: the client IP comes from ``ClientIP`` (a spoofed
``X-Forwarded-For`` does not pick the bucket, see ``security/ip.py``); a parametrised route shares one bucket
(``/reset-password/:token``, not one per token guessed); paths that match no endpoint share one bucket per
client instead of creating one each, so random paths can neither fill memory nor evict real buckets.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .config import RateLimitConfig
from .config import RateLimitRule as ConfigRule
from .db.adapter import Adapter, UniqueViolation, Where
from .errors import ConfigError
from .http import Request, Response
from .plugins.base import RateLimitRule as PluginRule
from .storage.base import SecondaryStorage

if TYPE_CHECKING:
    from .routing import Router
    from .security.ip import ClientIP

logger = logging.getLogger("tessera")

TOO_MANY_REQUESTS = b'{"message":"Too many requests. Please try again later."}'
#: the bucket of every path that matches no endpoint (per client)
UNROUTED = "*"


@dataclass(frozen=True, slots=True)
class Rule:
    window: int
    max: int


_SPECIAL: tuple[tuple[tuple[str, ...], Rule], ...] = (
    (("/sign-in", "/sign-up", "/change-password", "/change-email"), Rule(10, 3)),
    (
        (
            "/request-password-reset", "/send-verification-email", "/forget-password",
            "/email-otp/send-verification-otp", "/email-otp/request-password-reset",
        ),
        Rule(60, 3),
    ),
)


class RateLimitStore(Protocol):
    async def consume(self, key: str, rule: Rule, now: float) -> float | None:
        """Take one unit: ``None`` if allowed, else the seconds until the window resets."""


class MemoryRateLimitStore:
    """Per-process fixed windows. A bucket is re-inserted when its window restarts, so the dict stays in
    order of window start and expired buckets are dropped from the front: O(1) amortised, no full scans."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        #: key -> [window ends at, count]
        self._buckets: dict[str, list[float]] = {}

    async def consume(self, key: str, rule: Rule, now: float) -> float | None:
        bucket = self._buckets.get(key)
        if bucket is None or bucket[0] <= now:
            if bucket is not None:
                del self._buckets[key]
            self._buckets[key] = [now + rule.window, 1]
            self.sweep(now)
            return None if rule.max >= 1 else float(rule.window)
        bucket[1] += 1
        return None if bucket[1] <= rule.max else bucket[0] - now

    def sweep(self, now: float) -> None:
        buckets = self._buckets
        while buckets:
            key = next(iter(buckets))
            if buckets[key][0] > now and len(buckets) <= self.max_keys:
                break
            del buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


class StorageRateLimitStore:
    """Secondary storage: one atomic ``increment`` per request (the window is the key's TTL)."""

    def __init__(self, storage: SecondaryStorage) -> None:
        self.storage = storage

    async def consume(self, key: str, rule: Rule, now: float) -> float | None:
        count = await self.storage.increment(key, rule.window)
        return None if count <= rule.max else float(rule.window)


class DatabaseRateLimitStore:
    """The ``rateLimit`` table (``key``, ``count``, ``lastRequest`` = start of the window, ms).

    One guarded increment per request (``UPDATE … SET count = count + 1 WHERE key = ? AND lastRequest > ?``);
    an expired window is restarted by a conditional update and a missing row created, a unique violation
    meaning another instance created it first. No read-then-write anywhere, so instances never race."""

    def __init__(self, adapter: Adapter, generate_id: Callable[[str], str], model: str = "rateLimit") -> None:
        self.adapter = adapter
        self.generate_id = generate_id
        self.model = model

    async def consume(self, key: str, rule: Rule, now: float) -> float | None:
        now_ms = int(now * 1000)
        window_ms = rule.window * 1000
        fresh = now_ms - window_ms
        for _ in range(8):
            row = await self.adapter.increment_one(
                self.model, [Where("key", key), Where("lastRequest", fresh, "gt")], {"count": 1}
            )
            if row is not None:
                if int(row["count"]) <= rule.max:
                    return None
                return max(int(row["lastRequest"]) + window_ms - now_ms, 0) / 1000
            row = await self.adapter.increment_one(
                self.model, [Where("key", key), Where("lastRequest", fresh, "lte")], {"count": 0},
                set={"count": 1, "lastRequest": now_ms},
            )
            if row is not None:
                return None if rule.max >= 1 else float(rule.window)
            try:
                await self.adapter.create(
                    self.model, {"id": self.generate_id(self.model), "key": key, "count": 1, "lastRequest": now_ms}
                )
                return None if rule.max >= 1 else float(rule.window)
            except UniqueViolation:
                continue
        logger.warning("rate limit bucket %s is contended; refusing this request", key)
        return float(rule.window)

    async def sweep(self, now: float, longest_window: int) -> int:
        """Drop rows whose window ended (run by the background sweeper)."""
        return await self.adapter.delete_many(
            self.model, [Where("lastRequest", int((now - longest_window) * 1000), "lt")]
        )


CustomRule = ConfigRule | Mapping[str, int] | bool | Callable[[Request], Any]


def _as_rule(value: Any, where: str) -> Rule | None:
    if value is False or value is None:
        return None
    if isinstance(value, ConfigRule | Rule):
        return Rule(int(value.window), int(value.max))
    if isinstance(value, Mapping) and set(value) == {"window", "max"}:
        return Rule(int(value["window"]), int(value["max"]))
    raise ConfigError(f"{where}: expected {{'window': s, 'max': n}}, a RateLimitRule, False or a function")


def _wildcard(pattern: str) -> re.Pattern[str]:
    """``*`` matches within one path segment, ``**`` across segments."""
    parts = [re.escape(p).replace(r"\*", "[^/]*") for p in pattern.split("**")]
    return re.compile(".*".join(parts) + r"\Z")


class RateLimiter:
    """``await limiter(request, path)`` → a 429 ``Response``, or ``None`` to go on. Built once."""

    def __init__(
        self,
        config: RateLimitConfig,
        *,
        store: RateLimitStore,
        client_ip: ClientIP,
        router: Router,
        plugin_rules: Sequence[PluginRule] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        #: where requests under the default rule only are counted, when not in ``store`` (see config)
        self.local: MemoryRateLimitStore | None = (
            MemoryRateLimitStore() if config.local_default_rule and not isinstance(store, MemoryRateLimitStore)
            else None
        )
        self.client_ip = client_ip
        self.router = router
        self.clock = clock
        self.default = Rule(config.window, config.max)
        self.plugin_rules = tuple((r.path_prefix, r.exact, Rule(r.window, r.max)) for r in plugin_rules)
        self._exact: dict[str, Any] = {}
        self._wild: list[tuple[re.Pattern[str], Any]] = []
        for path, value in config.custom_rules.items():
            compiled = value if callable(value) else _as_rule(value, f"rate_limit.custom_rules[{path!r}]")
            if "*" in path:
                self._wild.append((_wildcard(path), compiled))
            else:
                self._exact[path] = compiled
        self._static: dict[str, tuple[Rule | None, bool]] = {}
        #: sign-in attempts per account, counted by the sign-in endpoint (``consume_account``)
        self.account_rule = _as_rule(config.account_sign_in, "rate_limit.account_sign_in")
        self.longest_window = max(
            [self.default.window, *(r.window for _, r in _SPECIAL), *(r.window for _, _, r in self.plugin_rules)]
            + ([self.account_rule.window] if self.account_rule else [])
            + [r.window for r in [*self._exact.values(), *(v for _, v in self._wild)] if isinstance(r, Rule)]
        )

    def _static_rule(self, path: str) -> tuple[Rule | None, bool]:
        """The rule for ``path`` and whether a custom rule decides per request (cached per routed path)."""
        cached = self._static.get(path)
        if cached is not None:
            return cached
        rule: Rule | None = self.default
        for prefixes, special in _SPECIAL:
            if path.startswith(prefixes):
                rule = special
                break
        for prefix, exact, plugin_rule in self.plugin_rules:
            if path == prefix if exact else path.startswith(prefix):
                rule = plugin_rule
                break
        custom: Any = self._exact.get(path, ...)
        if custom is ...:
            custom = next((v for pattern, v in self._wild if pattern.match(path)), ...)
        dynamic = callable(custom) and not isinstance(custom, Rule)
        if custom is not ... and not dynamic:
            rule = custom
        result = (rule, dynamic)
        if len(self._static) < 10_000:
            self._static[path] = result
        return result

    async def rule_for(self, request: Request, path: str) -> Rule | None:
        rule, dynamic = self._static_rule(path)
        if dynamic:
            decide = self._exact.get(path) or next(v for pattern, v in self._wild if pattern.match(path))
            value = decide(request)
            if inspect.isawaitable(value):
                value = await value
            rule = _as_rule(value, f"rate_limit.custom_rules[{path!r}]()") if value is not True else rule
        return rule

    async def __call__(self, request: Request, path: str) -> Response | None:
        method = "GET" if request.method == "HEAD" else request.method
        matched = self.router.match(method, path)
        if matched is not None:
            bucket = matched[0].path if matched[1] else path  # one bucket per route, not per parameter value
            rule = await self.rule_for(request, path)
        elif path in self._exact or any(pattern.match(path) for pattern, _ in self._wild):
            bucket, rule = path, await self.rule_for(request, path)  # e.g. answered by a plugin's on_request
        else:
            bucket, rule = UNROUTED, self.default
        if rule is None:
            return None
        config = self.client_ip.config
        ip = self.client_ip.of(request)
        if ip is None:
            if config.disable_ip_tracking:
                return None
            ip = "no-trusted-ip"
        store = self.local if rule is self.default and self.local is not None else self.store
        retry = await store.consume(f"{ip}|{bucket}", rule, self.clock())
        return None if retry is None else _too_many(retry)

    async def consume_account(self, account: str) -> Response | None:
        """One sign-in attempt on ``account`` (a lower-cased address): the 429 once its window is spent.

        Counted before the password is checked and for unknown addresses alike, so the answer tells nothing
        about the account, and per account whatever the client's address (``rate_limit.account_sign_in``).
        """
        if self.account_rule is None:
            return None
        # a digest, not the address: keys fit a VARCHAR(255) column and put no address in storage or logs
        digest = hashlib.sha256(account.encode()).hexdigest()[:32]
        retry = await self.store.consume(f"account|{digest}", self.account_rule, self.clock())
        return None if retry is None else _too_many(retry)

    async def sweep(self) -> None:
        if self.local is not None:
            self.local.sweep(self.clock())
        sweep = getattr(self.store, "sweep", None)
        if isinstance(self.store, MemoryRateLimitStore):
            self.store.sweep(self.clock())
        elif sweep is not None:
            await sweep(self.clock(), self.longest_window)


def _too_many(retry: float) -> Response:
    return Response(
        429,
        TOO_MANY_REQUESTS,
        [("content-type", "application/json"), ("x-retry-after", str(max(math.ceil(retry), 1)))],
    )


def build_rate_limiter(
    config: RateLimitConfig,
    *,
    production: bool,
    secondary_storage: Any,
    adapter: Adapter,
    generate_id: Callable[[str], str],
    client_ip: ClientIP,
    router: Router,
    plugin_rules: Sequence[PluginRule],
) -> RateLimiter | None:
    """The limiter ``Tessera`` installs, or ``None`` when rate limiting is off (the default outside
    production)."""
    enabled = production if config.enabled is None else config.enabled
    if not enabled:
        return None
    kind = config.storage or ("secondary-storage" if secondary_storage is not None else "memory")
    store: RateLimitStore
    if kind == "memory":
        store = MemoryRateLimitStore()
    elif kind == "secondary-storage":
        if secondary_storage is None:
            raise ConfigError("rate_limit.storage is 'secondary-storage' but no secondary_storage is configured")
        store = StorageRateLimitStore(secondary_storage)
    elif kind == "database":
        store = DatabaseRateLimitStore(adapter, generate_id, "rateLimit")
    else:
        raise ConfigError(f"rate_limit.storage must be memory, database or secondary-storage, not {kind!r}")
    return RateLimiter(config, store=store, client_ip=client_ip, router=router, plugin_rules=plugin_rules)


__all__ = [
    "DatabaseRateLimitStore",
    "MemoryRateLimitStore",
    "RateLimitStore",
    "RateLimiter",
    "Rule",
    "StorageRateLimitStore",
    "build_rate_limiter",
]
