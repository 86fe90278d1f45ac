"""The OAuth 2.0 / OpenID Connect client every provider is built from.

A provider is a small declarative subclass of ``OAuthProvider``: its endpoints, default scopes, whether it
speaks OpenID Connect, and how its profile maps onto a user (``map_profile``). Everything protocol-level lives
here once: the authorization URL (PKCE S256, ``state``, ``nonce``), the code exchange and refresh (client
authentication, no redirects followed), ID-token verification against the provider's cached JWKS, the
userinfo fallback, and the stable account subject.

``OIDCProvider`` adds discovery (``/.well-known/openid-configuration``), fetched on first use and cached.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import inspect
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal
from urllib.parse import quote, urlencode, urljoin, urlsplit, urlunsplit

from ..db.schema import utcnow
from ..errors import ConfigError
from ..jwt import ALGORITHMS, JWTError, RemoteJWKS, decode_unverified
from .client import HTTPClient, ProviderHTTPError
from .idtoken import IDTokenVerifier

#: query parameters the framework sets itself; ``additionalParams`` may never override them
RESERVED_AUTHORIZATION_PARAMS: tuple[str, ...] = (
    "state",
    "client_id",
    "redirect_uri",
    "response_type",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "scope",
)
TokenEndpointAuth = Literal["client_secret_post", "client_secret_basic", "none"]
DEFAULT_ALGORITHMS: tuple[str, ...] = ("RS256",)
#: asymmetric algorithms ``tessera.jwt`` verifies (no HMAC: a client secret is never an ID-token key)
SUPPORTED_ALGORITHMS = frozenset(ALGORITHMS)


class ProviderError(Exception):
    """A provider call failed: unreachable, refused the request, or answered something unusable."""


class ProviderUnavailable(ProviderError):
    """Discovery (or another prerequisite fetch) failed; the provider cannot be used right now."""


@dataclass(frozen=True)
class ProviderOptions:
    """Options every provider accepts (``social_providers={"google": {...}}``), Better Auth's names in snake_case."""

    client_id: str | Sequence[str] = ""
    client_secret: str | None = None
    enabled: bool = True
    #: display name (generic providers)
    name: str | None = None
    #: scopes requested on top of the provider's defaults
    scope: Sequence[str] = ()
    disable_default_scope: bool = False
    #: overrides ``{base_url}/callback/<id>``
    redirect_uri: str | None = None
    prompt: str | None = None
    access_type: str | None = None
    authorization_params: Mapping[str, str] = field(default_factory=dict)
    token_params: Mapping[str, str] = field(default_factory=dict)
    #: ``None``: ``client_secret_post`` with a secret, ``none`` without one
    token_endpoint_auth: TokenEndpointAuth | None = None
    pkce: bool = True
    disable_sign_up: bool = False
    #: new users only when the client asks for it (``requestSignUp: true``)
    disable_implicit_sign_up: bool = False
    disable_id_token_sign_in: bool = False
    override_user_info_on_sign_in: bool = False
    #: refuse sessions while the user's email is unverified
    require_email_verification: bool = False
    #: ``(profile) -> {name?, email?, image?, emailVerified?, <additional user fields>}``, may be async
    map_profile_to_user: Callable[[dict[str, Any]], Any] | None = None
    #: ``async (tokens) -> UserInfo | None`` replacing the provider's own profile fetch
    get_user_info: Callable[[OAuth2Tokens], Awaitable[UserInfo | None]] | None = None
    #: when the token response has no ``expires_in``
    access_token_expires_in: int | None = None
    # -- endpoints (generic providers, self-hosted instances, proxies) ---------------------------------
    discovery_url: str | None = None
    issuer: str | None = None
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    jwks_uri: str | None = None
    id_token_algorithms: Sequence[str] | None = None
    #: treat the provider as plain OAuth 2.0 even if it issues ID tokens
    disable_id_token_verification: bool = False

    @property
    def primary_client_id(self) -> str:
        value = self.client_id if isinstance(self.client_id, str) else (self.client_id[0] if self.client_id else "")
        return value

    @property
    def audiences(self) -> list[str]:
        return [self.client_id] if isinstance(self.client_id, str) else [c for c in self.client_id if c]


@dataclass
class OAuth2Tokens:
    access_token: str | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    token_type: str | None = None
    access_token_expires_at: datetime | None = None
    refresh_token_expires_at: datetime | None = None
    scopes: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_response(cls, data: Mapping[str, Any], now: datetime, default_expires_in: int | None = None) -> OAuth2Tokens:
        def at(seconds: Any) -> datetime | None:
            try:
                return now + timedelta(seconds=float(seconds)) if seconds not in (None, "") else None
            except (TypeError, ValueError):
                return None

        access_expiry = at(data.get("expires_in"))
        if access_expiry is None and default_expires_in:
            access_expiry = at(default_expires_in)
        return cls(
            access_token=_str_or_none(data.get("access_token")),
            refresh_token=_str_or_none(data.get("refresh_token")),
            id_token=_str_or_none(data.get("id_token")),
            token_type=_str_or_none(data.get("token_type")),
            access_token_expires_at=access_expiry,
            refresh_token_expires_at=at(data.get("refresh_token_expires_in")),
            scopes=parse_scope_field(data.get("scope")),
            raw=dict(data),
        )


@dataclass
class UserInfo:
    """Who the provider says signed in: the stable subject (``id``) and the profile mapped onto a user."""

    id: str
    email: str | None
    name: str | None = None
    image: str | None = None
    email_verified: bool = False
    #: the provider's raw profile (ID-token claims, userinfo answer, API user object)
    data: dict[str, Any] = field(default_factory=dict)
    #: additional user fields produced by ``map_profile_to_user``
    fields: dict[str, Any] = field(default_factory=dict)
    #: the user as ``/account-info`` answers it, when the provider shapes it itself (generic OAuth: Better Auth's
    #: ``{email, emailVerified, image, name, ...mapped}``, no ``id``); ``None``: built from the fields above
    account_info_user: dict[str, Any] | None = None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_scope_field(scope: Any) -> list[str]:
    """RFC 6749 §3.3 says space-delimited; some providers send a list or commas."""
    if isinstance(scope, list):
        return [s.strip() for s in scope if isinstance(s, str) and s.strip()]
    if isinstance(scope, str):
        return [s for s in scope.replace(",", " ").split() if s]
    return []


def string_bool(value: Any) -> bool | None:
    """Providers send ``email_verified`` as a bool or as ``"true"``/``"false"``."""
    if value is True or value == "true":
        return True
    if value is False or value == "false":
        return False
    return None


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = urlencode(list(params.items()), quote_via=quote)
    return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))


#: the local part zod's ``z.email()`` accepts, which Better Auth's ``createPlaceholderEmail`` requires
_PLACEHOLDER_LOCAL_PART = re.compile(r"(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]")


def placeholder_email(identifier: Any, namespace: str) -> str | None:
    """Better Auth's ``createPlaceholderEmail``: a stable, non-routable address (RFC 6761 ``.invalid``) for a
    provider that shares no email. It is never marked verified, so it can never link to an existing user.

    ``None`` for a missing id or one that cannot form an address: Better Auth throws there (a 500); the user is
    then without an email, which the callback answers with ``error=email_not_found``."""
    if identifier is None or isinstance(identifier, bool):
        return None
    local = str(identifier)
    return f"{local}@{namespace}.placeholder.invalid" if _PLACEHOLDER_LOCAL_PART.fullmatch(local) else None


def nested(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]…``, or ``None`` where a step is missing or not an object."""
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class OAuthProvider:
    """An OAuth 2.0 provider; with ``oidc = True`` an OpenID Connect one whose ID tokens are verified."""

    name: ClassVar[str] = "OAuth"
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    jwks_uri: str | None = None
    issuer: str | Sequence[str] | Callable[[Mapping[str, Any]], bool] | None = None
    default_scopes: tuple[str, ...] = ()
    scope_joiner: ClassVar[str] = " "
    id_token_algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    #: ID tokens come back from the code exchange and are verified (signature, iss, aud, nonce)
    oidc: bool = False
    #: the provider can refresh access tokens
    supports_refresh: ClassVar[bool] = True
    #: maximum age of a client-submitted ID token (``/sign-in/social`` with ``idToken``)
    id_token_max_age: ClassVar[int | None] = None
    options_class: ClassVar[type[ProviderOptions]] = ProviderOptions
    #: the profile key holding the account subject (``None``: ``sub`` for OpenID Connect, ``id`` otherwise)
    subject_key: ClassVar[str | None] = None
    #: client authentication when the options name none and a secret is configured (Better Auth's per-provider
    #: ``authentication: "basic"``); without a secret the client is public (``none``)
    default_token_endpoint_auth: ClassVar[TokenEndpointAuth] = "client_secret_post"
    #: the provider refuses public clients; building it without ``client_secret`` is a configuration error
    requires_client_secret: ClassVar[bool] = False
    #: the authorization parameter ``options.access_type`` is sent as (Dropbox: ``token_access_type``)
    access_type_param: ClassVar[str] = "access_type"
    #: the authorization parameter carrying the client id (TikTok: ``client_key``)
    client_id_param: ClassVar[str] = "client_id"
    #: the ``response_type`` of the authorization request (generic providers may configure another)
    response_type: str = "code"

    def __init__(self, provider_id: str, options: ProviderOptions, http: HTTPClient, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.id = provider_id
        self.options = options
        self.http = http
        self.clock = clock
        self.display_name = options.name or self.name
        self.configure(options)
        for attr in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "issuer"):
            override = getattr(options, attr)
            if override:
                setattr(self, attr, override)
        if options.id_token_algorithms:
            bad = set(options.id_token_algorithms) - SUPPORTED_ALGORITHMS
            if bad:
                raise ConfigError(f"social_providers.{provider_id}: unsupported ID token algorithm(s) {sorted(bad)}")
            self.id_token_algorithms = tuple(options.id_token_algorithms)
        if options.disable_id_token_verification:
            self.oidc = False
        self.jwks = RemoteJWKS(self.jwks_uri) if self.jwks_uri else None
        self._verifier: IDTokenVerifier | None = None
        if self.requires_client_secret and not options.client_secret:
            raise ConfigError(f"social_providers.{provider_id}: {self.name} needs client_secret")
        #: how the client authenticates at the token endpoint (``None``: Better Auth's default)
        self.token_endpoint_auth: TokenEndpointAuth | None = options.token_endpoint_auth or (
            self.default_token_endpoint_auth if options.client_secret else None
        )

    def configure(self, options: ProviderOptions) -> None:
        """Derive what depends on the options (endpoints of a tenant, region or environment); runs before the
        explicit endpoint options are applied, so those still win."""

    # -- capabilities ---------------------------------------------------------------------------------

    @property
    def audiences(self) -> list[str]:
        """Audiences an ID token may be issued to: the client id(s)."""
        return self.options.audiences

    @property
    def requires_id_token_nonce(self) -> bool:
        """Redirect flows bind the ID token to this browser's request with a ``nonce``."""
        return self.oidc and self.jwks is not None

    @property
    def offers_logout(self) -> bool:
        """The provider may build an end-session URL (sign-out sends the browser there)."""
        return False

    async def end_session_url(
        self, *, id_token: str | None, post_logout_redirect_uri: str | None, state: str | None, base_url: str
    ) -> str | None:
        """OpenID Connect RP-Initiated Logout: where sign-out sends the browser, or ``None``. ``base_url`` (the
        auth API's URL) resolves a relative configured return address."""
        return None

    @property
    def allows_idp_initiated(self) -> bool:
        """A callback with a code but no ``state`` restarts the flow (providers that start it themselves)."""
        return False

    @property
    def supports_id_token_sign_in(self) -> bool:
        return self.oidc and self.jwks is not None and not self.options.disable_id_token_sign_in

    async def prepare(self) -> None:
        """Fetch whatever the provider needs before its first use (discovery). Idempotent."""

    def missing_endpoint(self, kind: Literal["authorization", "token"]) -> Exception:
        """What a flow raises when the provider has no ``kind`` endpoint (after ``prepare``). A ``ProviderError``
        answers as the provider being unavailable; a provider may return an ``APIError`` of its own instead
        (generic OAuth's ``INVALID_OAUTH_CONFIGURATION``)."""
        return ProviderUnavailable(f"{self.id}: no {kind} endpoint")

    # -- authorization URL ----------------------------------------------------------------------------

    def scopes_for(self, requested: Sequence[str] | None) -> list[str]:
        scopes = [] if self.options.disable_default_scope else list(self.default_scopes)
        scopes += [s for s in self.options.scope if s not in scopes]
        scopes += [s for s in (requested or ()) if s not in scopes]
        return scopes

    def extra_authorization_params(self) -> dict[str, str]:
        """Provider-specific query parameters (Google's ``access_type``, Apple's ``response_mode``…)."""
        return {}

    async def create_authorization_url(
        self,
        *,
        state: str,
        code_verifier: str,
        redirect_uri: str,
        scopes: Sequence[str] | None = None,
        login_hint: str | None = None,
        nonce: str | None = None,
        additional_params: Mapping[str, str] | None = None,
    ) -> str:
        await self.prepare()
        if not self.authorization_endpoint:
            raise self.missing_endpoint("authorization")
        client_id = self.options.primary_client_id
        if not client_id:
            raise ConfigError(f"social_providers.{self.id}: client_id is required")
        params: dict[str, str] = {"response_type": self.response_type, self.client_id_param: client_id, "state": state}
        all_scopes = self.scopes_for(scopes)
        if all_scopes:
            params["scope"] = self.scope_joiner.join(all_scopes)
        params["redirect_uri"] = self.options.redirect_uri or redirect_uri
        if login_hint:
            params["login_hint"] = login_hint
        if nonce:
            params["nonce"] = nonce
        if self.options.prompt:
            params["prompt"] = self.options.prompt
        if self.options.access_type:
            params[self.access_type_param] = self.options.access_type
        if self.options.pkce and code_verifier:
            params["code_challenge_method"] = "S256"
            params["code_challenge"] = code_challenge(code_verifier)
        extra = {**self.extra_authorization_params(), **self.options.authorization_params, **(additional_params or {})}
        for key, value in extra.items():
            if key not in RESERVED_AUTHORIZATION_PARAMS and key != self.client_id_param:
                params[key] = value
        return with_query(self.authorization_endpoint, params)

    # -- token endpoint -------------------------------------------------------------------------------

    def _client_auth(self, body: dict[str, str]) -> dict[str, str]:
        options = self.options
        method = self.token_endpoint_auth or ("client_secret_post" if options.client_secret else "none")
        client_id = options.primary_client_id
        if method == "client_secret_basic":
            if not options.client_secret:
                raise ConfigError(f"social_providers.{self.id}: client_secret_basic needs client_secret")
            pair = f"{quote(client_id, safe='')}:{quote(options.client_secret, safe='')}"
            return {"authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
        body["client_id"] = client_id
        if method == "client_secret_post" and options.client_secret:
            body["client_secret"] = options.client_secret
        return {}

    async def _token_request(self, body: dict[str, str]) -> OAuth2Tokens:
        await self.prepare()
        if not self.token_endpoint:
            raise self.missing_endpoint("token")
        for key, value in self.options.token_params.items():
            body.setdefault(key, value)
        headers = self._client_auth(body)
        try:
            result = await self.http.post_form(self.token_endpoint, body, headers)
        except ProviderHTTPError as exc:
            raise ProviderError(str(exc)) from exc
        data = result.data
        if not result.ok or not isinstance(data, dict) or "error" in data:
            error = data.get("error") if isinstance(data, dict) else None
            raise ProviderError(f"{self.id}: token endpoint answered {result.status} {error or ''}".strip())
        tokens = OAuth2Tokens.from_response(data, self.clock(), self.options.access_token_expires_in)
        if not tokens.access_token and not tokens.id_token:
            raise ProviderError(f"{self.id}: token response without a token")
        return tokens

    async def exchange_code(
        self, *, code: str, code_verifier: str | None, redirect_uri: str, device_id: str | None = None
    ) -> OAuth2Tokens:
        body = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.options.redirect_uri or redirect_uri}
        if code_verifier and self.options.pkce:
            body["code_verifier"] = code_verifier
        if device_id:
            body["device_id"] = device_id
        return await self._token_request(body)

    async def refresh_access_token(self, refresh_token: str) -> OAuth2Tokens:
        return await self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    # -- identity -------------------------------------------------------------------------------------

    def id_token_verifier(self) -> IDTokenVerifier:
        """Built once the provider is prepared (discovery may supply the issuer and the JWKS)."""
        if self._verifier is None:
            if self.jwks is None or not self.issuer:
                raise ConfigError(f"social_providers.{self.id}: ID tokens need an issuer and a jwks_uri")
            self._verifier = IDTokenVerifier(
                issuer=self.issuer,
                audience=self.audiences,
                algorithms=self.id_token_algorithms,
                jwks=self.jwks,
                clock=lambda: self.clock().timestamp(),
            )
        return self._verifier

    async def verify_id_token(
        self, token: str, nonce: str | None = None, *, max_age: int | None = None
    ) -> dict[str, Any]:
        """The verified claims of an ID token issued to this client; a ``JWTError`` otherwise."""
        await self.prepare()
        claims = await self.id_token_verifier().verify_id_token(token, nonce=nonce, max_age=max_age)
        self.check_claims(claims)
        return claims

    def check_claims(self, claims: Mapping[str, Any]) -> None:
        """Provider-specific claim policy (Google's hosted domain…); raise ``InvalidClaim`` to refuse."""

    async def fetch_userinfo(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        return await self.get_json(self.userinfo_endpoint, tokens)

    async def get_json(
        self,
        url: str | None,
        tokens: OAuth2Tokens,
        headers: Mapping[str, str] | None = None,
        *,
        method: Literal["GET", "POST"] = "GET",
        body: Any = None,
    ) -> dict[str, Any] | None:
        """One of the provider's APIs called with the access token (a POST sends ``body`` as JSON): its JSON
        object, or ``None`` on any failure."""
        if not url or not tokens.access_token:
            return None
        sent = {"authorization": f"Bearer {tokens.access_token}", **(headers or {})}
        try:
            result = await (self.http.get(url, sent) if method == "GET" else self.http.post_json(url, body, sent))
        except ProviderHTTPError:
            return None
        return result.data if result.ok and isinstance(result.data, dict) else None

    async def fetch_profile(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        """The profile of a plain OAuth 2.0 provider (its user API). Override per provider."""
        return await self.fetch_userinfo(tokens)

    def token_response_claims(self, tokens: OAuth2Tokens) -> dict[str, Any] | None:
        """The claims of the ID token the token endpoint just returned, decoded without a signature check.

        Only for providers whose keys tessera cannot check (LINE signs web ID tokens with the channel secret)
        or that Better Auth reads the same way: the token came straight from the provider's token endpoint
        over TLS, in exchange for this client's code (OpenID Connect Core §3.1.3.7 allows TLS server
        validation in place of the signature there). Never for a token a client submits.
        """
        if not tokens.id_token or tokens.id_token.count(".") != 2:
            return None
        try:
            return decode_unverified(tokens.id_token)[1]
        except JWTError:
            return None

    async def get_user_info(
        self, tokens: OAuth2Tokens, *, expected_nonce: str | None = None, user: Any = None
    ) -> UserInfo | None:
        """Identity from a code exchange: the verified ID token, completed from userinfo, or the profile API."""
        if self.options.get_user_info is not None:
            return await self.options.get_user_info(tokens)
        if self.oidc and self.jwks is not None and tokens.id_token:
            try:
                claims = await self.verify_id_token(tokens.id_token, expected_nonce)
            except (JWTError, ProviderError):
                return None
            return await self.user_info_from_claims(claims, tokens, user=user)
        if self.requires_id_token_nonce and expected_nonce:
            return None  # an OpenID provider that sent no ID token cannot prove the nonce
        profile = await self.fetch_profile(tokens)
        if profile is None:
            return None
        return await self.to_user_info(profile, tokens, user=user)

    async def user_info_from_claims(
        self, claims: dict[str, Any], tokens: OAuth2Tokens | None = None, *, user: Any = None
    ) -> UserInfo | None:
        """Verified ID-token claims, completed from the userinfo endpoint when they lack an email."""
        profile = dict(claims)
        if not profile.get("email") and tokens is not None:
            extra = await self.fetch_userinfo(tokens)
            if extra is not None:
                # the userinfo answer must describe the same subject as the ID token (OIDC Core §5.3.2)
                if str(extra.get("sub")) != str(claims.get("sub")):
                    return None
                profile = {**extra, **claims}
        return await self.to_user_info(profile, tokens, user=user)

    def account_subject(self, profile: Mapping[str, Any]) -> Any:
        """The provider's stable identifier for the user: ``sub`` for OpenID Connect, ``id`` otherwise."""
        if self.subject_key is not None:
            return profile.get(self.subject_key)
        return profile.get("sub") if self.oidc else profile.get("id", profile.get("sub"))

    def map_profile(self, profile: Mapping[str, Any], user: Any = None) -> dict[str, Any]:
        """``{name, email, image, emailVerified}`` from the provider's profile (standard OIDC claims)."""
        return {
            "name": profile.get("name") or profile.get("preferred_username") or profile.get("nickname"),
            "email": profile.get("email"),
            "image": profile.get("picture"),
            "emailVerified": string_bool(profile.get("email_verified")) or False,
        }

    async def to_user_info(self, profile: dict[str, Any], tokens: OAuth2Tokens | None, *, user: Any = None) -> UserInfo | None:
        subject = self.account_subject(profile)
        if subject is None or isinstance(subject, bool):
            return None
        subject = str(subject)
        if not subject.strip() or subject in ("undefined", "null"):
            return None
        mapped = self.map_profile(profile, user)
        extra: dict[str, Any] = {}
        if self.options.map_profile_to_user is not None:
            custom = await _maybe_await(self.options.map_profile_to_user(profile))
            for key, value in dict(custom or {}).items():
                if key in ("name", "email", "image", "emailVerified"):
                    mapped[key] = value
                elif key != "id":
                    extra[key] = value
        email = mapped.get("email")
        return UserInfo(
            id=subject,
            email=email.lower() if isinstance(email, str) and email else None,
            name=mapped.get("name") if isinstance(mapped.get("name"), str) else None,
            image=mapped.get("image") if isinstance(mapped.get("image"), str) else None,
            email_verified=string_bool(mapped.get("emailVerified")) or False,
            data=profile,
            fields=extra,
        )


class OIDCProvider(OAuthProvider):
    """A generic OpenID Connect provider configured by discovery (or by explicit endpoints).

    Discovery runs on first use and is cached; a failed attempt is retried on the next request. The document's
    ``issuer`` must equal the configured ``issuer`` when one is given (OIDC Discovery §4.3), and its signing
    algorithms are intersected with the asymmetric ones tessera verifies.
    """

    name: ClassVar[str] = "OpenID Connect"
    default_scopes: tuple[str, ...] = ("openid", "email", "profile")
    #: without discovery, both endpoints must be configured (generic OAuth defers that to the request)
    requires_static_endpoints: ClassVar[bool] = True
    #: sent with the discovery request (some providers want a client header there)
    discovery_headers: Mapping[str, str] = {}

    def __init__(self, provider_id: str, options: ProviderOptions, http: HTTPClient, *, clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(provider_id, options, http, clock=clock)
        if self.requires_static_endpoints and not options.discovery_url and not (
            options.authorization_endpoint and options.token_endpoint
        ):
            raise ConfigError(
                f"social_providers.{provider_id}: a generic provider needs discovery_url, or "
                "authorization_endpoint and token_endpoint"
            )
        self.oidc = not options.disable_id_token_verification
        self._discovered = options.discovery_url is None
        self._lock = asyncio.Lock()
        if self._discovered and (self.jwks is None or not self.issuer):
            self.oidc = False  # explicit endpoints without a key set: plain OAuth 2.0 with userinfo

    async def prepare(self) -> None:
        if self._discovered:
            return
        async with self._lock:
            if self._discovered:
                return
            await self._discover()
            self._discovered = True

    async def _discover(self) -> None:
        self.apply_discovery(await self.fetch_discovery())

    async def fetch_discovery(self) -> dict[str, Any]:
        """The discovery document, or ``ProviderUnavailable``."""
        url = self.options.discovery_url
        assert url is not None
        try:
            result = await self.http.get(url, dict(self.discovery_headers) or None)
        except ProviderHTTPError as exc:
            raise ProviderUnavailable(f"{self.id}: discovery failed: {exc}") from exc
        doc = result.data
        if not result.ok or not isinstance(doc, dict):
            raise ProviderUnavailable(f"{self.id}: discovery answered {result.status}")
        return doc

    def has_usable_endpoints(self) -> bool:
        """After discovery: can a flow run? (An authorization and a token endpoint.)"""
        return bool(self.authorization_endpoint and self.token_endpoint)

    def apply_discovery(self, doc: Mapping[str, Any]) -> None:
        """Take the endpoints, issuer, algorithms and key set from a discovery document; explicit options win."""
        issuer = doc.get("issuer")
        if self.options.issuer and issuer != self.options.issuer:
            raise ProviderUnavailable(f"{self.id}: discovery issuer {issuer!r} is not {self.options.issuer!r}")
        o = self.options
        self.authorization_endpoint = o.authorization_endpoint or doc.get("authorization_endpoint")
        self.token_endpoint = o.token_endpoint or doc.get("token_endpoint")
        self.userinfo_endpoint = o.userinfo_endpoint or doc.get("userinfo_endpoint")
        self.issuer = o.issuer or issuer
        if not self.has_usable_endpoints():
            raise ProviderUnavailable(f"{self.id}: discovery gave no authorization or token endpoint")
        if o.token_endpoint_auth is None and o.client_secret:
            # OIDC Discovery §3: an absent list means client_secret_basic, the one method every provider has
            methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
            if "client_secret_basic" in methods:
                self.token_endpoint_auth = "client_secret_basic"
            elif "client_secret_post" in methods:
                self.token_endpoint_auth = "client_secret_post"
        discovered_jwks = doc.get("jwks_uri")
        # a relative jwks_uri is relative to the discovery document (Better Auth resolves it the same way)
        jwks_uri = o.jwks_uri or (
            urljoin(o.discovery_url or "", discovered_jwks) if isinstance(discovered_jwks, str) else None
        )
        if not o.id_token_algorithms:
            advertised = doc.get("id_token_signing_alg_values_supported")
            if isinstance(advertised, list):
                usable = tuple(a for a in advertised if a in SUPPORTED_ALGORITHMS)
                if usable:
                    self.id_token_algorithms = usable
        if jwks_uri and self.issuer and not o.disable_id_token_verification:
            self.jwks = RemoteJWKS(jwks_uri)
            self._verifier = None
            self.oidc = True
        else:
            self.oidc = False
