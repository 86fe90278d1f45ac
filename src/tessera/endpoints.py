"""Endpoints: values usable over HTTP and as direct server calls (``auth.api.<name>(...)``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .validation import Shape

if TYPE_CHECKING:
    from .context import RequestContext

Handler = Callable[["RequestContext"], Awaitable[Any]]
SessionRequirement = Literal["none", "optional", "session", "sensitive", "fresh", "request"]
CsrfMode = Literal["origin", "form", "none"]


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    methods: tuple[str, ...]
    handler: Handler
    body: Shape | None = None
    query: Shape | None = None
    #: ``session``: a valid session (cookie cache allowed); ``sensitive``: read from the store, never the
    #: cookie cache; ``fresh``: created less than ``session.fresh_age`` ago; ``request``: required over HTTP only
    session: SessionRequirement = "none"
    #: callable only from the server (``auth.api``), never routed
    server_only: bool = False
    #: answers carry ``Cache-Control: no-store`` and ``Pragma: no-cache``
    no_store: bool = False
    #: also accepts ``application/x-www-form-urlencoded`` bodies
    form: bool = False
    #: ``form``: Fetch-Metadata login-CSRF protection even without cookies
    csrf: CsrfMode = "origin"
    #: query parameters checked against trusted origins even on GET
    callback_query: tuple[str, ...] = ()
    tags: frozenset[str] = field(default_factory=frozenset)
    #: the HTTP request body is never read (Better Auth's ``disableBody``): a malformed one is no error
    disable_body: bool = False


def endpoint(
    path: str,
    method: str | tuple[str, ...] = "POST",
    *,
    name: str | None = None,
    body: Shape | None = None,
    query: Shape | None = None,
    session: SessionRequirement = "none",
    server_only: bool = False,
    no_store: bool = False,
    form: bool = False,
    csrf: CsrfMode = "origin",
    callback_query: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
    disable_body: bool = False,
) -> Callable[[Handler], Endpoint]:
    """Declare an endpoint; the function name (or ``name``) becomes its ``auth.api`` attribute."""

    def wrap(fn: Handler) -> Endpoint:
        return Endpoint(
            name=name or fn.__name__,
            path=path,
            methods=(method,) if isinstance(method, str) else method,
            handler=fn,
            body=body,
            query=query,
            session=session,
            server_only=server_only,
            no_store=no_store,
            form=form,
            csrf=csrf,
            callback_query=callback_query,
            tags=frozenset(tags),
            disable_body=disable_body,
        )

    return wrap
