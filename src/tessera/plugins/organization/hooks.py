"""Better Auth's ``organizationHooks``: running them, and what a ``before`` hook may change.

Transactions (the rule every endpoint follows):

* ``before_*`` hooks run before anything of the operation is written, outside any unit of work: a hook
  that raises ``APIError`` answers the request with it and nothing is written. A hook that needs the row
  being made (``before_add_member`` when an organization is created) gets it as it will be stored, id
  included, though it is not in the database yet.
* the operation's writes are one unit of work (an organization with its owner and default team, an
  accepted invitation with its member and teams), committed before any ``after_*`` hook runs.
* ``after_*`` hooks run once everything the endpoint writes is committed (the session's active
  organization too). A failing one answers the request with its error, as in Better Auth, but never
  undoes nor half-undoes the committed operation: the rows are whole either way. So an ``after_*``
  hook may call ``auth.api`` and see what was written.

``data`` a ``before_*`` hook returns is merged into the row to write: only the table's columns are taken,
never the row's ``id`` nor the keys that bind it to the operation (an ``organizationId``, a ``userId``, an
invitation's ``inviterId`` and ``status``): a hook may change a member's role, not whose membership it is.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...context import RequestContext
    from .config import OrganizationHooks


async def run_hook(hooks: OrganizationHooks, name: str, **data: Any) -> dict[str, Any] | None:
    """Call the hook ``name`` (if set) with ``data`` as keyword arguments; the ``data`` mapping a
    ``before_*`` hook answered with ``{"data": {...}}``, else ``None``."""
    fn = getattr(hooks, name)
    if fn is None:
        return None
    result = fn(**data)
    if inspect.isawaitable(result):
        result = await result
    if isinstance(result, Mapping) and isinstance(result.get("data"), Mapping):
        return dict(result["data"])
    return None


def changed(ctx: RequestContext, model: str, row: Mapping[str, Any], changes: Mapping[str, Any] | None,
            fixed: Iterable[str] = ()) -> dict[str, Any]:
    """``row`` with a before hook's ``changes`` merged in: the columns of ``model`` only, never ``id`` nor
    ``fixed``. An organization's ``metadata`` may be given as an object (stored as JSON text)."""
    if not changes:
        return dict(row)
    table = ctx.auth.schema[model]
    keep = {"id", *fixed}
    out = dict(row)
    for key, value in changes.items():
        if key in keep or not table.has(key):
            continue
        if model == "organization" and key == "metadata" and isinstance(value, Mapping):
            value = json.dumps(value, separators=(",", ":")) if value else None
        out[key] = value
    return out
