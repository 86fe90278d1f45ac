"""The two-factor plugin (Better Auth's ``twoFactor()``): TOTP, one-time codes sent by the application, backup
codes and trusted devices under ``/two-factor/*``, compatible with the official ``twoFactorClient``::

    from tessera.plugins.two_factor import two_factor

    auth = Tessera(..., plugins=[two_factor()])
    auth = Tessera(..., plugins=[two_factor(issuer="Acme", otp={"send_otp": send_code})])

Schema: the ``twoFactor`` table and ``user.twoFactorEnabled`` (``tessera generate`` / ``migrate`` emit them).
When a user with 2FA on signs in with a password, no session is created: the answer is
``{"twoFactorRedirect": true, "twoFactorMethods": [...]}`` with the signed ``two_factor`` cookie, and one of
the verify endpoints finishes the sign-in. See docs/two-factor.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...db.adapter import Where
from ...hooks import Hook
from ..base import ContextPlugin, RateLimitRule, plugin_from_options
from .backup_codes import decode_backup_codes, encode_backup_codes, generate_backup_codes
from .challenge import FIRST_FACTOR_ENDPOINTS, TRUST_DEVICE_COOKIE, TWO_FACTOR_COOKIE, after_first_factor, session_guard
from .config import AccountLockout, BackupCodeOptions, OTPOptions, SendOTP, TOTPOptions, TwoFactorOptions
from .endpoints import build_endpoints
from .errors import TwoFactorErrorCodes
from .schema import two_factor_schema
from .totp import hotp, matching_step, totp_uri

if TYPE_CHECKING:
    from ...context import RequestContext

__all__ = [
    "TRUST_DEVICE_COOKIE",
    "TWO_FACTOR_COOKIE",
    "AccountLockout",
    "BackupCodeOptions",
    "OTPOptions",
    "SendOTP",
    "TOTPOptions",
    "TwoFactorErrorCodes",
    "TwoFactorOptions",
    "TwoFactorPlugin",
    "decode_backup_codes",
    "encode_backup_codes",
    "generate_backup_codes",
    "hotp",
    "matching_step",
    "totp_uri",
    "two_factor",
]

#: verification-row prefix recording the last TOTP step used per ``twoFactor`` row (replay refusal)
TOTP_STEP_PREFIX = "2fa-totp-step-"


class TwoFactorPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(TwoFactorPlugin).options`` is its ``TwoFactorOptions``."""

    options: TwoFactorOptions

    def __init__(self, options: TwoFactorOptions) -> None:
        super().__init__(
            id="two-factor",
            schema=two_factor_schema(options.two_factor_table),
            after=(Hook(self._after_sign_in, FIRST_FACTOR_ENDPOINTS),),
            error_codes=TwoFactorErrorCodes,
            database_hooks={"session": {"create": {"before": session_guard(self)}}},
            rate_limit=(RateLimitRule("/two-factor/", window=10, max=3),),
            init=self._init,
            options=options,
        )
        self.endpoints = build_endpoints(self)

    async def _after_sign_in(self, ctx: RequestContext) -> Any:
        return await after_first_factor(self, ctx)

    async def find_two_factor(self, user_id: str) -> dict[str, Any] | None:
        """The user's ``twoFactor`` row (secret and backup codes still encrypted), or ``None``."""
        return await self.context.adapter.find_one("twoFactor", [Where("userId", user_id)])

    async def claim_totp_step(self, ctx: RequestContext, two_factor_id: str, step: int) -> bool:
        """Record ``step`` as used; ``False`` when it (or a later step) was used already.

        Better Auth 1.7.24 keeps no record, so a code can be replayed while it is valid. The record is a
        verification row (no schema change, so a Node deployment on the same database is unaffected),
        consumed and re-created: sequential replays are refused; two requests racing with one code on the
        signed-in (step-up) path may both pass, while on the sign-in path the single-use challenge already
        lets only one of them through.
        """
        store = ctx.auth.store
        identifier = f"{TOTP_STEP_PREFIX}{two_factor_id}"
        period = self.options.totp.period
        previous = await store.consume_verification(identifier)
        last = int(previous["value"]) if previous is not None and str(previous["value"]).isdigit() else None
        used = last is not None and step <= last
        # kept for as long as any code up to that step can still be accepted (window ±1)
        await store.create_verification(identifier, str(last if used else step), 3 * period)
        return not used

    async def forget_trusted_devices(self, ctx: RequestContext, user_id: str) -> None:
        """Every device this user trusted must show a second factor again (run when 2FA is turned off).

        Only possible where verifications live in the database; with verifications in secondary storage
        only the device making the request is forgotten, as in Better Auth."""
        if "verification" not in ctx.auth.schema.tables:
            return
        await ctx.auth.adapter.delete_many(
            "verification", [Where("identifier", "trust-device-", "starts_with"), Where("value", user_id)]
        )


def two_factor(options: TwoFactorOptions | None = None, /, **kwargs: Any) -> TwoFactorPlugin:
    """Better Auth's ``twoFactor()`` plugin. Keyword arguments are ``TwoFactorOptions`` fields:
    ``two_factor(issuer="Acme", otp={"send_otp": fn}, trust_device_max_age=7 * 86400)``."""
    return plugin_from_options("two_factor", TwoFactorPlugin, TwoFactorOptions, options, kwargs)
