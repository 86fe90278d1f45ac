"""One-time codes kept in verification rows, as Better Auth's email-OTP and phone-number plugins keep them
(``atomicVerifyOTP`` and ``verifyPhoneNumberOTP``): the row ``identifier`` holds ``<stored code>:<failed
attempts>``, so a Node and a Python deployment on one database honour each other's codes. Codes are never
logged.

Checking a guess is one atomic consume of the row: of concurrent requests only the one that took the row
compares its guess, every other one is refused outright (``INVALID_OTP``) without learning anything, so
concurrent wrong guesses cannot add up past ``allowed_attempts``. A wrong guess puts the row back with one
more failed attempt and its original expiry; an exhausted row stays consumed (the code is dead).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from ..crypto.otp import split_attempts
from ..db.adapter import Adapter, Where
from ..errors import APIError, ErrorCode, SharedErrorCodes

if TYPE_CHECKING:
    from ..context import RequestContext

#: ``matches(stored)``: whether the guess fits the stored form of the code (compared in constant time)
Matcher = Callable[[str], Awaitable[bool]]
Disposition = Literal["consume", "restore"]


async def replace_code(ctx: RequestContext, identifier: str, stored: str, expires_in: int) -> None:
    """File a new code (already in its stored form) under ``identifier`` with no failed attempts, replacing
    any earlier one (which would otherwise stay valid next to it)."""
    store = ctx.auth.store
    await store.delete_verifications([identifier])
    await store.create_verification(identifier, f"{stored}:0", expires_in)


async def check_code(
    ctx: RequestContext,
    identifier: str,
    matches: Matcher,
    *,
    allowed_attempts: int,
    missing: ErrorCode = SharedErrorCodes.INVALID_OTP,
    disposition: Disposition = "consume",
    adapter: Adapter | None = None,
) -> None:
    """Spend (``consume``) or only check (``restore``) the code filed under ``identifier``; raise ``missing``
    when there is none, ``OTP_EXPIRED``, ``INVALID_OTP`` (a wrong code, or a racing request holds it) or
    ``TOO_MANY_ATTEMPTS``. ``adapter``: a transaction the consume belongs to."""
    auth = ctx.auth
    store = auth.store
    # Better Auth tells an expired code apart from a missing one (the store's reads skip expired rows); codes
    # kept only in secondary storage expire with their key, so there a stale code is simply missing
    if "verification" in auth.schema.tables:
        raw = await (adapter or store.adapter).find_one("verification", [Where("identifier", identifier)])
        if raw is None:
            raise APIError(400, missing)
        if raw["expiresAt"] <= auth.now():
            if adapter is None:  # inside a transaction the caller's rollback decides
                await store.delete_verifications([identifier])
            raise APIError(400, SharedErrorCodes.OTP_EXPIRED)
    consumed = await store.consume_verification(identifier, adapter)
    if consumed is None:
        raise APIError(400, SharedErrorCodes.INVALID_OTP)
    stored, attempts = split_attempts(str(consumed["value"]))
    if attempts >= allowed_attempts:
        raise APIError(403, SharedErrorCodes.TOO_MANY_ATTEMPTS)
    if not await matches(stored):
        if adapter is None:  # inside a transaction the rollback puts the row back as it was
            await _recreate(ctx, identifier, f"{stored}:{attempts + 1}", consumed["expiresAt"])
        raise APIError(400, SharedErrorCodes.INVALID_OTP)
    if disposition == "consume":
        return
    if await store.find_verification(identifier) is not None:  # a new code was issued meanwhile
        raise APIError(400, SharedErrorCodes.INVALID_OTP)
    await _recreate(ctx, identifier, str(consumed["value"]), consumed["expiresAt"])


async def _recreate(ctx: RequestContext, identifier: str, value: str, expires_at: datetime) -> None:
    """Put a consumed row back with what is left of its validity (a guess must not extend a code)."""
    remaining = int((expires_at - ctx.auth.now()).total_seconds())
    if remaining > 0:
        await ctx.auth.store.create_verification(identifier, value, remaining)
