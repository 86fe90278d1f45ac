"""The sign-in challenge: holding back the session of a first-factor sign-in until a second factor is shown.

Better Auth lets ``/sign-in/email`` create the session and an after-hook delete it again. Here the session is
never created: a ``session.create`` database hook refuses it (``SecondFactorRequired``) while the endpoint
doing the write is a first-factor sign-in of a user with 2FA on and no trusted device, and the plugin's
after-hook on that endpoint turns the refusal into Better Auth's answer — ``200 {"twoFactorRedirect": true,
"twoFactorMethods": [...]}`` plus the signed ``two_factor`` challenge cookie. No session row, no session cookie
and no ``session.create`` after-hook (audit trail, a JWT or Convex token minted from the new session) ever
sees a half-authenticated user.

The challenge is the verification row ``2fa-<20 random>`` (value: the user id) named by the signed cookie,
with its attempt counter ``2fa-attempts-<identifier>``, both as Better Auth writes them, so a challenge
begun on a Node instance can be finished on a Python one and the other way round.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ...context import RequestContext
from ...crypto.random import random_string
from ...db.adapter import Where
from ...errors import APIError
from ...session.issue import create_session, set_session_cookies
from ...session.model import SessionData
from ...session.resolver import resolve_session
from .errors import TwoFactorErrorCodes

if TYPE_CHECKING:
    from . import TwoFactorPlugin

#: Better Auth's ``generateRandomString`` default alphabet (challenge and trusted-device identifiers, secrets)
RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
TWO_FACTOR_COOKIE = "two_factor"
TRUST_DEVICE_COOKIE = "trust_device"
#: the endpoints whose sessions wait for a second factor: Better Auth's ``/sign-in/email``,
#: ``/sign-in/username`` and ``/sign-in/phone-number``, and ``/phone-number/verify`` (a code sent to a phone
#: is one factor; Better Auth 1.7.24 does not challenge it), and
#: ``/passkey/verify-authentication`` when the authenticator did not verify the user (a presence-only passkey
#: is one factor, like a password; Better Auth 1.7.24 does not challenge passkey sign-ins at all), and
#: ``/magic-link/verify`` (an inbox is one factor; Better Auth 1.7.24 does not challenge it either), and
#: ``/sign-in/email-otp`` (a mailed code proves the mailbox, one factor; Better Auth does not challenge it), and
#: ``/siwe/verify`` (a wallet signature is one factor; Better Auth 1.7.24 does not challenge it)
FIRST_FACTOR_ENDPOINTS = frozenset({"sign_in_email", "sign_in_username", "sign_in_phone_number",
                                    "verify_passkey_authentication", "magic_link_verify", "sign_in_email_otp",
                                    "verify_phone_number", "verify_siwe_message"})
#: ``ctx.state`` key: the trusted-device identifier that let this sign-in skip the second factor
TRUSTED = "two_factor.trusted"
#: ``ctx.state`` key a first-factor endpoint sets when its credential already proved two factors (a passkey
#: assertion with user verification: the device, and the PIN or biometric that unlocked it)
MULTI_FACTOR = "two_factor.multi_factor"
#: ``ctx.state`` key: the id of the user this first-factor sign-in was challenged for (set before any after-hook
#: runs, whatever the plugin order), for plugins that carry something across the challenge (last-login-method)
CHALLENGED_USER = "two_factor.challenged_user"


class SecondFactorRequired(APIError):
    """Raised by the ``session.create`` hook: the sign-in must be finished with a second factor."""

    def __init__(self, user: dict[str, Any]) -> None:
        super().__init__(401, TwoFactorErrorCodes.INVALID_TWO_FACTOR_COOKIE)
        self.user = user


def trust_token(secret: str, user_id: str, identifier: str) -> str:
    """``base64url(HMAC-SHA256(secret, "<userId>!<identifier>"))`` without padding, Better Auth's value."""
    mac = hmac.new(secret.encode(), f"{user_id}!{identifier}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def read_signed_cookie(ctx: RequestContext, key: str) -> str | None:
    auth = ctx.auth
    raw = ctx.request.cookies.get(auth.cookies.name(key))
    return auth.signer.unsign(raw) if raw else None


def set_signed_cookie(ctx: RequestContext, key: str, value: str, max_age: int | None) -> None:
    cookies = ctx.auth.cookies
    ctx.response.set_cookie(cookies.name(key), ctx.auth.signer.sign(value), cookies.attrs(key, max_age=max_age))


def expire_cookie(ctx: RequestContext, key: str) -> None:
    ctx.auth.cookies.expire(ctx.response, ctx.auth.cookies.name(key))


async def trusted_device(plugin: TwoFactorPlugin, ctx: RequestContext, user_id: str) -> tuple[str | None, bool]:
    """``(cookie value, trusted)``: the device's signed ``trust_device`` cookie, and whether it is still good
    for this user — its HMAC matches and its verification row exists, is this user's and has not expired."""
    value = read_signed_cookie(ctx, TRUST_DEVICE_COOKIE)
    if not value:
        return None, False
    token, _, identifier = value.partition("!")
    if not token or not identifier or "!" in identifier:
        return value, False
    expected = trust_token(ctx.auth.secret, user_id, identifier)
    if not hmac.compare_digest(token.encode(), expected.encode()):
        return value, False
    record = await ctx.auth.store.find_verification(identifier)
    return value, record is not None and record.get("value") == user_id


async def trust_this_device(plugin: TwoFactorPlugin, ctx: RequestContext, user_id: str) -> None:
    """Record a new trusted device and set its signed cookie (``<hmac>!trust-device-<32 random>``)."""
    max_age = plugin.options.trust_device_max_age
    identifier = f"trust-device-{random_string(32, RANDOM_ALPHABET)}"
    await ctx.auth.store.create_verification(identifier, user_id, max_age)
    set_signed_cookie(ctx, TRUST_DEVICE_COOKIE, f"{trust_token(ctx.auth.secret, user_id, identifier)}!{identifier}",
                      max_age)


def session_guard(plugin: TwoFactorPlugin) -> Callable[[dict[str, Any], RequestContext | None], Awaitable[Any]]:
    """The ``session.create`` before-hook. Only first-factor sign-ins are looked at; for them it reads the user
    the sign-in has just read (``ctx.session_user``; the database only when that is missing) and, with a
    ``trust_device`` cookie, its verification row."""

    async def before(session: dict[str, Any], ctx: RequestContext | None) -> Any:
        if ctx is None or ctx.endpoint.name not in FIRST_FACTOR_ENDPOINTS or ctx.state.get(MULTI_FACTOR):
            return None
        user = ctx.session_user
        if user is None or user.get("id") != session["userId"]:
            user = await ctx.auth.store.find_user_by_id(str(session["userId"]))
        if user is None or not user.get("twoFactorEnabled"):
            return None
        value, trusted = await trusted_device(plugin, ctx, user["id"])
        if trusted and value is not None:
            ctx.state[TRUSTED] = value.partition("!")[2]
            return None
        ctx.state[CHALLENGED_USER] = user["id"]
        raise SecondFactorRequired(user)

    return before


async def after_first_factor(plugin: TwoFactorPlugin, ctx: RequestContext) -> Any:
    """The after-hook on first-factor sign-ins: renew a trusted device's cookie, or open the challenge."""
    returned = ctx.returned
    if not isinstance(returned, SecondFactorRequired):
        trusted = ctx.state.pop(TRUSTED, None)
        if trusted is not None and ctx.new_session is not None:
            # every trusted sign-in rotates the device's identifier, as Better Auth does
            await ctx.auth.store.delete_verifications([trusted])
            await trust_this_device(plugin, ctx, ctx.new_session.user_id)
        return None
    user = returned.user
    options = plugin.options
    if isinstance(ctx.body, dict) and ctx.body.get("rememberMe") is False:
        # Better Auth keeps the ``dont_remember`` cookie its sign-in set; the second factor reads it
        set_signed_cookie(ctx, "dont_remember", "true", None)
    if read_signed_cookie(ctx, TRUST_DEVICE_COOKIE) is not None:
        expire_cookie(ctx, TRUST_DEVICE_COOKIE)  # present but no longer good
    cookies = ctx.auth.cookies
    # what Better Auth's ``deleteSessionCookie(ctx, true)`` sends: the sign-in's session cookies expired
    cookies.expire(ctx.response, cookies.session_token)
    cookies.expire(ctx.response, cookies.session_data)
    max_age = options.two_factor_cookie_max_age
    identifier = f"2fa-{random_string(20, RANDOM_ALPHABET)}"
    store = ctx.auth.store
    await store.create_verification(identifier, user["id"], max_age)
    await store.create_verification(f"2fa-attempts-{identifier}", "0", max_age)
    set_signed_cookie(ctx, TWO_FACTOR_COOKIE, identifier, max_age)
    methods = []
    if not options.totp.disable:
        row = await plugin.find_two_factor(user["id"])
        if row is not None and row.get("verified") is not False:
            methods.append("totp")
    if options.otp.send_otp is not None:
        methods.append("otp")
    ctx.new_session = None
    return {"twoFactorRedirect": True, "twoFactorMethods": methods}


# -- the second step ----------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One guess against a sign-in challenge's attempt budget."""

    record_failure: Callable[[], Awaitable[None]]
    restore: Callable[[], Awaitable[None]]


async def _no_op() -> None:
    return None


NO_ATTEMPT = Attempt(_no_op, _no_op)


@dataclass
class Verification:
    """Who a verify endpoint is verifying: a signed-in user (step-up, enabling 2FA) or a sign-in challenge."""

    plugin: TwoFactorPlugin
    user: dict[str, Any]
    #: the signed-in session, or ``None`` during a sign-in challenge
    session: SessionData | None
    #: ``2fa-<…>`` (the challenge) or ``<userId>!<sessionId>``: what OTPs are filed under
    key: str
    expires_at: Any = None

    @property
    def is_sign_in(self) -> bool:
        return self.session is None

    async def begin_attempt(self, ctx: RequestContext, allowed: int) -> Attempt:
        """Take one attempt from the challenge's budget (atomically: the counter row is consumed and
        re-created); past the budget the challenge itself is killed."""
        if self.session is not None:
            return NO_ATTEMPT
        store = ctx.auth.store
        counter = f"2fa-attempts-{self.key}"
        consumed = await store.consume_verification(counter)
        if consumed is None:
            raise APIError(401, TwoFactorErrorCodes.INVALID_TWO_FACTOR_COOKIE)
        raw = str(consumed.get("value"))
        attempts = int(raw) if raw.isdigit() else allowed
        if attempts >= allowed:
            await store.consume_verification(self.key)
            expire_cookie(ctx, TWO_FACTOR_COOKIE)
            raise APIError(400, TwoFactorErrorCodes.TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE)
        expires_at = consumed["expiresAt"]

        async def rearm(count: int) -> None:
            remaining = int((expires_at - ctx.auth.now()).total_seconds())
            if remaining > 0:
                await store.create_verification(counter, str(count), remaining)

        async def failure() -> None:
            await rearm(attempts + 1)

        async def restore() -> None:
            await rearm(attempts)

        return Attempt(failure, restore)

    async def valid(self, ctx: RequestContext, *, trust_device: bool = False) -> dict[str, Any]:
        """Finish: during a sign-in consume the challenge and issue the session (``dont_remember`` honoured,
        the device trusted when asked); when signed in, answer with the current session."""
        store = ctx.auth.store
        if self.session is not None:
            return {"token": self.session.token, "user": store.public("user", self.user)}
        consumed = await store.consume_verification(self.key)
        if consumed is None or consumed.get("value") != self.user["id"]:
            expire_cookie(ctx, TWO_FACTOR_COOKIE)
            raise APIError(401, TwoFactorErrorCodes.INVALID_TWO_FACTOR_COOKIE)
        dont_remember = ctx.auth.cookies.read_dont_remember(ctx.request)
        session = await create_session(ctx, self.user, dont_remember=dont_remember, status_on_failure=500)
        set_session_cookies(ctx, session, dont_remember=dont_remember)
        expire_cookie(ctx, TWO_FACTOR_COOKIE)
        if trust_device:
            await trust_this_device(self.plugin, ctx, self.user["id"])
            expire_cookie(ctx, "dont_remember")
        return {"token": session.token, "user": session.user}


async def verification_for(plugin: TwoFactorPlugin, ctx: RequestContext) -> Verification:
    """The signed-in session if there is one (read from the store, never the cookie cache), else the sign-in
    challenge named by the signed ``two_factor`` cookie — ``401 INVALID_TWO_FACTOR_COOKIE`` without either."""
    session = await resolve_session(ctx, disable_cookie_cache=True)
    if session is not None:
        return Verification(plugin, session.user, session, f"{session.user_id}!{session.session['id']}")
    identifier = read_signed_cookie(ctx, TWO_FACTOR_COOKIE)
    if not identifier:
        raise APIError(401, TwoFactorErrorCodes.INVALID_TWO_FACTOR_COOKIE)
    store = ctx.auth.store
    record = await store.find_verification(identifier)
    if record is None:
        raise APIError(401, TwoFactorErrorCodes.INVALID_TWO_FACTOR_COOKIE)
    user = await store.find_user_by_id(str(record["value"]))
    if user is None:
        raise APIError(401, TwoFactorErrorCodes.INVALID_TWO_FACTOR_COOKIE)
    return Verification(plugin, user, None, identifier, record.get("expiresAt"))


# -- account lockout (across challenges and factors) --------------------------------------------------


async def assert_not_locked(plugin: TwoFactorPlugin, ctx: RequestContext, row: dict[str, Any]) -> None:
    lockout = plugin.options.account_lockout
    locked_until = row.get("lockedUntil")
    if not lockout.enabled or locked_until is None:
        return
    now = ctx.auth.now()
    if locked_until > now:
        raise APIError(429, TwoFactorErrorCodes.ACCOUNT_TEMPORARILY_LOCKED)
    await ctx.auth.adapter.increment_one(
        "twoFactor", [Where("id", row["id"]), Where("lockedUntil", now, "lte")], {},
        {"failedVerificationCount": 0, "lockedUntil": None},
    )


async def record_failure(plugin: TwoFactorPlugin, ctx: RequestContext, row: dict[str, Any]) -> None:
    lockout = plugin.options.account_lockout
    if not lockout.enabled:
        return
    adapter = ctx.auth.adapter
    updated = await adapter.increment_one("twoFactor", [Where("id", row["id"])], {"failedVerificationCount": 1})
    if updated is not None and (updated.get("failedVerificationCount") or 0) >= lockout.max_failed_attempts:
        until = ctx.auth.now() + timedelta(seconds=lockout.duration_seconds)
        await adapter.increment_one(
            "twoFactor",
            [Where("id", row["id"]), Where("failedVerificationCount", lockout.max_failed_attempts, "gte")],
            {}, {"lockedUntil": until},
        )


async def reset_failures(plugin: TwoFactorPlugin, ctx: RequestContext, row: dict[str, Any]) -> None:
    if plugin.options.account_lockout.enabled:
        await ctx.auth.adapter.update("twoFactor", [Where("id", row["id"])], {"failedVerificationCount": 0,
                                                                             "lockedUntil": None})
