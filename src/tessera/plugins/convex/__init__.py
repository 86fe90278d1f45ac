"""The convex plugin: tokens for Convex, shaped as ``@convex-dev/better-auth``'s ``convex()`` plugin makes them.

Convex verifies them as a ``customJwt`` provider (``convex/auth.config.ts``)::

    { type: "customJwt", issuer: SITE_URL, applicationID: "convex", algorithm: "RS256",
      jwks: `${SITE_URL}/api/auth/convex/jwks` }          // or a data: URI of a static JWKS

* ``GET /convex/token`` (session required) → ``{token}``, also set as the ``convex_jwt`` cookie for SSR;
* ``GET /convex/jwks`` (``Cache-Control``ed) and ``GET /convex/.well-known/openid-configuration``;
* RS256 keys (in the shared ``jwks`` table, or static in ``$TESSERA_CONVEX_JWKS``: ``tessera jwks export
  --alg RS256``; its ``--public`` form is what goes in Convex's ``JWKS`` variable);
* claims ``{iat, sessionId, sub, exp, iss, aud: "convex"}``; the cookie is set after a sign-in or sign-up
  that created a session (never for a half-done sign-in, e.g. a pending second factor) and cleared on
  sign-out and delete-user.

The issuer is ``site_url`` (default ``$CONVEX_SITE_URL``, else the origin of ``base_url``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from ...context import RequestContext
from ...endpoints import Endpoint, endpoint
from ...hooks import Hook
from ...session.model import SessionData
from ..jwt import JWTPlugin, origin
from ..jwt.config import build_options, load_static_keys
from ..jwt.endpoints import jwks_endpoint
from ..jwt.keys import SigningUnavailable

__all__ = ["JWT_COOKIE_NAME", "ConvexPlugin", "convex"]

JWT_COOKIE_NAME = "convex_jwt"
#: static keys for the convex plugin when ``jwks.static_keys`` is not given (``TESSERA_JWKS`` is the jwt plugin's)
STATIC_KEYS_ENV = "TESSERA_CONVEX_JWKS"
AUDIENCE = "convex"


def _payload(session: SessionData) -> dict[str, Any]:
    return {"sessionId": session.session["id"]}


class ConvexPlugin(JWTPlugin):
    def __init__(self, *, site_url: str | None, expiration_seconds: int, **kwargs: Any) -> None:
        self.site_url = site_url
        self.expiration_seconds = expiration_seconds
        super().__init__(plugin_id="convex", endpoints=(), with_header_hook=False, **kwargs)
        self.endpoints = self._build_endpoints()
        self.error_codes = None  # the jwt plugin's codes; declaring them twice is ambiguous for clients
        self.after = (
            Hook(self._set_cookie_after_sign_in, frozenset(), frozenset({"sign-in", "sign-up"})),
            Hook(self._clear_cookie, frozenset({"sign_out", "delete_user"})),
        )

    def issuer(self, base_url: str) -> str:
        return self.site_url or os.environ.get("CONVEX_SITE_URL") or origin(base_url)

    def audience(self, base_url: str) -> str:
        return AUDIENCE

    def _build_endpoints(self) -> tuple[Endpoint, ...]:
        plugin = self

        @endpoint("/convex/token", "GET", name="get_convex_token", session="session", no_store=True, tags=("convex",))
        async def get_convex_token(ctx: RequestContext) -> Any:
            assert ctx.session is not None
            try:
                token = await plugin.token_for_session(ctx.session, base_url=ctx.base_url)
            except SigningUnavailable:
                from ...errors import APIError
                from ..jwt.errors import JWTErrorCodes

                raise APIError(500, JWTErrorCodes.FAILED_TO_SIGN_JWT) from None
            plugin._set_cookie(ctx, token)
            return {"token": token}

        @endpoint("/convex/.well-known/openid-configuration", "GET", name="get_convex_open_id_config", tags=("convex",))
        async def get_convex_open_id_config(ctx: RequestContext) -> Any:
            base = ctx.base_url
            return {
                "issuer": plugin.issuer(base),
                "jwks_uri": f"{base}{ctx.auth.base_path}/convex/jwks",
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [plugin.options.jwks.key_pair_config.alg],
            }

        return (get_convex_token, jwks_endpoint(self, "/convex/jwks", "get_convex_jwks"), get_convex_open_id_config)

    # -- the convex_jwt cookie --------------------------------------------------------------------------

    def _set_cookie(self, ctx: RequestContext, token: str) -> None:
        cookies = ctx.auth.cookies
        ctx.response.set_cookie(
            cookies.name(JWT_COOKIE_NAME), token, cookies.attrs(JWT_COOKIE_NAME, max_age=self.expiration_seconds)
        )

    async def _set_cookie_after_sign_in(self, ctx: RequestContext) -> None:
        session = ctx.new_session
        if session is None or not isinstance(ctx.returned, dict):
            return None  # no session was created (failed, or waiting for a second factor)
        try:
            self._set_cookie(ctx, await self.token_for_session(session, base_url=ctx.base_url))
        except SigningUnavailable:
            return None
        return None

    async def _clear_cookie(self, ctx: RequestContext) -> None:
        ctx.auth.cookies.expire(ctx.response, ctx.auth.cookies.name(JWT_COOKIE_NAME))
        return None


def convex(
    *,
    site_url: str | None = None,
    jwt_expiration_seconds: int = 15 * 60,
    define_payload: Callable[[SessionData], Any] | None = None,
    jwks: Mapping[str, Any] | None = None,
) -> ConvexPlugin:
    """``@convex-dev/better-auth``'s ``convex()``: RS256 tokens for Convex with audience ``convex``.

    ``jwks`` takes the jwt plugin's ``jwks`` options (``static_keys``, ``rotation_interval``, ``max_age``, …);
    the algorithm is RS256 unless given there. ``define_payload(session)`` replaces ``{sessionId}``.
    """
    jwks_options = {"key_pair_config": {"alg": "RS256"}, **(jwks or {})}
    options = build_options(
        jwks_options,
        {"expiration_time": jwt_expiration_seconds, "define_payload": define_payload or _payload, "audience": AUDIENCE},
        True,
        None,
    )
    static = load_static_keys(
        options.jwks.static_keys, expected_alg=options.jwks.key_pair_config.alg, env=STATIC_KEYS_ENV
    )
    return ConvexPlugin(
        site_url=site_url, expiration_seconds=jwt_expiration_seconds, options=options, static_keys=static
    )
