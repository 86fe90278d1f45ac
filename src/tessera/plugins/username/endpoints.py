"""``POST /sign-in/username`` and ``POST /is-username-available``, path for path and shape for shape Better Auth
1.7.24's ``username()``.

Signing in by username answers as ``/sign-in/email`` does (same body, cookies, ``redirect``/``url``, email
verification requirement) and passes the same gates: the endpoint is named ``sign_in_username`` and tagged
``sign-in``, so bans (the admin plugin's session hook) and the two-factor challenge apply to it. An unknown
username spends one password verification, as a wrong password does, so timing does not tell registered
usernames apart (the username itself is no secret: ``/is-username-available`` answers that by design).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...api.sign_in import finish_password_sign_in, matched_password
from ...context import RequestContext
from ...db.adapter import Adapter, Join, Row, Where
from ...db.store import CREDENTIAL
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, BaseErrorCodes
from ...validation import F, Shape
from .errors import UsernameErrorCodes

if TYPE_CHECKING:
    from .config import UsernameOptions

SIGN_IN_BODY = Shape({
    "username": F("string"),
    "password": F("string"),
    "rememberMe": F("boolean", optional=True),
    "callbackURL": F("string", optional=True),
})
AVAILABLE_BODY = Shape({"username": F("string")})
_CREDENTIAL_JOIN = (Join("account", (Where("providerId", CREDENTIAL),)),)


async def find_by_username(adapter: Adapter, username: str, *, with_credential: bool = False) -> Row | None:
    """The user holding ``username`` (already normalised), with its credential account when asked."""
    join = _CREDENTIAL_JOIN if with_credential else ()
    return await adapter.find_one("user", [Where("username", username)], join=join)


def build_endpoints(options: UsernameOptions) -> tuple[Endpoint, ...]:
    @endpoint("/sign-in/username", "POST", name="sign_in_username", body=SIGN_IN_BODY, form=True, csrf="form",
              tags=("sign-in", "username"))
    async def sign_in_username(ctx: RequestContext) -> Any:
        auth = ctx.auth
        body = ctx.body
        username: str = body["username"]
        password: str = body["password"]
        if not username or not password:
            raise APIError(401, UsernameErrorCodes.INVALID_USERNAME_OR_PASSWORD)
        invalid = await options.username_error(username)
        if invalid is not None:
            raise APIError(422, invalid)
        config = auth.email_and_password
        if len(password.encode("utf-16-le")) // 2 > config.max_password_length:
            raise APIError(400, BaseErrorCodes.PASSWORD_TOO_LONG)
        normalized = options.normalize(username)
        if ctx.is_http and auth.rate_limiter is not None:
            # the per-account sign-in window of /sign-in/email, keyed by the username
            limited = await auth.rate_limiter.consume_account(f"username:{normalized}")
            if limited is not None:
                return limited

        user = await find_by_username(auth.adapter, normalized, with_credential=True)
        stored = await matched_password(ctx, user, password)
        if user is None or stored is None:
            raise APIError(401, UsernameErrorCodes.INVALID_USERNAME_OR_PASSWORD)
        return await finish_password_sign_in(ctx, user, stored, password, status_on_failure=500)

    @endpoint("/is-username-available", "POST", name="is_username_available", body=AVAILABLE_BODY,
              tags=("username",))
    async def is_username_available(ctx: RequestContext) -> Any:
        username: str = ctx.body["username"]
        if not username:
            raise APIError(422, UsernameErrorCodes.INVALID_USERNAME)
        invalid = await options.username_error(username)
        if invalid is not None:
            raise APIError(422, invalid)
        return {"available": await find_by_username(ctx.auth.adapter, options.normalize(username)) is None}

    return sign_in_username, is_username_available

