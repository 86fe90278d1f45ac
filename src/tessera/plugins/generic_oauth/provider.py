"""A generic OAuth 2.0 / OpenID Connect provider, built on the core's ``OIDCProvider``.

What differs from a generic entry in ``social_providers`` is Better Auth's generic-oauth behaviour:

* scopes are only what the client and the configuration ask for (no default ``openid email profile``), with
  ``openid`` put first for a provider whose discovery advertises ID-token signing algorithms;
* the token endpoint is authenticated by ``authentication`` (``post`` by default), never chosen from discovery;
* the profile is the ID token's claims when they carry ``sub`` and ``email``, else the userinfo answer (or
  ``get_user_info``); a verified ID token and a userinfo answer must name the same subject;
* the account subject is ``id`` for plain OAuth, the ID token's ``sub`` when ID tokens are verified, the
  profile's ``sub`` otherwise, or what ``account_subject`` says;
* a missing authorization URL answers ``400 INVALID_OAUTH_CONFIGURATION``.

State, PKCE, the nonce, the code exchange, ID-token verification against the discovered JWKS, account linking
and the callback are the core's.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Literal, cast
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ...errors import APIError
from ...jwt import JWTError
from ...oauth.client import HTTPClient, ProviderHTTPError
from ...oauth.provider import (
    OAuth2Tokens,
    OIDCProvider,
    ProviderError,
    ProviderOptions,
    ProviderUnavailable,
    TokenEndpointAuth,
    UserInfo,
    string_bool,
)
from .config import GenericOAuthConfig
from .errors import GenericOAuthErrorCodes

logger = logging.getLogger("tessera.generic_oauth")

_USER_KEYS = ("name", "email", "image", "emailVerified")


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def provider_options(c: GenericOAuthConfig) -> ProviderOptions:
    """The core's options for one configuration (the rest lives on the provider itself)."""
    method = cast(TokenEndpointAuth, c.resolved_token_auth)  # checked by GenericOAuthConfig
    return ProviderOptions(
        client_id=c.client_id,
        client_secret=c.client_secret,
        name=c.name or c.provider_id,
        scope=tuple(c.scopes),
        redirect_uri=c.redirect_uri,
        prompt=c.prompt,
        access_type=c.access_type,
        authorization_params=dict(c.authorization_url_params),
        token_params=dict(c.token_url_params),
        token_endpoint_auth=method,
        pkce=c.pkce,
        disable_sign_up=c.disable_sign_up,
        disable_implicit_sign_up=c.disable_implicit_sign_up,
        override_user_info_on_sign_in=c.override_user_info,
        require_email_verification=c.require_email_verification,
        access_token_expires_in=c.access_token_expires_in,
        discovery_url=c.discovery_url,
        authorization_endpoint=c.authorization_url,
        token_endpoint=c.token_url,
        userinfo_endpoint=c.user_info_url,
    )


def _picture(source: Mapping[str, Any]) -> dict[str, Any]:
    """``{"image": <picture>}`` when the profile has a ``picture``: Better Auth copies ``picture`` to ``image``, and
    JSON leaves out the ``undefined`` of a missing one."""
    return {"image": source["picture"]} if "picture" in source else {}


def _valid_subject(value: Any) -> str | None:
    """Better Auth's ``resolveOAuthAccountKey``: a usable, non-blank subject or ``None``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JavaScript's String(42.0) is "42"
    subject = str(value)
    if not subject.strip() or subject in ("undefined", "null"):
        return None
    return subject


class GenericOAuthProvider(OIDCProvider):
    """One ``generic_oauth`` configuration as a provider of the OAuth core."""

    name = "OAuth"
    default_scopes = ()
    requires_static_endpoints = False

    def __init__(self, config: GenericOAuthConfig, http: HTTPClient, *, clock: Callable[[], datetime]) -> None:
        self.config = config
        super().__init__(config.provider_id, provider_options(config), http, clock=clock)
        self.discovery_headers = dict(config.discovery_headers)
        if config.response_type:
            self.response_type = config.response_type
        self.end_session_endpoint = config.end_session_endpoint
        #: discovery advertises ID-token signing algorithms: ``openid`` is requested and ``sub`` is the subject
        self.is_oidc = False
        # plain OAuth 2.0 until discovery supplies an issuer and a key set (there is no jwks option)
        self.oidc = False
        self.jwks = None

    # -- discovery ------------------------------------------------------------------------------------

    def has_usable_endpoints(self) -> bool:
        return bool(self.authorization_endpoint and (self.token_endpoint or self.config.get_token))

    def apply_discovery(self, doc: Mapping[str, Any]) -> None:
        super().apply_discovery(doc)
        discovered_logout = doc.get("end_session_endpoint")
        if not self.end_session_endpoint and isinstance(discovered_logout, str):
            self.end_session_endpoint = discovered_logout
        algorithms = doc.get("id_token_signing_alg_values_supported")
        self.is_oidc = isinstance(algorithms, list) and len(algorithms) > 0
        if self.config.require_id_token_verification and not self.oidc:
            raise ProviderUnavailable(
                f"{self.id}: requires verified ID tokens, but discovery gave no usable issuer and jwks_uri"
            )

    # -- authorization --------------------------------------------------------------------------------

    def missing_endpoint(self, kind: Literal["authorization", "token"]) -> Exception:
        if kind == "authorization":
            return APIError(400, GenericOAuthErrorCodes.INVALID_OAUTH_CONFIGURATION)
        # the callback answers ?error=invalid_code, /refresh-token FAILED_TO_REFRESH_ACCESS_TOKEN (as Better Auth)
        return ProviderError(f"{self.id}: {GenericOAuthErrorCodes.TOKEN_URL_NOT_FOUND.message}")

    @property
    def allows_idp_initiated(self) -> bool:
        return self.config.allow_idp_initiated

    @property
    def requires_id_token_nonce(self) -> bool:
        return self.oidc and self.jwks is not None and not self.config.disable_id_token_nonce_binding

    def scopes_for(self, requested: Sequence[str] | None) -> list[str]:
        merged = [*(requested or ()), *self.config.scopes]
        if self.is_oidc and "openid" not in merged:
            merged.insert(0, "openid")
        return merged

    def extra_authorization_params(self) -> dict[str, str]:
        return {"response_mode": self.config.response_mode} if self.config.response_mode else {}

    # -- logout ---------------------------------------------------------------------------------------

    @property
    def offers_logout(self) -> bool:
        c = self.config
        return not c.disable_provider_logout and bool(c.end_session_endpoint or c.discovery_url)

    async def end_session_url(
        self, *, id_token: str | None, post_logout_redirect_uri: str | None, state: str | None, base_url: str
    ) -> str | None:
        if self.config.disable_provider_logout:
            return None
        try:
            await self.prepare()
        except ProviderError:
            return None
        endpoint = self.end_session_endpoint
        parts = urlsplit(endpoint) if endpoint else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if id_token:
            params["id_token_hint"] = id_token
        configured = post_logout_redirect_uri or self.config.post_logout_redirect_uri
        if configured:
            params["post_logout_redirect_uri"] = urljoin(base_url, configured)
            params["client_id"] = self.config.client_id
            if state:
                params["state"] = state
        elif not id_token:
            params["client_id"] = self.config.client_id
        return urlunsplit(parts._replace(query=urlencode(params)))

    # -- token endpoint -------------------------------------------------------------------------------

    def _client_auth(self, body: dict[str, str]) -> dict[str, str]:
        return {**self.config.authorization_headers, **super()._client_auth(body)}

    async def exchange_code(
        self, *, code: str, code_verifier: str | None, redirect_uri: str, device_id: str | None = None
    ) -> OAuth2Tokens:
        if self.config.get_token is None:
            return await super().exchange_code(
                code=code, code_verifier=code_verifier, redirect_uri=redirect_uri, device_id=device_id
            )
        # what Better Auth hands its ``getToken``: the callback URL of this server, the verifier of the flow
        data = {"code": code, "redirectURI": redirect_uri, "codeVerifier": code_verifier, "deviceId": device_id}
        try:
            answer = await _maybe_await(self.config.get_token(data))
        except Exception as exc:  # the application's function: any failure is a failed exchange
            raise ProviderError(f"{self.id}: get_token failed: {exc.__class__.__name__}") from exc
        if isinstance(answer, Mapping):
            answer = OAuth2Tokens.from_response(answer, self.clock())
        if not isinstance(answer, OAuth2Tokens):
            raise ProviderError(f"{self.id}: get_token returned no tokens")
        lifetime = self.config.access_token_expires_in
        if answer.access_token_expires_at is None and lifetime:
            answer = replace(answer, access_token_expires_at=self.clock() + timedelta(seconds=lifetime))
        return answer

    async def refresh_access_token(self, refresh_token: str) -> OAuth2Tokens:
        body = {**self.config.refresh_token_params, "grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self._token_request(body)

    # -- identity -------------------------------------------------------------------------------------

    async def get_user_info(
        self, tokens: OAuth2Tokens, *, expected_nonce: str | None = None, user: Any = None
    ) -> UserInfo | None:
        claims: dict[str, Any] | None = None
        if tokens.id_token and self.oidc and self.jwks is not None:
            try:
                claims = await self.verify_id_token(tokens.id_token, expected_nonce)
            except (JWTError, ProviderError):
                logger.warning("provider %r: the ID token failed verification (signature, claims or nonce)", self.id)
                return None
        return await self._resolve(tokens, claims)

    async def user_info_from_claims(
        self, claims: dict[str, Any], tokens: OAuth2Tokens | None = None, *, user: Any = None
    ) -> UserInfo | None:
        # a client-submitted ID token (verified by the caller): Better Auth resolves it from the token alone
        return await self._resolve(OAuth2Tokens(id_token=tokens.id_token if tokens else None), claims)

    async def _request_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        request = self.config.profile_request
        assert request is not None
        if not tokens.access_token:
            return None
        url = request.url(tokens) if callable(request.url) else request.url
        headers = {"authorization": f"{request.scheme} {tokens.access_token}"} if request.scheme else {}
        try:
            result = await self.http.get(url, headers)
        except ProviderHTTPError:
            return None
        if not result.ok or not isinstance(result.data, dict):
            return None
        try:
            return request.to_profile(result.data)
        except (KeyError, TypeError, AttributeError, IndexError):  # an answer of another shape
            return None

    async def _fetch_profile(self, tokens: OAuth2Tokens, claims: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if tokens.id_token:
            # unverified only for a token straight from the token endpoint (see ``token_response_claims``)
            decoded = claims if claims is not None else self.token_response_claims(tokens)
            if decoded and decoded.get("sub") and decoded.get("email"):
                return {
                    "id": decoded["sub"],
                    "emailVerified": string_bool(decoded.get("email_verified")) or False,
                    **_picture(decoded),
                    **decoded,
                }
        data = await self.get_json(self.userinfo_endpoint, tokens)
        if data is None:
            return None
        return {
            **data,
            "emailVerified": string_bool(data.get("email_verified")) or False,
            **_picture(data),
        }

    async def _resolve(self, tokens: OAuth2Tokens, claims: Mapping[str, Any] | None) -> UserInfo | None:
        c = self.config
        if c.get_user_info is None:
            raw = await (self._request_profile(tokens) if c.profile_request else self._fetch_profile(tokens, claims))
        else:
            try:
                raw = await _maybe_await(c.get_user_info(tokens))
            except Exception:  # the application's function (usually a call to the provider): no profile
                logger.exception("provider %r: get_user_info failed", self.id)
                return None
        if not isinstance(raw, Mapping):
            return None
        return await self._from_profile(dict(raw), tokens, claims)

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        """``/account-info``: the profile from the stored tokens (the stored ID token, else userinfo)."""
        if self.config.get_user_info is not None:
            raw = await _maybe_await(self.config.get_user_info(tokens))
            return dict(raw) if isinstance(raw, Mapping) else None
        if self.config.profile_request is not None:
            return await self._request_profile(tokens)
        return await self._fetch_profile(tokens, None)

    async def to_user_info(self, profile: dict[str, Any], tokens: OAuth2Tokens | None, *, user: Any = None) -> UserInfo | None:
        return await self._from_profile(profile, tokens or OAuth2Tokens(), None)

    async def _from_profile(
        self, raw: dict[str, Any], tokens: OAuth2Tokens, claims: Mapping[str, Any] | None
    ) -> UserInfo | None:
        c = self.config
        requires_subject_match = c.get_user_info is None or raw.get("sub") is not None
        if (
            claims is not None
            and claims.get("sub") is not None
            and requires_subject_match
            and _valid_subject(raw.get("sub")) != str(claims["sub"])
        ):
            return None  # the profile describes someone other than the verified ID token
        mapped = dict(await _maybe_await(c.map_profile_to_user(raw)) or {}) if c.map_profile_to_user else {}
        user = {
            "email": raw.get("email"),
            "emailVerified": string_bool(raw.get("emailVerified")) or False,
            "image": raw.get("image"),
            "name": raw.get("name"),
            **{k: v for k, v in mapped.items() if k in _USER_KEYS},
        }
        subject = _valid_subject(await self._subject(tokens, raw))
        if subject is None:
            logger.warning("provider %r: no usable account subject in the profile", self.id)
            return None
        email = user["email"]
        shown = {**user, **{k: v for k, v in mapped.items() if k not in _USER_KEYS}}
        return UserInfo(
            id=subject,
            email=email.lower() if isinstance(email, str) and email else None,
            name=user["name"] if isinstance(user["name"], str) else None,
            image=user["image"] if isinstance(user["image"], str) else None,
            email_verified=string_bool(user["emailVerified"]) or False,
            data=raw,
            fields={k: v for k, v in mapped.items() if k not in _USER_KEYS and k != "id"},
            account_info_user=shown,
        )

    async def _subject(self, tokens: OAuth2Tokens, profile: dict[str, Any]) -> Any:
        if self.config.account_subject is not None:
            try:
                return await _maybe_await(self.config.account_subject(tokens=tokens, profile=profile))
            except Exception:  # the application's function: no subject, no sign-in
                logger.exception("provider %r: account_subject failed", self.id)
                return None
        if not self.is_oidc:
            return profile.get("id")
        if self.oidc and tokens.id_token:
            claims = self.token_response_claims(tokens)  # verified above (or by the ID-token sign-in)
            return claims.get("sub") if claims else None
        return profile.get("sub")
