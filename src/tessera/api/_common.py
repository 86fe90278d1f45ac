"""Helpers shared by the core endpoints."""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..errors import APIError, BaseErrorCodes
from ..validation import validation_error

NO_FIELDS = "No fields to update"
# a database hook vetoed the credential update: Better Auth 1.7 answers success anyway; tessera does not claim
# a change it did not make (as /update-user and /delete-user do), and keeps the request's other writes undone
PASSWORD_CHANGE_REFUSED = "The password could not be changed"


def check_password_length(ctx: RequestContext, password: str) -> None:
    """Length policy, checked before any hashing (NIST 800-63B: 8 minimum, long passphrases allowed)."""
    config = ctx.auth.email_and_password
    if len(password) < config.min_password_length:
        raise APIError(400, BaseErrorCodes.PASSWORD_TOO_SHORT)
    if len(password.encode("utf-16-le")) // 2 > config.max_password_length:
        raise APIError(400, BaseErrorCodes.PASSWORD_TOO_LONG)


def user_input(ctx: RequestContext, body: dict[str, Any], *, exclude: frozenset[str]) -> dict[str, Any]:
    """The user columns a client may set, from a request body; setting a protected one is a 400."""
    table = ctx.auth.schema["user"]
    out: dict[str, Any] = {}
    for f in table.fields:
        if f.name in exclude or f.name not in body:
            continue
        if not f.input:
            raise APIError(400, BaseErrorCodes.FIELD_NOT_ALLOWED, f"{f.name} is not allowed to be set")
        value = body[f.name]
        if value is None and f.required:
            # a NOT NULL column: say so in zod's words rather than let the database refuse it
            raise validation_error([f"[body.{f.name}] Invalid input: expected {f.type}, received null"])
        if value is not None and not _type_ok(f.type, value):
            raise APIError(
                400, BaseErrorCodes.VALIDATION_ERROR, f"[body.{f.name}] Invalid input: expected {f.type}"
            )
        out[f.name] = value
    return out


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("number", "bigint"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return True


async def dummy_password_check(ctx: RequestContext, password: str) -> None:
    """Spend what a real verification spends, so an unknown email cannot be told apart by timing."""
    hasher = ctx.auth.email_and_password.password
    dummy = ctx.auth.plugin_state.get("dummy_hash")
    if dummy is None:
        dummy = await hasher.hash("tessera-dummy-password")
        ctx.auth.plugin_state["dummy_hash"] = dummy
    await hasher.verify(dummy, password)


async def check_user_password(ctx: RequestContext, user_id: str, password: str) -> bool | None:
    """Verify ``password`` against the user's credential account: ``None`` when there is no password to check.

    Too-long passwords are refused before any hashing, as on every other password path.
    """
    if len(password.encode("utf-16-le")) // 2 > ctx.auth.email_and_password.max_password_length:
        raise APIError(400, BaseErrorCodes.PASSWORD_TOO_LONG)
    account = await ctx.auth.store.find_credential_account(user_id)
    if account is None or not account.get("password"):
        return None
    return await ctx.auth.email_and_password.password.verify(account["password"], password)
