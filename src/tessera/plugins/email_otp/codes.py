"""How a code is stored, checked and spent: Better Auth's ``otp-token.ts`` and ``atomicVerifyOTP``.

A code lives in the verification row ``<type>-otp-<email>`` (``change-email-otp-<userId>:<new email>`` for an
email change) holding ``<stored code>:<failed attempts>``; checking and spending it is ``plugins/otp_codes.py``,
shared with the phone-number plugin. Codes are never logged.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from datetime import timedelta
from typing import TYPE_CHECKING

from ...crypto.otp import codes_equal, generate_otp, hash_otp, split_attempts
from ...crypto.symmetric import symmetric_decrypt, symmetric_encrypt
from ...db.adapter import Adapter, Where
from ..otp_codes import Disposition, check_code, replace_code
from .config import EmailOTPOptions, OTPEncryptor, OTPHasher

if TYPE_CHECKING:
    from ...context import RequestContext


def otp_identifier(otp_type: str, email: str) -> str:
    """Better Auth's ``toOTPIdentifier``."""
    return f"{otp_type}-otp-{email}"


async def _value(result: str | Awaitable[str]) -> str:
    return await result if inspect.isawaitable(result) else result


def new_code(options: EmailOTPOptions, ctx: RequestContext, email: str, otp_type: str) -> str:
    """The application's ``generate_otp`` when it answers, else ``otp_length`` random digits."""
    if options.generate_otp is not None:
        code = options.generate_otp({"email": email, "type": otp_type}, ctx)
        if code:
            return str(code)
    return generate_otp(options.otp_length)


async def store_form(options: EmailOTPOptions, ctx: RequestContext, otp: str) -> str:
    store = options.store_otp
    if store == "encrypted":
        return symmetric_encrypt(ctx.auth.keyring, otp)
    if store == "hashed":
        return hash_otp(otp)
    if isinstance(store, OTPHasher):
        return await _value(store.hash(otp))
    if isinstance(store, OTPEncryptor):
        return await _value(store.encrypt(otp))
    return otp


def is_hashed(options: EmailOTPOptions) -> bool:
    return options.store_otp == "hashed" or isinstance(options.store_otp, OTPHasher)


async def matches(options: EmailOTPOptions, ctx: RequestContext, stored: str, given: str) -> bool:
    store = options.store_otp
    try:
        if store == "encrypted":
            return codes_equal(symmetric_decrypt(ctx.auth.keyring, stored), given)
        if store == "hashed":
            return codes_equal(hash_otp(given), stored)
        if isinstance(store, OTPHasher):
            return codes_equal(await _value(store.hash(given)), stored)
        if isinstance(store, OTPEncryptor):
            return codes_equal(await _value(store.decrypt(stored)), given)
    except ValueError:  # a row this configuration cannot read (written under another ``store_otp``)
        return False
    return codes_equal(given, stored)


async def readable(options: EmailOTPOptions, ctx: RequestContext, stored: str) -> str | None:
    """The code in clear, or ``None`` when it is stored hashed (Better Auth's ``retrieveOTP``)."""
    store = options.store_otp
    if store == "plain":
        return stored
    if store == "encrypted":
        return symmetric_decrypt(ctx.auth.keyring, stored)
    if isinstance(store, OTPEncryptor) and not isinstance(store, OTPHasher):
        return await _value(store.decrypt(stored))
    return None


async def issue_code(
    options: EmailOTPOptions, ctx: RequestContext, email: str, otp_type: str, identifier: str | None = None
) -> str:
    """Better Auth's ``resolveOTP``: the still-valid code again (``resend_strategy="reuse"``), else a new code
    replacing any earlier one for this identifier (an earlier code would otherwise stay valid next to it)."""
    identifier = identifier or otp_identifier(otp_type, email)
    store = ctx.auth.store
    if options.resend_strategy == "reuse":
        existing = await store.find_verification(identifier)
        if existing is not None:
            stored, attempts = split_attempts(str(existing["value"]))
            plain = await readable(options, ctx, stored) if attempts < options.allowed_attempts else None
            if plain:
                await store.adapter.update(
                    "verification", [Where("id", existing["id"])],
                    {"expiresAt": ctx.auth.now() + timedelta(seconds=options.expires_in)},
                )
                return plain
    code = new_code(options, ctx, email, otp_type)
    await write_code(options, ctx, identifier, code)
    return code


async def write_code(options: EmailOTPOptions, ctx: RequestContext, identifier: str, code: str) -> None:
    await replace_code(ctx, identifier, await store_form(options, ctx, code), options.expires_in)


async def verify_code(
    options: EmailOTPOptions,
    ctx: RequestContext,
    identifier: str,
    given: str,
    disposition: Disposition = "consume",
    adapter: Adapter | None = None,
) -> None:
    """Spend (``consume``) or only check (``restore``) the code filed under ``identifier``; raise
    ``OTP_EXPIRED``, ``INVALID_OTP`` (no code, a wrong one, or a racing request holds it) or
    ``TOO_MANY_ATTEMPTS``. ``adapter``: a transaction the consume belongs to."""

    async def fits(stored: str) -> bool:
        return await matches(options, ctx, stored, given)

    await check_code(ctx, identifier, fits, allowed_attempts=options.allowed_attempts, disposition=disposition,
                     adapter=adapter)
