"""``GET /token``, ``GET /jwks``, server-only ``sign_jwt`` / ``verify_jwt``, and the ``set-auth-jwt`` hook.

Built per plugin instance (the JWKS path is configurable, and the convex plugin reuses the same handlers
with its own paths and claims), closing over the ``JWTPlugin`` that owns the keys.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ...context import RequestContext
from ...endpoints import Endpoint, endpoint
from ...errors import APIError
from ...hooks import Hook
from ...http import Response
from ...jwt.errors import JWTError
from ...validation import F, Shape
from .errors import JWTErrorCodes
from .keys import SigningUnavailable

if TYPE_CHECKING:
    from . import JWTPlugin

logger = logging.getLogger("tessera.jwt")

SIGN_BODY = Shape({"payload": F("object"), "overrideOptions": F("object", optional=True)})
VERIFY_BODY = Shape({"token": F("string"), "issuer": F("string", optional=True)})


async def _session_token(plugin: JWTPlugin, ctx: RequestContext) -> str:
    session = ctx.session
    assert session is not None
    try:
        return await plugin.token_for_session(session, base_url=ctx.base_url)
    except SigningUnavailable:
        raise APIError(500, JWTErrorCodes.FAILED_TO_SIGN_JWT) from None


def token_endpoint(plugin: JWTPlugin, path: str, name: str) -> Endpoint:
    # a token is a credential: never let an intermediary cache it (RFC 6749 §5.1)
    @endpoint(path, "GET", name=name, session="session", no_store=True, tags=("jwt",))
    async def handler(ctx: RequestContext) -> Any:
        return {"token": await _session_token(plugin, ctx)}

    return handler


def jwks_endpoint(plugin: JWTPlugin, path: str, name: str) -> Endpoint:
    @endpoint(path, "GET", name=name, tags=("jwt",))
    async def handler(ctx: RequestContext) -> Any:
        if plugin.options.jwks.remote_url:
            return Response(404, b"", [])  # published at jwks.remote_url (Better Auth: NOT_FOUND)
        ring = await plugin.manager.ensure()
        if not ring.records:
            await plugin.manager.mint()
            ring = await plugin.manager.ensure()
        headers = [
            ("content-type", "application/json"),
            ("cache-control", plugin.jwks_cache_control),
            ("etag", ring.etag),
        ]
        if ctx.request.headers.get("if-none-match") == ring.etag:
            return Response(304, b"", headers[1:])
        return Response(200, ring.jwks_body, headers)

    return handler


def build_endpoints(plugin: JWTPlugin) -> tuple[Endpoint, ...]:
    @endpoint("/sign-jwt", "POST", name="sign_jwt", body=SIGN_BODY, server_only=True, tags=("jwt",))
    async def sign_jwt(ctx: RequestContext) -> Any:
        overrides = ctx.body.get("overrideOptions") or {}
        jwt_overrides = overrides.get("jwt") if isinstance(overrides.get("jwt"), dict) else {}
        try:
            token = await plugin.sign(ctx.body["payload"], base_url=ctx.base_url, overrides=jwt_overrides)
        except SigningUnavailable:
            raise APIError(500, JWTErrorCodes.FAILED_TO_SIGN_JWT) from None
        return {"token": token}

    @endpoint("/verify-jwt", "POST", name="verify_jwt", body=VERIFY_BODY, server_only=True, tags=("jwt",))
    async def verify_jwt(ctx: RequestContext) -> Any:
        try:
            payload = await plugin.verify(ctx.body["token"], issuer=ctx.body.get("issuer"), base_url=ctx.base_url)
        except JWTError as exc:
            logger.debug("verify_jwt: %s (%s)", exc, exc.code)
            payload = None
        return {"payload": payload}

    return (
        jwks_endpoint(plugin, plugin.options.jwks.jwks_path, "get_jwks"),
        token_endpoint(plugin, "/token", "get_token"),
        sign_jwt,
        verify_jwt,
    )


def jwt_header_hook(plugin: JWTPlugin) -> Hook:
    """After ``get_session``: ``set-auth-jwt: <token>`` and ``Access-Control-Expose-Headers: set-auth-jwt``."""

    async def set_auth_jwt(ctx: RequestContext) -> None:
        session = ctx.session
        if session is None or not isinstance(ctx.returned, dict):
            return None
        try:
            token = await plugin.token_for_session(session, base_url=ctx.base_url)
        except SigningUnavailable:
            logger.error("set-auth-jwt skipped: no key can sign")
            return None
        except APIError:  # no base_url and an untrusted Host: no token whose iss/aud the client chose
            return None
        ctx.response.set_header("set-auth-jwt", token)
        ctx.response.append_expose_header("set-auth-jwt")
        return None

    # the default payload is a copy of the user; an application's define_payload/get_subject may do anything
    cfg = plugin.options.jwt
    return Hook(
        set_auth_jwt, frozenset({"get_session"}), keeps_result=cfg.define_payload is None and cfg.get_subject is None
    )
