"""POST /update-user."""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..db.adapter import UniqueViolation
from ..endpoints import endpoint
from ..errors import APIError, BaseErrorCodes
from ..session.issue import set_session_cookies
from ..session.model import SessionData
from ..validation import F, Shape
from ._common import NO_FIELDS, user_input

UPDATE_USER_BODY = Shape(
    {"name": F("string", optional=True), "image": F("string", optional=True, nullable=True)},
    record=True,
    object=False,  # Better Auth: z.record(z.string(), z.any())
)


@endpoint("/update-user", "POST", body=UPDATE_USER_BODY, session="session", tags=("user",))
async def update_user(ctx: RequestContext) -> Any:
    assert ctx.session is not None
    body = ctx.body
    if "email" in body:
        raise APIError(400, BaseErrorCodes.EMAIL_CAN_NOT_BE_UPDATED)
    changes = user_input(ctx, body, exclude=frozenset({"email"}))
    if not changes:
        raise APIError(400, None, NO_FIELDS)
    auth = ctx.auth
    try:
        updated = await auth.store.update_user(ctx.session.user_id, changes)
    except UniqueViolation:  # a plugin's unique field (a username) taken meanwhile
        updated = None
    if updated is None:
        raise APIError(400, BaseErrorCodes.FAILED_TO_UPDATE_USER)
    refreshed = SessionData(ctx.session.session, auth.store.public("user", updated))
    set_session_cookies(ctx, refreshed, dont_remember=auth.cookies.read_dont_remember(ctx.request))
    return {"status": True}
