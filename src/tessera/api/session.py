"""Session endpoints: get-session, sign-out, list-sessions, revoke-session(s), revoke-other-sessions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..context import RequestContext
from ..endpoints import endpoint
from ..errors import APIError, BaseErrorCodes
from ..oauth.logout import provider_logout_url
from ..session.resolver import resolve_session
from ..validation import F, Shape

SESSION_QUERY = Shape(
    {
        "disableCookieCache": F("boolean", optional=True, coerce_bool=True),
        "disableRefresh": F("boolean", optional=True, coerce_bool=True),
    }
)


@endpoint(
    "/get-session", ("GET", "POST"), query=SESSION_QUERY, no_store=True, disable_body=True, tags=("session",)
)
async def get_session(ctx: RequestContext) -> Any:
    auth = ctx.auth
    if ctx.request.method == "POST" and not auth.session_config.defer_session_refresh:
        raise APIError(405, BaseErrorCodes.METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED)
    data = await resolve_session(
        ctx,
        disable_cookie_cache=bool(ctx.query.get("disableCookieCache")),
        disable_refresh=bool(ctx.query.get("disableRefresh")),
    )
    if data is None:
        return None
    custom = auth.plugin_state.get("custom-session")
    if custom is not None:
        # the custom-session plugin's answer, rendered afresh: ``data.json`` (memoised per cookie value) is the
        # uncustomised body and is never used here
        return await custom.get_session_answer(ctx, data)
    result = data.to_dict()
    if data.json is not None:
        ctx.rendered = (result, data.json)  # a cookie-cache hit: the body is already rendered
    return result


@endpoint("/sign-out", "POST", tags=("sign-out",))
async def sign_out(ctx: RequestContext) -> Any:
    auth = ctx.auth
    token = auth.cookies.read_token(ctx.request)
    revoked = await revoke_tokens(ctx, (token,)) if token else []
    auth.cookies.clear_session(ctx.response, ctx.request)
    if revoked:
        # RP-initiated logout at the provider the user last signed in with, when one offers it
        body = ctx.body if isinstance(ctx.body, dict) else {}
        url = await provider_logout_url(ctx, str(revoked[0]["userId"]), body)
        if url:
            redirect = body.get("disableRedirect") is not True
            if redirect:
                ctx.response.set_header("location", url)
            return {"success": True, "url": url, "redirect": redirect}
    return {"success": True}


# no-store (Better Auth sets none): the answer lists the bearer token of every session (ASVS v5.0.0-14.3.2)
@endpoint("/list-sessions", "GET", session="fresh", no_store=True, tags=("session",))
async def list_sessions(ctx: RequestContext) -> Any:
    assert ctx.session is not None
    return await ctx.auth.store.list_sessions(ctx.session.user_id)


@endpoint("/revoke-session", "POST", body=Shape({"token": F("string")}), session="sensitive", tags=("revoke",))
async def revoke_session(ctx: RequestContext) -> Any:
    assert ctx.session is not None
    revoked = await ctx.auth.store.delete_session_if_owned(ctx.body["token"], ctx.session.user_id)
    if revoked is not None:
        ctx.auth.plugin_state.get("revocations", _NoRevocations).revoke([revoked])
    return {"status": True}


@endpoint("/revoke-sessions", "POST", session="sensitive", tags=("revoke",))
async def revoke_sessions(ctx: RequestContext) -> Any:
    assert ctx.session is not None
    await revoke_user_sessions(ctx, ctx.session.user_id)
    ctx.auth.cookies.clear_session(ctx.response, ctx.request)
    return {"status": True}


@endpoint("/revoke-other-sessions", "POST", session="sensitive", tags=("revoke",))
async def revoke_other_sessions(ctx: RequestContext) -> Any:
    assert ctx.session is not None
    await revoke_user_sessions(ctx, ctx.session.user_id, except_token=ctx.session.token)
    return {"status": True}


async def revoke_tokens(ctx: RequestContext, tokens: Iterable[str]) -> list[dict[str, Any]]:
    """Delete these sessions, whoever they belong to, and tell every instance (sign-out's path): the deleted
    rows."""
    revoked = []
    for token in dict.fromkeys(tokens):
        row = await ctx.auth.store.delete_session(token)
        if row is not None:
            revoked.append(row)
    if revoked:
        ctx.auth.plugin_state.get("revocations", _NoRevocations).revoke(revoked)
    return revoked


async def revoke_user_sessions(ctx: RequestContext, user_id: str, *, except_token: str | None = None) -> None:
    """Delete a user's sessions and tell every instance (cookie caches must stop accepting them)."""
    await ctx.auth.store.delete_sessions(user_id, except_token=except_token)
    announce_user_revocation(ctx, user_id, except_token=except_token)


def announce_user_revocation(ctx: RequestContext, user_id: str, *, except_token: str | None = None) -> None:
    """Tell every instance's cookie cache that the user's sessions are gone: once the deletion is committed."""
    ctx.auth.plugin_state.get("revocations", _NoRevocations).revoke_user(user_id, except_token=except_token)


def password_changed(ctx: RequestContext, user_id: str) -> None:
    """The user's password changed and their sessions stay valid: what was derived from those sessions before
    now — cookie caches, SSR tokens — is re-derived, on every instance (the same event as a user-row change).

    A credential change is the moment a user takes their account back; a token minted before it must not
    outlive it, even though the sessions themselves are kept (``revoke_sessions_on_password_reset`` off,
    change-password without ``revokeOtherSessions``, set-password).
    """
    ctx.auth.plugin_state.get("revocations", _NoRevocations).user_changed(user_id)


class _NoRevocations:
    """Without a cookie cache there is nothing to invalidate beyond the store."""

    @staticmethod
    def revoke(rows: list[dict[str, Any]]) -> None:
        return None

    @staticmethod
    def revoke_user(user_id: str, *, except_token: str | None = None) -> None:
        return None

    @staticmethod
    def user_changed(user_id: str) -> None:
        return None
