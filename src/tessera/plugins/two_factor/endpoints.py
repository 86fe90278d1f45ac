"""The ``/two-factor/*`` endpoints, path for path and shape for shape Better Auth 1.7's ``twoFactor()``."""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

from ...api._common import check_user_password
from ...context import RequestContext
from ...crypto.otp import codes_equal, generate_otp, hash_otp
from ...crypto.random import random_string
from ...crypto.symmetric import symmetric_decrypt, symmetric_encrypt
from ...db.adapter import Where
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, BaseErrorCodes
from ...session.issue import create_session, set_session_cookies
from ...session.model import SessionData
from ...validation import F, Shape, validation_error
from . import totp as totp_codes
from .backup_codes import decode_backup_codes, encode_backup_codes, generate_backup_codes, remove_code
from .challenge import (
    RANDOM_ALPHABET,
    TRUST_DEVICE_COOKIE,
    Verification,
    assert_not_locked,
    expire_cookie,
    read_signed_cookie,
    record_failure,
    reset_failures,
    verification_for,
)
from .errors import TwoFactorErrorCodes

if TYPE_CHECKING:
    from . import TwoFactorPlugin

logger = logging.getLogger("tessera.two_factor")

#: Better Auth's per-challenge attempt budget for TOTP and backup codes (``beginAttempt(5)``)
CHALLENGE_ATTEMPTS = 5
METHODS = ("otp", "totp")


SEND_OTP_BODY = Shape({"trustDevice": F("boolean", optional=True)})


def _password_shape(optional: bool, **more: F) -> Shape:
    return Shape({"password": F("string", optional=optional), **more})


def _unconfigured_totp() -> APIError:
    return APIError(400, "TOTP_NOT_CONFIGURED", "totp isn't configured")


async def _require_password(ctx: RequestContext, user_id: str, passwordless: bool) -> None:
    """Better Auth's ``shouldRequirePassword`` + ``validatePassword``: a password is needed unless passwordless
    mode is on and the user has none; a missing or wrong one is ``400 INVALID_PASSWORD``."""
    if passwordless:
        account = await ctx.auth.store.find_credential_account(user_id)
        if account is None or not account.get("password"):
            return
    password = ctx.body.get("password")
    if not password or not await check_user_password(ctx, user_id, password):
        raise APIError(400, BaseErrorCodes.INVALID_PASSWORD)


async def _replace_session(ctx: RequestContext, old: SessionData, user: dict[str, Any]) -> SessionData:
    """A new session for the changed user (its cookie set), the old one ended on every instance."""
    dont_remember = ctx.auth.cookies.read_dont_remember(ctx.request)
    new = await create_session(ctx, user, dont_remember=dont_remember)
    set_session_cookies(ctx, new, dont_remember=dont_remember)
    revoked = await ctx.auth.store.delete_session(old.token)
    revocations = ctx.auth.plugin_state.get("revocations")
    if revoked is not None and revocations is not None:
        revocations.revoke([revoked])
    return new


def build_endpoints(plugin: TwoFactorPlugin) -> tuple[Endpoint, ...]:
    options = plugin.options
    totp_options = options.totp
    otp_options = options.otp
    backup_options = options.backup_codes
    totp_passwordless = options.passwordless(totp_options.allow_passwordless)
    backup_passwordless = options.passwordless(backup_options.allow_passwordless)
    store_codes = backup_options.store_backup_codes

    def issuer_of(ctx: RequestContext, issuer: str | None = None) -> str:
        return issuer or options.issuer or ctx.auth.app_name

    def decrypt_secret(ctx: RequestContext, stored: str) -> bytes:
        return totp_codes.secret_key(symmetric_decrypt(ctx.auth.keyring, stored))

    def new_backup_codes(ctx: RequestContext) -> tuple[list[str], str]:
        codes = generate_backup_codes(backup_options.amount, backup_options.length)
        return codes, encode_backup_codes(codes, ctx.auth.keyring, store_codes)

    # -- enable / disable ------------------------------------------------------------------------------

    @endpoint(
        "/two-factor/enable", "POST", name="enable_two_factor", session="sensitive",
        body=_password_shape(options.allow_passwordless, method=F("string", optional=True),
                             issuer=F("string", optional=True)),
    )
    async def enable_two_factor(ctx: RequestContext) -> Any:
        body = ctx.body
        method = body.get("method", "totp")
        if method not in METHODS:
            raise validation_error(['[body.method] Invalid option: expected one of "otp"|"totp"'])
        session = ctx.session
        assert session is not None
        user = session.user
        await _require_password(ctx, user["id"], options.allow_passwordless)
        if method == "otp" and otp_options.send_otp is None:
            raise APIError(400, TwoFactorErrorCodes.OTP_NOT_CONFIGURED)
        if method == "totp" and totp_options.disable:
            raise APIError(400, TwoFactorErrorCodes.TOTP_NOT_CONFIGURED)
        store = ctx.auth.store
        if method == "otp":
            updated = await store.update_user(user["id"], {"twoFactorEnabled": True}) or user
            await _replace_session(ctx, session, updated)
            return {"method": "otp"}
        existing = await plugin.find_two_factor(user["id"])
        if existing is not None and existing.get("verified") is not False:
            raise APIError(400, TwoFactorErrorCodes.TOTP_ALREADY_ENABLED)
        codes, stored_codes = new_backup_codes(ctx)
        secret = random_string(32, RANDOM_ALPHABET)
        if options.skip_verification_on_enable:
            updated = await store.update_user(user["id"], {"twoFactorEnabled": True}) or user
            await _replace_session(ctx, session, updated)
        data = {
            "secret": symmetric_encrypt(ctx.auth.keyring, secret),
            "backupCodes": stored_codes,
            "verified": options.skip_verification_on_enable,
        }
        if existing is not None:
            await ctx.auth.adapter.update("twoFactor", [Where("id", existing["id"])], data)
        else:
            await ctx.auth.adapter.create("twoFactor", {
                "id": ctx.auth.generate_id("twoFactor"), **data, "userId": user["id"], "failedVerificationCount": 0,
            })
        uri = totp_codes.totp_uri(secret.encode(), issuer_of(ctx, body.get("issuer")), user["email"],
                                  digits=totp_options.digits, period=totp_options.period)
        return {"method": "totp", "totpURI": uri, "backupCodes": codes}

    @endpoint("/two-factor/disable", "POST", name="disable_two_factor", session="sensitive",
              body=_password_shape(options.allow_passwordless))
    async def disable_two_factor(ctx: RequestContext) -> Any:
        session = ctx.session
        assert session is not None
        user_id = session.user_id
        await _require_password(ctx, user_id, options.allow_passwordless)
        store = ctx.auth.store
        updated = await store.update_user(user_id, {"twoFactorEnabled": False}) or session.user
        await ctx.auth.adapter.delete_many("twoFactor", [Where("userId", user_id)])
        await _replace_session(ctx, session, updated)
        trusted = read_signed_cookie(ctx, TRUST_DEVICE_COOKIE)
        if trusted:
            identifier = trusted.partition("!")[2]
            if identifier:
                await store.delete_verifications([identifier])
            expire_cookie(ctx, TRUST_DEVICE_COOKIE)
        # every other device this user trusted stops skipping the second factor too (Better Auth forgets
        # only this one; the rest would wait out their 30 days and apply again once 2FA is re-enabled)
        await plugin.forget_trusted_devices(ctx, user_id)
        return {"status": True}

    # -- TOTP ------------------------------------------------------------------------------------------

    @endpoint("/two-factor/get-totp-uri", "POST", name="get_totp_uri", session="session",
              body=_password_shape(totp_passwordless))
    async def get_totp_uri(ctx: RequestContext) -> Any:
        if totp_options.disable:
            raise _unconfigured_totp()
        session = ctx.session
        assert session is not None
        user = session.user
        row = await plugin.find_two_factor(user["id"])
        if row is None:
            raise APIError(400, TwoFactorErrorCodes.TOTP_NOT_ENABLED)
        key = decrypt_secret(ctx, row["secret"])
        await _require_password(ctx, user["id"], totp_passwordless)
        return {"totpURI": totp_codes.totp_uri(key, issuer_of(ctx), user["email"], digits=totp_options.digits,
                                               period=totp_options.period)}

    @endpoint("/two-factor/verify-totp", "POST", name="verify_totp",
              body=Shape({"code": F("string"), "trustDevice": F("boolean", optional=True)}))
    async def verify_totp(ctx: RequestContext) -> Any:
        if totp_options.disable:
            raise _unconfigured_totp()
        verification = await verification_for(plugin, ctx)
        user = verification.user
        sign_in = verification.is_sign_in
        row = await plugin.find_two_factor(user["id"])
        if row is None or (sign_in and row.get("verified") is False):
            raise APIError(400, TwoFactorErrorCodes.TOTP_NOT_ENABLED)
        if sign_in:
            await assert_not_locked(plugin, ctx, row)
        attempt = await verification.begin_attempt(ctx, CHALLENGE_ATTEMPTS)
        try:
            key = decrypt_secret(ctx, row["secret"])
        except Exception:
            await attempt.restore()
            raise
        step = totp_codes.matching_step(key, ctx.body["code"], ctx.auth.now().timestamp(),
                                        digits=totp_options.digits, period=totp_options.period)
        if step is not None and not await plugin.claim_totp_step(ctx, row["id"], step):
            step = None  # this code was already used: RFC 6238 §5.2, one use per code
        if step is None:
            await attempt.record_failure()
            if sign_in:
                await record_failure(plugin, ctx, row)
            raise APIError(401, TwoFactorErrorCodes.INVALID_CODE)
        if sign_in:
            await reset_failures(plugin, ctx, row)
        if row.get("verified") is not True:
            await ctx.auth.adapter.update("twoFactor", [Where("id", row["id"])], {"verified": True})
            if not user.get("twoFactorEnabled") and verification.session is not None:
                return await _enable_now(ctx, verification)
        return await verification.valid(ctx, trust_device=bool(ctx.body.get("trustDevice")))

    async def _enable_now(ctx: RequestContext, verification: Verification) -> dict[str, Any]:
        """The first verified code of a signed-in user turns 2FA on: a new session for the changed user."""
        assert verification.session is not None
        store = ctx.auth.store
        updated = await store.update_user(verification.user["id"], {"twoFactorEnabled": True}) or verification.user
        new = await _replace_session(ctx, verification.session, updated)
        return {"token": new.token, "user": new.user}

    @endpoint("/two-factor/generate-totp", "POST", name="generate_totp", server_only=True,
              body=Shape({"secret": F("string")}))
    async def generate_totp(ctx: RequestContext) -> Any:
        """Server-only: the current code for a (decrypted) secret."""
        if totp_options.disable:
            raise _unconfigured_totp()
        key = totp_codes.secret_key(ctx.body["secret"])
        return {"code": totp_codes.totp(key, ctx.auth.now().timestamp(), digits=totp_options.digits,
                                        period=totp_options.period)}

    # -- OTP -------------------------------------------------------------------------------------------

    def stored_otp(ctx: RequestContext, otp: str) -> str:
        if otp_options.store_otp == "hashed":
            return hash_otp(otp)
        if otp_options.store_otp == "encrypted":
            return symmetric_encrypt(ctx.auth.keyring, otp)
        return otp

    def otp_matches(ctx: RequestContext, stored: str, given: str) -> bool:
        if otp_options.store_otp == "hashed":
            expected, candidate = stored, hash_otp(given)
        elif otp_options.store_otp == "encrypted":
            expected, candidate = symmetric_decrypt(ctx.auth.keyring, stored), given
        else:
            expected, candidate = stored, given
        return codes_equal(expected, candidate)

    @endpoint("/two-factor/send-otp", "POST", name="send_two_factor_otp")
    async def send_two_factor_otp(ctx: RequestContext) -> Any:
        if ctx.body:  # the body is optional (``z.object({...}).optional()``)
            ctx.body = SEND_OTP_BODY.validate(ctx.body)
        send = otp_options.send_otp
        if send is None:
            logger.error("send otp isn't configured: pass otp={'send_otp': fn} to two_factor()")
            raise APIError(400, "OTP_NOT_CONFIGURED", "otp isn't configured")
        verification = await verification_for(plugin, ctx)
        code = generate_otp(otp_options.digits)
        identifier = f"2fa-otp-{verification.key}"
        store = ctx.auth.store
        # a new code replaces the previous one (which would otherwise stay valid next to it)
        await store.delete_verifications([identifier])
        await store.create_verification(identifier, f"{stored_otp(ctx, code)}:0", otp_options.period * 60)
        result = send({"user": store.public("user", verification.user), "otp": code}, ctx)
        if inspect.isawaitable(result):
            await ctx.run_in_background_or_await(_logged(result))
        return {"status": True}

    @endpoint("/two-factor/verify-otp", "POST", name="verify_two_factor_otp",
              body=Shape({"code": F("string"), "trustDevice": F("boolean", optional=True)}))
    async def verify_two_factor_otp(ctx: RequestContext) -> Any:
        verification = await verification_for(plugin, ctx)
        sign_in = verification.is_sign_in
        row = None
        if sign_in:
            row = await plugin.find_two_factor(verification.user["id"])
            if row is not None:
                await assert_not_locked(plugin, ctx, row)
        store = ctx.auth.store
        identifier = f"2fa-otp-{verification.key}"
        consumed = await store.consume_verification(identifier)
        if consumed is None:
            raise APIError(400, TwoFactorErrorCodes.OTP_HAS_EXPIRED)
        stored, _, counter = str(consumed.get("value") or "").rpartition(":")
        attempts = int(counter) if counter.isdigit() else 0
        if attempts >= otp_options.allowed_attempts:
            # the code stays consumed: it is dead, a new one must be requested
            raise APIError(400, TwoFactorErrorCodes.TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE)
        if otp_matches(ctx, stored, ctx.body["code"]):
            if row is not None:
                await reset_failures(plugin, ctx, row)
            if not verification.user.get("twoFactorEnabled"):
                if verification.session is None:
                    raise APIError(400, BaseErrorCodes.FAILED_TO_CREATE_SESSION)
                return await _enable_now(ctx, verification)
            return await verification.valid(ctx, trust_device=bool(ctx.body.get("trustDevice")))
        remaining = int((consumed["expiresAt"] - ctx.auth.now()).total_seconds())
        if remaining > 0:
            await store.create_verification(identifier, f"{stored}:{attempts + 1}", remaining)
        if row is not None:
            await record_failure(plugin, ctx, row)
        raise APIError(401, TwoFactorErrorCodes.INVALID_CODE)

    # -- backup codes ----------------------------------------------------------------------------------

    @endpoint("/two-factor/verify-backup-code", "POST", name="verify_backup_code",
              body=Shape({"code": F("string"), "disableSession": F("boolean", optional=True),
                          "trustDevice": F("boolean", optional=True)}))
    async def verify_backup_code(ctx: RequestContext) -> Any:
        verification = await verification_for(plugin, ctx)
        sign_in = verification.is_sign_in
        row = await plugin.find_two_factor(verification.user["id"])
        if row is None:
            raise APIError(400, TwoFactorErrorCodes.BACKUP_CODES_NOT_ENABLED)
        if sign_in:
            await assert_not_locked(plugin, ctx, row)
        attempt = await verification.begin_attempt(ctx, CHALLENGE_ATTEMPTS)
        try:
            codes = decode_backup_codes(row["backupCodes"], ctx.auth.keyring, store_codes)
        except Exception:
            await attempt.restore()
            raise
        remaining = remove_code(codes, ctx.body["code"]) if codes is not None else None
        if remaining is None:
            await attempt.record_failure()
            if sign_in:
                await record_failure(plugin, ctx, row)
            raise APIError(401, TwoFactorErrorCodes.INVALID_BACKUP_CODE)
        # single use: the new list is written only if the stored one is still the list this request read,
        # so of two concurrent uses of one code exactly one succeeds
        swapped = await ctx.auth.adapter.increment_one(
            "twoFactor", [Where("id", row["id"]), Where("backupCodes", row["backupCodes"])], {},
            {"backupCodes": encode_backup_codes(remaining, ctx.auth.keyring, store_codes)},
        )
        if swapped is None:
            raise APIError(409, None, "Failed to verify backup code. Please try again.")
        if sign_in:
            await reset_failures(plugin, ctx, row)
        if not ctx.body.get("disableSession"):
            return await verification.valid(ctx, trust_device=bool(ctx.body.get("trustDevice")))
        answer: dict[str, Any] = {"user": store_public_user(ctx, verification.user)}
        if verification.session is not None:
            answer = {"token": verification.session.token, **answer}
        return answer

    @endpoint("/two-factor/generate-backup-codes", "POST", name="generate_backup_codes", session="session",
              body=_password_shape(backup_passwordless))
    async def generate_backup_codes_endpoint(ctx: RequestContext) -> Any:
        session = ctx.session
        assert session is not None
        user = session.user
        if not user.get("twoFactorEnabled"):
            raise APIError(400, TwoFactorErrorCodes.TWO_FACTOR_NOT_ENABLED)
        await _require_password(ctx, user["id"], backup_passwordless)
        row = await plugin.find_two_factor(user["id"])
        if row is None:
            raise APIError(400, TwoFactorErrorCodes.TWO_FACTOR_NOT_ENABLED)
        codes, stored = new_backup_codes(ctx)
        await ctx.auth.adapter.update("twoFactor", [Where("id", row["id"])], {"backupCodes": stored})
        return {"status": True, "backupCodes": codes}

    @endpoint("/two-factor/view-backup-codes", "POST", name="view_backup_codes", server_only=True,
              body=Shape({"userId": F("any")}))
    async def view_backup_codes(ctx: RequestContext) -> Any:
        """Server-only: a user's backup codes in clear. Pass a ``userId`` taken from an authenticated session."""
        row = await plugin.find_two_factor(str(ctx.body["userId"]))
        if row is None:
            raise APIError(400, TwoFactorErrorCodes.BACKUP_CODES_NOT_ENABLED)
        codes = decode_backup_codes(row["backupCodes"], ctx.auth.keyring, store_codes)
        if codes is None:
            raise APIError(400, TwoFactorErrorCodes.INVALID_BACKUP_CODE)
        return {"status": True, "backupCodes": codes}

    return (
        enable_two_factor, disable_two_factor, get_totp_uri, verify_totp, generate_totp, send_two_factor_otp,
        verify_two_factor_otp, verify_backup_code, generate_backup_codes_endpoint, view_backup_codes,
    )


def store_public_user(ctx: RequestContext, user: dict[str, Any]) -> dict[str, Any]:
    return ctx.auth.store.public("user", user)


async def _logged(work: Any) -> None:
    try:
        await work
    except Exception:
        logger.exception("failed to send a two-factor OTP")
