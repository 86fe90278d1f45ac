"""POST /change-password and the server-only set-password."""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..db.store import CREDENTIAL
from ..endpoints import endpoint
from ..errors import APIError, BaseErrorCodes
from ..session.issue import create_session, set_session_cookies
from ..validation import F, Shape
from ._common import PASSWORD_CHANGE_REFUSED, check_password_length
from .session import announce_user_revocation, password_changed


@endpoint(
    "/change-password",
    "POST",
    body=Shape(
        {
            "newPassword": F("string"),
            "currentPassword": F("string"),
            "revokeOtherSessions": F("boolean", optional=True),
        }
    ),
    session="sensitive",
    tags=("password",),
)
async def change_password(ctx: RequestContext) -> Any:
    assert ctx.session is not None
    auth = ctx.auth
    body = ctx.body
    check_password_length(ctx, body["newPassword"])
    if len(body["currentPassword"]) > auth.email_and_password.max_password_length:
        raise APIError(400, BaseErrorCodes.PASSWORD_TOO_LONG)
    user_id = ctx.session.user_id
    account = await auth.store.find_credential_account(user_id)
    if account is None or not account.get("password"):
        raise APIError(400, BaseErrorCodes.CREDENTIAL_ACCOUNT_NOT_FOUND)
    hasher = auth.email_and_password.password
    if not await hasher.verify(account["password"], body["currentPassword"]):
        raise APIError(400, BaseErrorCodes.INVALID_PASSWORD)
    password_hash = await hasher.hash(body["newPassword"])
    revoke = bool(body.get("revokeOtherSessions"))
    store = auth.store
    # one unit, as in Better Auth: the new password, the revoked sessions and the session that replaces them
    # are all written or none is (a failing step never leaves a changed password with every session gone)
    async with store.transaction() as tx:
        if await store.set_password(user_id, password_hash, tx) is None:
            raise APIError(400, None, PASSWORD_CHANGE_REFUSED)
        if revoke:
            await store.delete_sessions(user_id, adapter=tx)
            session = await create_session(ctx, ctx.session.user, adapter=tx)
    token = None
    if revoke:
        # announced once committed: a rolled-back revocation must not log other instances' users out
        announce_user_revocation(ctx, user_id)
        set_session_cookies(ctx, session)
        token = session.token
    else:
        password_changed(ctx, user_id)
    return {"token": token, "user": ctx.session.user}


@endpoint("/set-password", "POST", body=Shape({"newPassword": F("string")}), session="sensitive", server_only=True)
async def set_password(ctx: RequestContext) -> Any:
    assert ctx.session is not None
    auth = ctx.auth
    check_password_length(ctx, ctx.body["newPassword"])
    user_id = ctx.session.user_id
    if await auth.store.find_credential_account(user_id) is not None:
        raise APIError(400, BaseErrorCodes.PASSWORD_ALREADY_SET)
    password_hash = await auth.email_and_password.password.hash(ctx.body["newPassword"])
    await auth.store.create_account(
        {"accountId": user_id, "providerId": CREDENTIAL, "userId": user_id, "password": password_hash}
    )
    password_changed(ctx, user_id)
    return {"status": True}
