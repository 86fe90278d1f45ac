"""Endpoint hooks, matched by endpoint name or tag (never by comparing path strings), run in order:
the application's hooks first, then each plugin's in plugin order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .endpoints import Endpoint

if TYPE_CHECKING:
    from .context import RequestContext

HookHandler = Callable[["RequestContext"], Awaitable[Any]]


@dataclass(frozen=True)
class Hook:
    """``handler(ctx)``; a before-hook returning something other than ``None`` answers early with it,
    an after-hook returning something other than ``None`` replaces the response body."""

    handler: HookHandler
    #: endpoint names this hook applies to; empty with no ``tags`` means every endpoint
    endpoints: frozenset[str] = field(default_factory=frozenset)
    tags: frozenset[str] = field(default_factory=frozenset)
    #: the hook never changes what the handler returns nor the session it was built from (it may rewrite the
    #: request beforehand, or add headers and cookies after): a result rendered ahead of time stays valid
    keeps_result: bool = False

    def applies_to(self, ep: Endpoint) -> bool:
        if not self.endpoints and not self.tags:
            return True
        return ep.name in self.endpoints or bool(self.tags & ep.tags)


def hook(
    handler: HookHandler | None = None, *, endpoints: Iterable[str] = (), tags: Iterable[str] = (),
    keeps_result: bool = False,
) -> Any:
    """``@hook(endpoints=["sign_in_email"])`` or ``hook(fn)``."""

    def wrap(fn: HookHandler) -> Hook:
        return Hook(fn, frozenset(endpoints), frozenset(tags), keeps_result)

    return wrap(handler) if handler is not None else wrap


def compile_hooks(hooks: Iterable[Hook], endpoints: Iterable[Endpoint]) -> dict[str, tuple[Hook, ...]]:
    """Per endpoint name, the hooks that apply — computed once, so a request does no matching."""
    hooks = tuple(hooks)
    return {ep.name: tuple(h for h in hooks if h.applies_to(ep)) for ep in endpoints}
