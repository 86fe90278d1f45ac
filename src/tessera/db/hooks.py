"""Database hooks: ``before``/``after`` callbacks around the store's writes (Better Auth's ``databaseHooks``).

Configured as ``database_hooks={"user": {"create": {"before": fn, "after": fn}}, ...}`` on ``Tessera``
and added by plugins (``Plugin.database_hooks``, or ``ctx.database_hooks.add(...)`` in ``init``). A callback
is ``fn(data, ctx)``, sync or async, where ``ctx`` is the ``RequestContext`` of the endpoint doing the
write, or ``None`` outside one.

* ``before`` may return ``False`` to veto the write, ``{"data": {...}}`` to merge changes into what is
  written, or raise ``APIError`` to answer the request with it. A vetoed *create* fails its endpoint
  (``HookVeto``, e.g. ``422 FAILED_TO_CREATE_USER``); a vetoed update or delete does not happen, which
  endpoints already handle as "nothing matched".
* ``after`` receives the row as written and runs once the write is committed: at once for a single
  statement, after the outermost ``Store.transaction()`` commits otherwise (never if it rolls back).

Cost: the store asks ``hooks.chain(model, action)``, one dict lookup, and with no hook configured the
write is exactly the statement it would be without this module. Deletes never read a row first: with a
delete hook the row comes from ``DELETE … RETURNING`` inside a unit of work, and a veto rolls that unit
back. Deleting many rows with a hook reads them (in the same transaction) so every hook sees every row.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..errors import APIError, BaseErrorCodes, ConfigError, ErrorCode, ErrorCodes, code

if TYPE_CHECKING:
    from ..context import RequestContext

Action = Literal["create", "update", "delete"]
DatabaseHook = Callable[[dict[str, Any], "RequestContext | None"], Any]
DatabaseHooksConfig = Mapping[str, Mapping[str, Mapping[str, DatabaseHook]]]

ACTIONS: frozenset[str] = frozenset({"create", "update", "delete"})
KINDS: frozenset[str] = frozenset({"before", "after"})
CORE_MODELS: frozenset[str] = frozenset({"user", "session", "account", "verification"})

#: the endpoint call in progress, so hooks receive the request they run for (set by ``Tessera``)
current_request: ContextVar[RequestContext | None] = ContextVar("tessera_current_request", default=None)


class AfterQueue(list[tuple["HookChain", dict[str, Any]]]):
    """After-hooks waiting for the outermost ``Store.transaction()`` to commit. ``closed`` once it has:
    a task started inside the transaction inherits the context, and must not queue into a flushed list."""

    closed = False


pending_after: ContextVar[AfterQueue | None] = ContextVar("tessera_pending_after_hooks", default=None)


class DatabaseHookErrorCodes(ErrorCodes):
    FAILED_TO_CREATE_ACCOUNT = code("Failed to create account")


_CREATE_FAILURES: dict[str, tuple[int, ErrorCode]] = {
    "user": (422, BaseErrorCodes.FAILED_TO_CREATE_USER),
    "session": (400, BaseErrorCodes.FAILED_TO_CREATE_SESSION),
    "account": (422, DatabaseHookErrorCodes.FAILED_TO_CREATE_ACCOUNT),
    "verification": (400, BaseErrorCodes.FAILED_TO_CREATE_VERIFICATION),
}


class HookVeto(APIError):
    """A ``before`` create hook returned ``False``: the endpoint fails as if the insert had failed."""

    def __init__(self, model: str) -> None:
        status, error = _CREATE_FAILURES.get(model, (400, BaseErrorCodes.BAD_REQUEST))
        super().__init__(status, error)
        self.model = model


class Vetoed(Exception):
    """Internal: a delete was vetoed; raised to roll back the unit of work that performed it."""


async def _call(fn: DatabaseHook, data: dict[str, Any]) -> Any:
    result = fn(data, current_request.get())
    if inspect.isawaitable(result):
        result = await result
    return result


@dataclass(frozen=True, slots=True)
class HookChain:
    """The hooks of one (model, action), in order: the application's first, then each plugin's."""

    model: str
    action: str
    before: tuple[DatabaseHook, ...] = ()
    after: tuple[DatabaseHook, ...] = ()

    async def run_before(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """``data`` as the before-hooks leave it, or ``None`` when one of them vetoes."""
        for fn in self.before:
            result = await _call(fn, data)
            if result is False:
                return None
            if isinstance(result, Mapping) and isinstance(result.get("data"), Mapping):
                data = {**data, **result["data"]}
        return data

    async def allows(self, row: dict[str, Any]) -> bool:
        """For deletes: every before-hook agrees (their ``data`` answers are ignored)."""
        for fn in self.before:
            if await _call(fn, row) is False:
                return False
        return True

    async def run_after(self, row: dict[str, Any]) -> None:
        """Now when no transaction is open, otherwise once the outermost one commits."""
        if not self.after:
            return
        queue = pending_after.get()
        if queue is not None and not queue.closed:
            queue.append((self, row))
            return
        for fn in self.after:
            await _call(fn, row)


class DatabaseHooks:
    """The registry, filled while ``Tessera`` is built and frozen before the first request."""

    def __init__(self, config: DatabaseHooksConfig | None = None) -> None:
        self._lists: dict[tuple[str, str], tuple[list[DatabaseHook], list[DatabaseHook]]] = {}
        self._chains: dict[tuple[str, str], HookChain] = {}
        self._frozen = False
        if config:
            self.extend(config, source="database_hooks")

    def add(
        self,
        model: str,
        action: Action,
        *,
        before: DatabaseHook | None = None,
        after: DatabaseHook | None = None,
    ) -> None:
        if self._frozen:
            raise ConfigError("database hooks can only be added while Tessera is built (in a plugin's init)")
        if action not in ACTIONS:
            raise ConfigError(f"database hook action must be one of create, update, delete; got {action!r}")
        lists = self._lists.setdefault((model, action), ([], []))
        for fn, into in ((before, lists[0]), (after, lists[1])):
            if fn is None:
                continue
            if not callable(fn):
                raise ConfigError(f"database hook for {model}.{action} is not callable: {fn!r}")
            into.append(fn)

    def extend(self, config: DatabaseHooksConfig, *, source: str) -> None:
        """Add hooks given as ``{"user": {"create": {"before": fn, "after": fn}}}``."""
        for model, actions in config.items():
            for action, kinds in actions.items():
                if action not in ACTIONS:
                    raise ConfigError(f"{source}.{model}: unknown action {action!r} (create, update, delete)")
                unknown = set(kinds) - KINDS
                if unknown:
                    raise ConfigError(f"{source}.{model}.{action}: unknown key(s) {', '.join(sorted(unknown))}")
                self.add(model, action, before=kinds.get("before"), after=kinds.get("after"))  # type: ignore[arg-type]

    def freeze(self, known_models: frozenset[str] | set[str]) -> None:
        """Compile the chains once; a hook on a model that does not exist is a configuration error."""
        for (model, action), (before, after) in self._lists.items():
            if model not in known_models and model not in CORE_MODELS:
                raise ConfigError(f"database hook on unknown model {model!r}")
            if before or after:
                self._chains[(model, action)] = HookChain(model, action, tuple(before), tuple(after))
        self._frozen = True

    def chain(self, model: str, action: Action) -> HookChain | None:
        """The hooks for this write, or ``None`` (the common case: write without any extra work)."""
        return self._chains.get((model, action))

    def __bool__(self) -> bool:
        return bool(self._chains)
