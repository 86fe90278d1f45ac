"""The jwt plugin (Better Auth's ``jwt()``): ``GET /token``, ``GET /jwks``, the ``set-auth-jwt`` header on
get-session, and server-only ``auth.api.sign_jwt`` / ``auth.api.verify_jwt``.

    from tessera.plugins.jwt import jwt

    auth = Tessera(..., plugins=[jwt()])                                   # EdDSA keys in the jwks table
    auth = Tessera(..., plugins=[jwt(jwks={"rotation_interval": 30 * 86400})])
    auth = Tessera(..., plugins=[jwt(jwks={"static_keys": os.environ["TESSERA_JWKS"]})])   # no DB keys
    auth = Tessera(..., plugins=[jwt(jwks={"remote_url": KMS_JWKS_URL, "key_pair_config": {"alg": "ES256"}},
                                     jwt={"sign": kms_sign})])                              # signed elsewhere

Tokens: header ``{alg, kid}``; claims ``{iat, ...user, sub, exp, iss, aud}`` (``exp`` = ``iat`` + 15 min,
``iss``/``aud`` = the origin of ``base_url`` unless configured). Keys live in memory (see ``keys.py``): in
steady state no token, no ``/jwks`` answer and no verification touches the database.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...errors import ConfigError
from ...jwt.jwk import PrivateJWK
from ...jwt.remote import RemoteJWKS
from ...jwt.verifier import Verifier
from ..base import Plugin
from .config import (
    JwksConfig,
    JwtConfig,
    JWTOptions,
    KeyPairConfig,
    SchemaConfig,
    build_options,
    load_static_keys,
    parse_timespan,
)
from .endpoints import build_endpoints, jwt_header_hook
from .errors import JWTErrorCodes
from .keys import KeyManager, KeyRing, SigningUnavailable
from .schema import jwks_table

if TYPE_CHECKING:
    from ...context import AuthContext
    from ...session.model import SessionData

__all__ = [
    "JWTErrorCodes",
    "JWTOptions",
    "JWTPlugin",
    "JwksConfig",
    "JwtConfig",
    "KeyManager",
    "KeyPairConfig",
    "KeyRing",
    "SigningUnavailable",
    "jwt",
]


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class JWTPlugin(Plugin):
    """The plugin object; ``auth.plugin("jwt")`` returns it (``.manager`` holds the keys)."""

    def __init__(
        self,
        options: JWTOptions,
        *,
        static_keys: Sequence[PrivateJWK] | None = None,
        plugin_id: str = "jwt",
        endpoints: Sequence[Any] | None = None,
        with_header_hook: bool | None = None,
    ) -> None:
        self.options = options
        self.expires_in = options.expires_in
        self.manager = KeyManager(options, static_keys=static_keys)
        remote_url = options.jwks.remote_url
        #: the published key set when it lives elsewhere (``jwks.remote_url``); verification uses it
        self.remote_jwks: RemoteJWKS | None = RemoteJWKS(remote_url) if remote_url else None
        self.jwks_cache_control = f"public, max-age={options.jwks.max_age}"
        schema = () if static_keys else (jwks_table(options.schema.model_name, options.schema.fields),)
        header = not options.disable_setting_jwt_header if with_header_hook is None else with_header_hook
        super().__init__(
            id=plugin_id,
            endpoints=tuple(endpoints) if endpoints is not None else build_endpoints(self),
            schema=schema,
            after=(jwt_header_hook(self),) if header else (),
            error_codes=JWTErrorCodes,
            init=self._init,
            startup=self._startup,
            shutdown=self._shutdown,
            options=options,
        )

    def _init(self, context: AuthContext) -> None:
        self.manager.bind(context)
        context.plugin_state[self.id] = self

    async def _startup(self, context: AuthContext) -> None:
        if self.options.jwt.sign is not None:
            return  # tokens are signed elsewhere: the jwks table is never read
        await self.manager.ensure()
        self.manager.start()

    async def _shutdown(self, context: AuthContext) -> None:
        await self.manager.stop()
        if self.remote_jwks is not None:
            await self.remote_jwks.aclose()

    # -- claims ---------------------------------------------------------------------------------------

    def issuer(self, base_url: str) -> str:
        return self.options.jwt.issuer or origin(base_url)

    def audience(self, base_url: str) -> str | Sequence[str]:
        return self.options.jwt.audience or origin(base_url)

    async def session_claims(self, session: SessionData) -> dict[str, Any]:
        """``{iat, ...payload, sub}`` for a session (``define_payload``/``get_subject`` when configured)."""
        cfg = self.options.jwt
        payload = await _maybe_await(cfg.define_payload(session)) if cfg.define_payload else session.user
        subject = await _maybe_await(cfg.get_subject(session)) if cfg.get_subject else session.user_id
        return {"iat": int(self.manager.now().timestamp()), **payload, "sub": subject}

    async def token_for_session(self, session: SessionData, *, base_url: str) -> str:
        return await self.sign(await self.session_claims(session), base_url=base_url)

    async def sign(
        self, payload: Mapping[str, Any], *, base_url: str, overrides: Mapping[str, Any] | None = None
    ) -> str:
        """Better Auth's ``signJWT``: the payload's own ``exp``/``iss``/``aud`` win over the defaults."""
        overrides = overrides or {}
        claims = dict(payload)
        iat = claims.get("iat")
        now = int(self.manager.now().timestamp())
        expires_in = (
            parse_timespan(overrides["expirationTime"]) if overrides.get("expirationTime") else self.expires_in
        )
        claims["exp"] = claims.get("exp") or (iat if isinstance(iat, int) and iat else now) + expires_in
        claims["iss"] = claims.get("iss") or overrides.get("issuer") or self.issuer(base_url)
        claims["aud"] = claims.get("aud") or overrides.get("audience") or self.audience(base_url)
        sign = self.options.jwt.sign
        if sign is None:
            return await self.manager.sign(claims)
        token = await _maybe_await(sign(claims))
        if not isinstance(token, str) or token.count(".") != 2:
            raise SigningUnavailable("jwt.sign did not return a compact JWS")
        return token

    async def verify(self, token: str, *, issuer: str | None = None, base_url: str) -> dict[str, Any]:
        """Claims of a token signed with one of this server's keys (or, with ``jwks.remote_url``, a key of that
        JWKS); raises ``tessera.jwt.JWTError``."""
        issuer = issuer or self.issuer(base_url)
        if self.remote_jwks is not None:
            alg = self.options.jwks.key_pair_config.alg
            verifier = Verifier(
                issuer=issuer, audience=self.audience(base_url), algorithms=[alg], jwks=self.remote_jwks,
                clock=lambda: self.manager.now().timestamp(),
            )
            return await verifier.verify(token)
        return await self.manager.verify(token, issuer=issuer, audience=self.audience(base_url))


def jwt(
    *,
    jwks: JwksConfig | Mapping[str, Any] | None = None,
    jwt: JwtConfig | Mapping[str, Any] | None = None,
    disable_setting_jwt_header: bool = False,
    schema: SchemaConfig | Mapping[str, Any] | None = None,
) -> JWTPlugin:
    """Better Auth's ``jwt()`` plugin. Options mirror its ``jwks`` / ``jwt`` groups in snake_case."""
    options = build_options(jwks, jwt, disable_setting_jwt_header, schema)
    explicit_alg = None
    if isinstance(jwks, JwksConfig) or (isinstance(jwks, Mapping) and "key_pair_config" in jwks):
        explicit_alg = options.jwks.key_pair_config.alg
    if options.jwks.remote_url is not None and explicit_alg is None:
        raise ConfigError(
            "jwks.remote_url needs jwks.key_pair_config.alg: the algorithm of the keys published there"
        )
    static = load_static_keys(options.jwks.static_keys, expected_alg=explicit_alg)
    return JWTPlugin(options, static_keys=static)
