"""GET /ok."""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..endpoints import endpoint


@endpoint("/ok", "GET")
async def ok(ctx: RequestContext) -> Any:
    return {"ok": True}
