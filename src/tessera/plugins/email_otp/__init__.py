"""The email-OTP plugin (Better Auth's ``emailOTP()``): one-time codes mailed by the application to sign in,
verify an address, reset a password or change the address, compatible with the official ``emailOTPClient``::

    from tessera.plugins.email_otp import email_otp

    async def send_code(data, ctx):  # {"email": ..., "otp": "123456", "type": "sign-in"}
        await mailer.send(data["email"], f"Your code: {data['otp']}")

    auth = Tessera(..., plugins=[email_otp(send_verification_otp=send_code)])

No schema of its own: codes are verification rows ``<type>-otp-<email>`` holding ``<code>:<attempts>``, as
Better Auth writes them, so a code sent by a Node instance can be checked by a Python one. See
docs/email-otp.md.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from typing import TYPE_CHECKING, Any

from ...db.hooks import current_request
from ...hooks import Hook
from ..base import ContextPlugin, RateLimitRule, plugin_from_options
from .codes import issue_code, new_code, otp_identifier, write_code
from .config import (
    ChangeEmailOptions,
    EmailOTPOptions,
    EmailOTPRateLimit,
    GenerateOTP,
    OTPEncryptor,
    OTPHasher,
    OTPType,
    SendVerificationOTP,
)
from .endpoints import build_endpoints
from .errors import EmailOTPErrorCodes

if TYPE_CHECKING:
    from ...context import AuthContext, RequestContext

__all__ = [
    "ChangeEmailOptions",
    "EmailOTPErrorCodes",
    "EmailOTPOptions",
    "EmailOTPPlugin",
    "EmailOTPRateLimit",
    "GenerateOTP",
    "OTPEncryptor",
    "OTPHasher",
    "OTPType",
    "SendVerificationOTP",
    "email_otp",
]

logger = logging.getLogger("tessera.email_otp")

#: Better Auth's rate-limit rules: each route on its own, ``rate_limit.window`` / ``rate_limit.max``
RATE_LIMITED_PATHS = (
    "/email-otp/send-verification-otp", "/email-otp/check-verification-otp", "/email-otp/verify-email",
    "/sign-in/email-otp", "/email-otp/request-password-reset", "/email-otp/reset-password",
    "/forget-password/email-otp", "/email-otp/request-email-change", "/email-otp/change-email",
)


class EmailOTPPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(EmailOTPPlugin).options`` is its ``EmailOTPOptions``."""

    options: EmailOTPOptions

    def __init__(self, options: EmailOTPOptions) -> None:
        limit = options.rate_limit
        after: tuple[Hook, ...] = ()
        if options.send_verification_on_sign_up and not options.override_default_email_verification:
            after = (Hook(self._after_sign_up, tags=frozenset({"sign-up"})),)
        super().__init__(
            id="email-otp",
            after=after,
            error_codes=EmailOTPErrorCodes,
            rate_limit=tuple(RateLimitRule(path, window=limit.window, max=limit.max) for path in RATE_LIMITED_PATHS),
            init=self._init_email_otp,
            options=options,
        )
        self.endpoints = build_endpoints(self)

    def _init_email_otp(self, context: AuthContext) -> None:
        self._init(context)
        if self.options.override_default_email_verification:
            # Better Auth's ``init``: the link-based verification mail becomes a code
            context.email_verification = dataclasses.replace(
                context.email_verification, send_verification_email=self._send_verification_email
            )

    async def send(self, ctx: RequestContext, email: str, otp: str, otp_type: str) -> None:
        """Hand a code to the application's ``send_verification_otp`` (awaited, or in the background when
        ``advanced.background_tasks`` says so). A failure is logged — never the code."""
        sender = self.options.send_verification_otp
        if sender is None:
            logger.warning("send_verification_otp is not configured: no code was sent")
            return
        result = sender({"email": email, "otp": otp, "type": otp_type}, ctx)
        if inspect.isawaitable(result):
            await ctx.run_in_background_or_await(_logged(result))

    async def send_code(self, ctx: RequestContext, email: str, otp_type: str) -> dict[str, Any]:
        """``/email-otp/send-verification-otp`` and the password-reset requests: a code is minted either way,
        and sent only to a registered address (or to any address for ``sign-in`` while sign-up is allowed).
        The answer is ``{"success": true}`` whether or not the address is registered."""
        code = await issue_code(self.options, ctx, email, otp_type)
        user = await ctx.auth.store.find_user_by_email(email)
        if user is None and not (otp_type == "sign-in" and not self.options.disable_sign_up):
            await ctx.auth.store.delete_verifications([otp_identifier(otp_type, email)])
            return {"success": True}
        await self.send(ctx, user["email"] if user is not None else email, code, otp_type)
        return {"success": True}

    async def _send_verification_email(self, *, user: dict[str, Any], **_: Any) -> None:
        ctx = current_request.get()
        if ctx is None:  # only ever called while a request is handled
            logger.error("email_otp(): a verification email outside a request cannot be sent as a code")
            return
        await self.send_code(ctx, str(user["email"]).lower(), "email-verification")

    async def _after_sign_up(self, ctx: RequestContext) -> None:
        returned = ctx.returned
        user = returned.get("user") if isinstance(returned, dict) else None
        email = user.get("email") if isinstance(user, dict) else None
        if not email:
            return
        code = new_code(self.options, ctx, email, "email-verification")
        await write_code(self.options, ctx, otp_identifier("email-verification", email), code)
        await self.send(ctx, email, code, "email-verification")


async def _logged(work: Any) -> None:
    try:
        await work
    except Exception:
        logger.exception("failed to send an email OTP")


def email_otp(options: EmailOTPOptions | None = None, /, **kwargs: Any) -> EmailOTPPlugin:
    """Better Auth's ``emailOTP()``. Keyword arguments are ``EmailOTPOptions`` fields:
    ``email_otp(send_verification_otp=fn, otp_length=6, expires_in=300, store_otp="hashed")``."""
    return plugin_from_options("email_otp", EmailOTPPlugin, EmailOTPOptions, options, kwargs)
