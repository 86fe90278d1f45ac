"""OAuth ``state``: one-time, bound to the browser that started the flow, typed so it is nothing else.

Better Auth's database strategy, kept byte-compatible:

* ``state`` = 32 random characters, sent to the provider and set as the signed ``better-auth.state`` cookie
  (Max-Age 300);
* a ``verification`` row ``auth-state:<state>`` holds the flow as JSON — ``callbackURL``, ``codeVerifier``,
  ``errorURL``, ``newUserURL``, ``link``, ``expiresAt`` (ms), ``requestSignUp``, ``idTokenNonce``,
  ``oauthState`` — for 10 minutes; tessera adds ``providerId`` (Better Auth ignores it) to bind the flow
  to its provider.

On the callback the row is *consumed* (``consume_verification``: one atomic delete-returning, so a replayed or
raced callback finds nothing), then the cookie must carry the same state (HMAC-verified, compared in constant
time): a state lifted from someone else's flow is useless without their browser. The ``auth-state:`` namespace
means a state can never be redeemed as a reset, magic-link or verification token, nor those as a state
(CVE-2026-110862).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from .. import _json
from ..context import RequestContext
from ..crypto.random import generate_id
from ..errors import APIError, BaseErrorCodes
from ..security.origins import origin_of

STATE_PREFIX = "auth-state:"
STATE_TTL_SECONDS = 600
STATE_COOKIE_MAX_AGE = 300
#: keys the framework writes; ``additionalData`` can never override them
INTERNAL_KEYS = frozenset(
    {
        "callbackURL", "codeVerifier", "errorURL", "newUserURL", "expiresAt", "oauthState", "link",
        "requestSignUp", "idTokenNonce", "serverContext", "providerId",
    }
)


class StateError(Exception):
    """The callback's state is missing, unknown, expired, or not this browser's."""

    def __init__(self, code: str, error_url: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.error_url = error_url


@dataclass
class FlowState:
    callback_url: str
    code_verifier: str
    error_url: str | None
    new_user_url: str | None
    link: dict[str, Any] | None
    request_sign_up: bool
    id_token_nonce: str | None
    data: dict[str, Any]


def identifier(state: str) -> str:
    return STATE_PREFIX + state


def state_cookie_name(ctx: RequestContext) -> str:
    return ctx.auth.cookies.name("state")


async def create_state(
    ctx: RequestContext,
    *,
    code_verifier: str,
    link: dict[str, Any] | None = None,
    additional_data: dict[str, Any] | None = None,
    id_token_nonce: str | None = None,
    provider_id: str | None = None,
) -> str:
    """Store a new flow and set the browser-binding cookie; returns the ``state`` to send to the provider."""
    auth = ctx.auth
    body = ctx.body
    callback_url = body.get("callbackURL") or _base_origin(ctx)
    if not callback_url:
        raise APIError(400, BaseErrorCodes.CALLBACK_URL_REQUIRED)
    state = generate_id(32)
    now_ms = int(auth.now().timestamp() * 1000)
    value: dict[str, Any] = {k: v for k, v in (additional_data or {}).items() if k not in INTERNAL_KEYS}
    value.update(
        {
            "callbackURL": callback_url,
            "codeVerifier": code_verifier,
            "errorURL": body.get("errorCallbackURL") or None,
            "newUserURL": body.get("newUserCallbackURL") or None,
            "link": link,
            "expiresAt": now_ms + STATE_TTL_SECONDS * 1000,
            "requestSignUp": body.get("requestSignUp"),
            "idTokenNonce": id_token_nonce,
            "oauthState": state,
            "providerId": provider_id,
        }
    )
    value = {k: v for k, v in value.items() if v is not None}  # JSON.stringify drops undefined
    try:
        await auth.store.create_verification(identifier(state), _json.dumps_str(value), STATE_TTL_SECONDS)
    except Exception as exc:
        raise APIError(500, BaseErrorCodes.FAILED_TO_CREATE_VERIFICATION, "Unable to create verification") from exc
    cookies = auth.cookies
    ctx.response.set_cookie(
        state_cookie_name(ctx), cookies.signer.sign(state), cookies.attrs("state", max_age=STATE_COOKIE_MAX_AGE)
    )
    return state


async def consume_state(ctx: RequestContext, state: str | None, provider_id: str | None = None) -> FlowState:
    """Redeem the callback's ``state`` once; ``StateError`` with Better Auth's error code otherwise.

    A state is honoured only at the callback of the provider it was issued for: one started with provider A
    and returned to ``/callback/B`` would have B redeem a code and verifier meant for A (the mix-up attack,
    ASVS v5.0.0-10.2.2; Auth.js GHSA-x445-f3h2-j279). Rows written before tessera recorded ``providerId``
    (or by Better Auth, which does not) carry none and are not checked.
    """
    if not state:
        raise StateError("state_not_found")
    auth = ctx.auth
    row = await auth.store.consume_verification(identifier(state))
    if row is None:
        raise StateError("state_mismatch")
    try:
        data = _json.loads(row["value"])
        if not isinstance(data, dict) or not isinstance(data.get("callbackURL"), str) or not isinstance(
            data.get("codeVerifier"), str
        ):
            raise ValueError
    except (ValueError, _json.JSONDecodeError):
        raise StateError("state_invalid") from None
    error_url = data.get("errorURL") if isinstance(data.get("errorURL"), str) else None
    stored = data.get("oauthState")
    if stored is not None and (not isinstance(stored, str) or not hmac.compare_digest(stored, state)):
        raise StateError("state_mismatch", error_url)
    name = state_cookie_name(ctx)
    raw = ctx.request.cookies.get(name)
    cookie_state = auth.cookies.signer.unsign(raw) if raw else None
    auth.cookies.expire(ctx.response, name)
    if cookie_state is None or not hmac.compare_digest(cookie_state.encode(), state.encode()):
        raise StateError("state_mismatch", error_url)
    bound_to = data.get("providerId")
    if provider_id is not None and bound_to is not None and bound_to != provider_id:
        raise StateError("state_mismatch", error_url)
    expires_at = data.get("expiresAt")
    if not isinstance(expires_at, int | float) or expires_at < auth.now().timestamp() * 1000:
        raise StateError("state_mismatch", error_url)
    link = data.get("link")
    return FlowState(
        callback_url=data["callbackURL"],
        code_verifier=data["codeVerifier"],
        error_url=error_url,
        new_user_url=data.get("newUserURL") if isinstance(data.get("newUserURL"), str) else None,
        link=link if isinstance(link, dict) else None,
        request_sign_up=data.get("requestSignUp") is True,
        id_token_nonce=data.get("idTokenNonce") if isinstance(data.get("idTokenNonce"), str) else None,
        data=data,
    )


def _base_origin(ctx: RequestContext) -> str | None:
    """Better Auth's default callback: the origin of the base URL (configured, else the request's)."""
    return origin_of(ctx.base_url)
