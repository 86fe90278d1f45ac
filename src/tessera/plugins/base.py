"""What a plugin is: endpoints, schema, hooks, error codes, rate-limit rules and an ``init`` step.

A plugin is a value, made by a factory with typed options (``bearer(require_signature=True)``). Subclass
``Plugin`` to give it a type of its own, so that ``auth.plugin(BearerPlugin).options`` is typed. Everything is
merged once, when ``Tessera`` is built; two contributions that collide (a route, an endpoint name, a field, a
plugin id, an error code, a rate-limit path) are a ``ConfigError``.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ..db.hooks import DatabaseHooksConfig
from ..db.schema import Table, TableExtension
from ..endpoints import Endpoint
from ..errors import ConfigError, ErrorCodes
from ..hooks import Hook

if TYPE_CHECKING:
    from ..context import AuthContext
    from ..http import Request, Response


@dataclass(frozen=True)
class RateLimitRule:
    """A plugin's rate-limit rule for paths starting with ``path_prefix`` (only that path with ``exact``)."""

    path_prefix: str
    window: int
    max: int
    #: the rule holds for ``path_prefix`` itself only (Better Auth's ``pathMatcher: path === "/device"``)
    exact: bool = False


@dataclass
class Plugin:
    """What one plugin contributes. Endpoint hooks run after the application's, in plugin order."""

    id: str
    endpoints: Sequence[Endpoint] = ()
    schema: Sequence[Table | TableExtension] = ()
    before: Sequence[Hook] = ()
    after: Sequence[Hook] = ()
    error_codes: type[ErrorCodes] | None = None
    rate_limit: Sequence[RateLimitRule] = ()
    #: ``{"user": {"create": {"before": fn, "after": fn}}}``, run after the application's database hooks
    database_hooks: DatabaseHooksConfig = field(default_factory=dict)
    #: called once when ``Tessera`` is built, with the finished context (may add ``ctx.database_hooks``)
    init: Callable[[AuthContext], None] | None = None
    #: may return a ``Response`` (answer now) or a ``Request`` (replace it); runs before routing
    on_request: Callable[[Request, AuthContext], Awaitable[Any]] | None = None
    on_response: Callable[[Response, AuthContext], Awaitable[Response | None]] | None = None
    #: awaited by ``Tessera.startup`` / ``Tessera.shutdown`` (ASGI lifespan): background tasks, warm caches
    startup: Callable[[AuthContext], Awaitable[None]] | None = None
    shutdown: Callable[[AuthContext], Awaitable[None]] | None = None
    options: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class ContextPlugin(Plugin):
    """A plugin that keeps the ``AuthContext`` it is built into: pass ``init=self._init`` (or a method that calls
    it) and read ``self.context`` afterwards. It is also published as ``context.plugin_state[self.id]``."""

    _context: AuthContext | None = None

    @property
    def context(self) -> AuthContext:
        if self._context is None:
            raise self.not_built()
        return self._context

    def not_built(self) -> RuntimeError:
        return RuntimeError(f"the {self.id} plugin is not part of a built Tessera yet")

    def _init(self, context: AuthContext) -> None:
        self._context = context
        context.plugin_state[self.id] = self


OptionsT = TypeVar("OptionsT")
PluginT = TypeVar("PluginT", bound=Plugin)


def plugin_from_options(
    factory: str,
    plugin_type: Callable[[OptionsT], PluginT],
    options_type: type[OptionsT],
    options: OptionsT | None,
    kwargs: Mapping[str, Any],
) -> PluginT:
    """What a plugin factory ``name(options=None, /, **kwargs)`` returns: the plugin built from ``options`` or
    from the keyword arguments (its options' fields), never both. A ``TypeError`` (an unknown option name) is
    a ``ConfigError`` naming the factory."""
    if options is not None and kwargs:
        raise ConfigError(f"{factory}(): pass {options_type.__name__} or keyword arguments, not both")
    try:
        return plugin_type(options or options_type(**kwargs))
    except TypeError as exc:  # an unknown option name
        raise ConfigError(f"{factory}(): {exc}") from None


def column_renames(
    factory: str, schema: Mapping[str, Any] | None, table: str, fields: Collection[str]
) -> dict[str, str]:
    """Better Auth's plugin ``schema`` option as far as tessera takes it: ``{"<table>": {"fields": {"<field>":
    "<column>"}}}`` stores the plugin's own ``fields`` under other column names (``{field: column}``). Anything
    else (another table, a model rename, an unknown field, an empty name) is a ``ConfigError``."""
    if schema is None:
        return {}
    entry = schema.get(table) if isinstance(schema, Mapping) and not set(schema) - {table} else None
    renames = entry.get("fields") if isinstance(entry, Mapping) and not set(entry) - {"fields"} else None
    if not isinstance(renames, Mapping) or set(renames) - set(fields):
        allowed = ", ".join(f"{table}.fields.{name}" for name in sorted(fields))
        raise ConfigError(f"{factory}(): schema may only rename {allowed}")
    if not all(isinstance(column, str) and column for column in renames.values()):
        raise ConfigError(f"{factory}(): schema: a column name must be a non-empty string")
    return dict(renames)


def check_timeout(factory: str, timeout: object) -> None:
    """A plugin's outbound-call ``timeout`` option: a positive, finite number of seconds (else a ``ConfigError``)."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (math.isfinite(timeout) and timeout > 0):
        raise ConfigError(f"{factory}(): timeout must be a positive number of seconds")


def path_list(factory: str, name: str, paths: object) -> tuple[str, ...] | None:
    """A plugin option listing endpoint paths (``["/sign-in/email"]``) as a tuple; ``None`` stays ``None``."""
    if paths is None:
        return None
    if isinstance(paths, str) or not isinstance(paths, Collection) or not all(
        isinstance(p, str) and p.startswith("/") for p in paths
    ):
        raise ConfigError(f"{factory}(): {name} is a list of endpoint paths such as '/sign-in/email'")
    return tuple(paths)
