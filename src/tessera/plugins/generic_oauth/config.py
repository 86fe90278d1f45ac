"""Options of the generic OAuth plugin: Better Auth's ``GenericOAuthConfig`` in snake_case.

Each entry of ``config`` describes one OAuth 2.0 / OpenID Connect provider, registered next to the social
providers under its ``provider_id``: sign in with ``POST /sign-in/social {"provider": "<provider_id>"}``, the
provider returns to ``/callback/<provider_id>``, link with ``POST /link-social``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ...config import coerce
from ...errors import ConfigError
from ...oauth.provider import OAuth2Tokens

#: ``(tokens) -> profile dict | None``, sync or async: replaces the userinfo fetch
GetUserInfo = Callable[[OAuth2Tokens], Any]
#: ``(profile) -> {name?, email?, image?, emailVerified?, <additional user fields>}``, sync or async
MapProfileToUser = Callable[[dict[str, Any]], Any]
#: ``(tokens=, profile=) -> str | int``, sync or async: the provider's stable subject for the account
AccountSubject = Callable[..., Any]
#: ``({"code", "redirectURI", "codeVerifier", "deviceId"}) -> OAuth2Tokens | token-response dict``, may be async
GetToken = Callable[[dict[str, Any]], Awaitable[Any] | Any]

@dataclass(frozen=True)
class ProfileRequest:
    """A profile API that is not OpenID Connect userinfo: ``GET url`` with the access token as
    ``Authorization: <scheme> <token>`` (none with ``scheme=None``), its JSON object mapped by ``to_profile`` onto
    a raw profile (``{id, name, email, image, emailVerified, ...}``, or ``None`` to refuse). The presets use it;
    the request goes through the plugin's HTTP client, so it never follows redirects."""

    #: the URL, or ``fn(tokens)`` building it (HubSpot puts the token in the path)
    url: str | Callable[[OAuth2Tokens], str]
    to_profile: Callable[[dict[str, Any]], dict[str, Any] | None]
    scheme: str | None = "Bearer"


_PROMPTS = ("none", "login", "create", "consent", "select_account", "select_account consent", "login consent")
_TOKEN_ENDPOINT_AUTH = ("client_secret_basic", "client_secret_post", "none")


@dataclass(frozen=True)
class GenericOAuthConfig:
    """One provider. ``discovery_url`` (OpenID Connect discovery) or the endpoints themselves."""

    provider_id: str
    client_id: str
    client_secret: str | None = None
    #: display name (default: ``provider_id``)
    name: str | None = None
    discovery_url: str | None = None
    #: refuse the provider unless discovery gives an issuer and a ``jwks_uri`` (ID tokens are then verified)
    require_id_token_verification: bool = False
    #: explicit endpoints win over discovered ones
    authorization_url: str | None = None
    token_url: str | None = None
    user_info_url: str | None = None
    #: ``client_secret_basic`` / ``client_secret_post`` / ``none`` (or ``{"method": ...}``); default from
    #: ``authentication``
    token_endpoint_auth: str | Mapping[str, Any] | None = None
    #: ``"post"`` (default) or ``"basic"``: how the client secret travels to the token endpoint
    authentication: Literal["basic", "post"] | None = None
    #: requested on top of what the client asks for; ``openid`` is added for an OpenID Connect provider
    scopes: Sequence[str] = ()
    #: overrides ``{base_url}/callback/<provider_id>``
    redirect_uri: str | None = None
    response_type: str | None = None
    response_mode: Literal["query", "form_post"] | None = None
    prompt: str | None = None
    pkce: bool = True
    access_type: str | None = None
    #: fallback lifetime (seconds) when the token response has no ``expires_in``
    access_token_expires_in: int | None = None
    get_token: GetToken | None = None
    get_user_info: GetUserInfo | None = None
    #: a profile API to call instead of userinfo (what the presets use); ``get_user_info`` wins
    profile_request: ProfileRequest | None = None
    map_profile_to_user: MapProfileToUser | None = None
    account_subject: AccountSubject | None = None
    #: OpenID Connect RP-Initiated Logout: sign-out sends the browser here (default: discovered)
    end_session_endpoint: str | None = None
    #: where the provider returns the browser after logout (absolute, or relative to the auth API's URL);
    #: sign-out's ``callbackURL`` wins
    post_logout_redirect_uri: str | None = None
    #: sign-out never involves the provider
    disable_provider_logout: bool = False
    #: extra authorization-URL parameters (never the ones the flow sets: state, PKCE, redirect_uri…)
    authorization_url_params: Mapping[str, str] = field(default_factory=dict)
    #: extra token-request parameters (never overriding the ones the flow sets)
    token_url_params: Mapping[str, str] = field(default_factory=dict)
    #: extra refresh-request parameters (``grant_type``, ``refresh_token`` and client authentication win)
    refresh_token_params: Mapping[str, str] = field(default_factory=dict)
    disable_implicit_sign_up: bool = False
    disable_sign_up: bool = False
    #: sent with the discovery request
    discovery_headers: Mapping[str, str] = field(default_factory=dict)
    #: sent with the token requests (code exchange and refresh)
    authorization_headers: Mapping[str, str] = field(default_factory=dict)
    #: copy name, image and email from the provider on every sign-in
    override_user_info: bool = False
    #: no session while the user's email is unverified (``?error=email_not_verified``)
    require_email_verification: bool = False
    #: send no ``nonce`` and accept ID tokens without one (only for providers that do not echo it)
    disable_id_token_nonce_binding: bool = False
    #: a callback with a code but no ``state`` (the provider started the flow) restarts the flow with a fresh
    #: state, instead of failing with ``state_not_found``; the provider's code is never redeemed
    allow_idp_initiated: bool = False

    def __post_init__(self) -> None:
        where = f"generic_oauth: provider {self.provider_id!r}"
        if not isinstance(self.provider_id, str) or not self.provider_id or "/" in self.provider_id:
            raise ConfigError("generic_oauth: provider_id must be a non-empty string without '/'")
        if not isinstance(self.client_id, str) or not self.client_id:
            raise ConfigError(f"{where}: client_id is required")
        if isinstance(self.scopes, str):
            raise ConfigError(f"{where}: scopes must be a list of strings")
        if self.prompt is not None and self.prompt not in _PROMPTS:
            raise ConfigError(f"{where}: prompt must be one of {', '.join(_PROMPTS)}")
        if self.authentication not in (None, "basic", "post"):
            raise ConfigError(f"{where}: authentication must be 'basic' or 'post'")
        if self.response_mode not in (None, "query", "form_post"):
            raise ConfigError(f"{where}: response_mode must be 'query' or 'form_post'")
        if self.profile_request is not None and not isinstance(self.profile_request, ProfileRequest):
            raise ConfigError(f"{where}: profile_request must be a ProfileRequest")
        for name in ("get_token", "get_user_info", "map_profile_to_user", "account_subject"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ConfigError(f"{where}: {name} must be a function")
        for name in ("authorization_url_params", "token_url_params", "refresh_token_params",
                     "discovery_headers", "authorization_headers"):
            value = getattr(self, name)
            if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise ConfigError(f"{where}: {name} must map strings to strings")
        method = self.token_auth_method
        if method == "private_key_jwt":
            raise ConfigError(f"{where}: token_endpoint_auth 'private_key_jwt' is not supported")
        if method is not None and method not in _TOKEN_ENDPOINT_AUTH:
            raise ConfigError(f"{where}: token_endpoint_auth must be one of {', '.join(_TOKEN_ENDPOINT_AUTH)}")
        # Better Auth's checks, word for word in intent: a secret and a secretless method contradict each other
        if self.client_secret and method == "none":
            raise ConfigError(f'{where}: token_endpoint_auth "none" cannot be combined with client_secret')
        if not self.client_secret and method in ("client_secret_basic", "client_secret_post"):
            raise ConfigError(f'{where}: token_endpoint_auth "{method}" requires client_secret')
        if not self.client_secret and method is None and self.authentication == "basic":
            raise ConfigError(f'{where}: authentication "basic" requires client_secret')
        if self.require_id_token_verification and not self.discovery_url:
            raise ConfigError(
                f"{where}: require_id_token_verification needs discovery_url (the issuer and jwks_uri come from it)"
            )

    @property
    def token_auth_method(self) -> str | None:
        value = self.token_endpoint_auth
        if isinstance(value, Mapping):
            method = value.get("method")
            return method if isinstance(method, str) else "?"
        return value

    @property
    def resolved_token_auth(self) -> str:
        """Better Auth's default: ``basic`` when asked, else ``post`` with a secret, else a public client."""
        method = self.token_auth_method
        if method is not None:
            return method
        if self.authentication == "basic":
            return "client_secret_basic"
        return "client_secret_post" if self.client_secret else "none"


@dataclass(frozen=True)
class GenericOAuthOptions:
    #: the providers; a dict entry is coerced into ``GenericOAuthConfig``
    config: Sequence[GenericOAuthConfig | Mapping[str, Any]] = ()

    def providers(self) -> tuple[GenericOAuthConfig, ...]:
        if isinstance(self.config, (str, Mapping)):
            raise ConfigError("generic_oauth: config must be a list of provider configurations")
        built: list[GenericOAuthConfig] = []
        for i, entry in enumerate(self.config):
            if not isinstance(entry, (GenericOAuthConfig, Mapping)):
                raise ConfigError(f"generic_oauth: config[{i}]: expected GenericOAuthConfig or dict")
            try:
                built.append(coerce(GenericOAuthConfig, entry, f"generic_oauth.config[{i}]"))
            except TypeError as exc:  # a missing required field (provider_id, client_id)
                raise ConfigError(f"generic_oauth.config[{i}]: {exc}") from None
        seen: set[str] = set()
        for c in built:
            if c.provider_id in seen:
                # Better Auth warns and lets the first win; an id that means two providers is a mistake
                raise ConfigError(f"generic_oauth: two providers have the id {c.provider_id!r}")
            seen.add(c.provider_id)
        return tuple(built)
