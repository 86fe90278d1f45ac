"""GET /list-accounts, POST /unlink-account and POST /verify-password."""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..endpoints import endpoint
from ..errors import APIError, BaseErrorCodes
from ..validation import F, Shape
from ._common import check_user_password


@endpoint("/list-accounts", "GET", session="session", tags=("account",))
async def list_user_accounts(ctx: RequestContext) -> Any:
    """The user's accounts without secrets: tokens and the password hash are ``returned=False`` columns."""
    assert ctx.session is not None
    store = ctx.auth.store
    out = []
    for row in await store.find_accounts(ctx.session.user_id):
        account = store.public("account", row)
        scope = account.pop("scope", None)
        account["scopes"] = [s.strip() for s in scope.split(",") if s.strip()] if scope else []
        out.append(account)
    return out


@endpoint(
    "/unlink-account", "POST", body=Shape({"accountId": F("string")}), session="fresh", tags=("account",)
)
async def unlink_account(ctx: RequestContext) -> Any:
    """Remove one account, named by its row ``id`` (Better Auth 1.7), unless it is the user's last way in."""
    assert ctx.session is not None
    auth = ctx.auth
    user_id = ctx.session.user_id
    accounts = await auth.store.find_accounts(user_id)
    if len(accounts) == 1 and not auth.account_config.account_linking.get("allow_unlinking_all", False):
        raise APIError(400, BaseErrorCodes.FAILED_TO_UNLINK_LAST_ACCOUNT)
    account_id = ctx.body["accountId"]
    if not any(a["id"] == account_id for a in accounts):
        raise APIError(400, BaseErrorCodes.ACCOUNT_NOT_FOUND)
    if await auth.store.delete_account(account_id, user_id) is None:
        raise APIError(400, BaseErrorCodes.ACCOUNT_NOT_FOUND)
    return {"status": True}


@endpoint(
    "/verify-password", "POST", body=Shape({"password": F("string")}), session="sensitive", tags=("account",)
)
async def verify_password(ctx: RequestContext) -> Any:
    assert ctx.session is not None
    if not await check_user_password(ctx, ctx.session.user_id, ctx.body["password"]):
        raise APIError(400, BaseErrorCodes.INVALID_PASSWORD)
    return {"status": True}
