"""Configuration: frozen dataclasses per concern, mirroring Better Auth's options in snake_case.

Every option group accepts either its dataclass or a plain ``dict`` with the same keys; unknown keys are a
``ConfigError`` naming the key, so a typo never silently turns a security feature off.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from .crypto.keyring import Keyring
from .crypto.password import PasswordHasher, ScryptHasher
from .db.schema import Field
from .errors import ConfigError

T = TypeVar("T")
Callback = Callable[..., Awaitable[Any] | Any]

DEFAULT_SECRET = "better-auth-secret-12345678901234567890"


def coerce(cls: type[T], value: Any, name: str) -> T:
    """Build ``cls`` from an instance, ``None`` (defaults), ``True`` (``enabled=True``) or a dict."""
    if isinstance(value, cls):
        return value
    if value is None:
        return cls()
    if value is True and any(f.name == "enabled" for f in dataclasses.fields(cls)):  # type: ignore[arg-type]
        return cls(enabled=True)  # type: ignore[call-arg]
    if isinstance(value, Mapping):
        known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ConfigError(f"{name}: unknown option(s) {', '.join(unknown)}; known: {', '.join(known)}")
        kwargs = {}
        for key, item in value.items():
            nested = _NESTED.get((cls.__name__, key))
            kwargs[key] = coerce(nested, item, f"{name}.{key}") if nested else item
        return cls(**kwargs)
    raise ConfigError(f"{name}: expected {cls.__name__} or dict, got {type(value).__name__}")


@dataclass(frozen=True)
class EmailAndPasswordConfig:
    enabled: bool = False
    disable_sign_up: bool = False
    require_email_verification: bool = False
    min_password_length: int = 8
    max_password_length: int = 128
    auto_sign_in: bool = True
    #: ``async (user, url, token, request)``: mail the reset link
    send_reset_password: Callback | None = None
    reset_password_token_expires_in: int = 3600
    revoke_sessions_on_password_reset: bool = False
    on_password_reset: Callback | None = None
    #: called instead of revealing that an email is taken (when sign-up answers generically)
    on_existing_user_sign_up: Callback | None = None
    #: ``(core_fields, additional_fields, id) -> dict``: the made-up user answered for a taken address (Better
    #: Auth's ``customSyntheticUser``). Schema defaults are applied without it; values a database hook sets on a
    #: real sign-up (the admin plugin's ``role``) are not, and would tell a taken address apart — return them here
    custom_synthetic_user: Callback | None = None
    password: PasswordHasher = field(default_factory=ScryptHasher)


@dataclass(frozen=True)
class EmailVerificationConfig:
    #: ``async (user, url, token, request)``
    send_verification_email: Callback | None = None
    send_on_sign_up: bool | None = None
    send_on_sign_in: bool = False
    auto_sign_in_after_verification: bool = False
    expires_in: int = 3600
    before_email_verification: Callback | None = None
    after_email_verification: Callback | None = None


@dataclass(frozen=True)
class ChangeEmailConfig:
    enabled: bool = False
    update_email_without_verification: bool = False
    #: ``async (user, new_email, url, token, request)``: confirmation mail to the current address
    send_change_email_confirmation: Callback | None = None


@dataclass(frozen=True)
class DeleteUserConfig:
    enabled: bool = False
    #: ``async (user, url, token, request)``: when set, deletion needs the mailed link
    send_delete_account_verification: Callback | None = None
    before_delete: Callback | None = None
    after_delete: Callback | None = None
    delete_token_expires_in: int = 86400


@dataclass(frozen=True)
class UserConfig:
    additional_fields: Sequence[Field] = ()
    change_email: ChangeEmailConfig = field(default_factory=ChangeEmailConfig)
    delete_user: DeleteUserConfig = field(default_factory=DeleteUserConfig)
    model_name: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CookieCacheConfig:
    enabled: bool = False
    max_age: int = 300
    strategy: Literal["compact", "jwt", "jwe"] = "compact"
    version: str | Callable[..., Any] = "1"
    #: re-issue the cache cookie when less than this many seconds remain (default: a fifth of ``max_age``)
    refresh_before: int | None = None


@dataclass(frozen=True)
class SessionConfig:
    expires_in: int = 604800
    update_age: int = 86400
    fresh_age: int = 86400
    disable_session_refresh: bool = False
    defer_session_refresh: bool = False
    store_session_in_database: bool = False
    preserve_session_in_database: bool = False
    cookie_cache: CookieCacheConfig = field(default_factory=CookieCacheConfig)
    additional_fields: Sequence[Field] = ()
    model_name: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountConfig:
    encrypt_oauth_tokens: bool = False
    update_account_on_sign_in: bool = True
    account_linking: Mapping[str, Any] = field(default_factory=dict)
    model_name: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VerificationConfig:
    model_name: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    store_in_database: bool = False
    disable_cleanup: bool = False


@dataclass(frozen=True)
class RateLimitRule:
    window: int
    max: int


@dataclass(frozen=True)
class RateLimitConfig:
    #: ``None``: on in production, off otherwise (Better Auth's default)
    enabled: bool | None = None
    window: int = 10
    max: int = 100
    #: path (or ``/prefix/*``) to a rule, or ``False`` to exempt the path
    custom_rules: Mapping[str, RateLimitRule | Mapping[str, int] | Literal[False]] = field(default_factory=dict)
    storage: Literal["memory", "database", "secondary-storage"] | None = None
    model_name: str = "rateLimit"
    #: count requests governed only by the default rule in this process, even with a shared ``storage``, so a
    #: session read costs no round trip (the flood guard is then per instance); special, plugin and custom
    #: rules always use ``storage``
    local_default_rule: bool = True
    #: sign-in attempts per account (the address tried, registered or not) per window, whatever the client's
    #: address, e.g. ``{"window": 3600, "max": 100}``: caps a guesser spread over many addresses (NIST SP
    #: 800-63B-4 §3.2.2 allows at most 100 consecutive failures per account). Off by default, as in Better Auth:
    #: anyone can then spend an account's window and hold off its password sign-ins (not its reset or social
    #: sign-in) until the window ends — the lockout trade-off ASVS v5.0.0-6.1.1 asks you to choose knowingly
    account_sign_in: RateLimitRule | Mapping[str, int] | Literal[False] = False


@dataclass(frozen=True)
class IPAddressConfig:
    ip_address_headers: Sequence[str] = ("x-forwarded-for",)
    disable_ip_tracking: bool = False
    #: proxies (IPs or CIDRs) whose forwarding headers are believed; without any, a multi-hop
    #: ``X-Forwarded-For`` is not trusted at all
    trusted_proxies: Sequence[str] = ()
    ipv6_subnet: int = 64


@dataclass(frozen=True)
class CrossSubDomainCookies:
    enabled: bool = False
    domain: str | None = None


@dataclass(frozen=True)
class DatabaseOptions:
    #: ``None`` (32-char alphanumeric ids), ``"uuid"``, or a callable ``(model) -> str``
    generate_id: Literal["uuid"] | Callable[[str], str] | None = None
    default_find_many_limit: int = 100


@dataclass(frozen=True)
class BackgroundTasks:
    #: ``handler(awaitable)``: hand work to the application's own runner (a task queue, ``waitUntil``)
    handler: Callable[[Awaitable[Any]], Any] | None = None


@dataclass(frozen=True)
class AdvancedConfig:
    cookie_prefix: str = "better-auth"
    use_secure_cookies: bool | None = None
    default_cookie_attributes: Mapping[str, Any] = field(default_factory=dict)
    cookies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    cross_sub_domain_cookies: CrossSubDomainCookies = field(default_factory=CrossSubDomainCookies)
    disable_csrf_check: bool = False
    disable_origin_check: bool | Sequence[str] = False
    ip_address: IPAddressConfig = field(default_factory=IPAddressConfig)
    database: DatabaseOptions = field(default_factory=DatabaseOptions)
    background_tasks: BackgroundTasks = field(default_factory=BackgroundTasks)
    #: largest request body accepted, in bytes
    max_body_size: int = 1024 * 1024
    skip_trailing_slashes: bool = False


@dataclass(frozen=True)
class OnAPIErrorConfig:
    """Better Auth's ``onAPIError``: where browser flows that fail are sent."""

    #: replaces the built-in ``<base_url><base_path>/error`` page for OAuth callback failures, and the page
    #: itself redirects here; ``?error=<code>`` (and ``error_description``) is appended. A root-relative path
    #: or a URL on a trusted origin (checked when ``Tessera`` is built, against the static trusted origins).
    error_url: str | None = None


_NESTED: dict[tuple[str, str], type] = {
    ("UserConfig", "change_email"): ChangeEmailConfig,
    ("UserConfig", "delete_user"): DeleteUserConfig,
    ("SessionConfig", "cookie_cache"): CookieCacheConfig,
    ("AdvancedConfig", "cross_sub_domain_cookies"): CrossSubDomainCookies,
    ("AdvancedConfig", "ip_address"): IPAddressConfig,
    ("AdvancedConfig", "database"): DatabaseOptions,
    ("AdvancedConfig", "background_tasks"): BackgroundTasks,
}


def is_production(explicit: bool | None = None) -> bool:
    if explicit is not None:
        return explicit
    env = os.environ.get("TESSERA_ENV") or os.environ.get("NODE_ENV") or ""
    return env.lower() == "production"


def _env_secret() -> str | None:
    return os.environ.get("TESSERA_SECRET") or os.environ.get("BETTER_AUTH_SECRET") or os.environ.get("AUTH_SECRET")


def _check_strength(value: str, production: bool, what: str, stacklevel: int) -> None:
    if value == DEFAULT_SECRET and production:
        raise ConfigError(f"the default development secret cannot be used in production ({what})")
    if len(value) < 32:
        message = f"{what} is shorter than 32 characters; generate one with `tessera secret`"
        if production:
            raise ConfigError(message)
        warnings.warn(message, stacklevel=stacklevel)


def resolve_secret(secret: str | None, production: bool, *, stacklevel: int = 3) -> str:
    """Option, then ``TESSERA_SECRET``/``BETTER_AUTH_SECRET``/``AUTH_SECRET``; weak secrets fail in production.

    ``stacklevel``: where warnings point (3: the caller of the function that called this one)."""
    value = secret or _env_secret()
    if not value:
        if production:
            raise ConfigError(
                "no secret configured: pass secret=... or set TESSERA_SECRET (generate one with `tessera secret`)"
            )
        warnings.warn(
            "tessera is using the default development secret; set TESSERA_SECRET before deploying",
            stacklevel=stacklevel,
        )
        return DEFAULT_SECRET
    _check_strength(value, production, "the secret", stacklevel + 1)
    return value


#: ``[{"version": 2, "value": "…"}, …]`` (Better Auth's shape) or ``[(2, "…"), …]``, the current secret first
SecretsOption = Sequence[Mapping[str, Any] | tuple[int, str]]


def parse_secrets_env(value: str, name: str = "TESSERA_SECRETS") -> list[tuple[int, str]]:
    """``"2:new,1:old"`` → ``[(2, "new"), (1, "old")]`` (Better Auth's ``parseSecretsEnv``)."""
    entries = []
    for position, entry in enumerate(value.split(","), 1):
        head, sep, secret = entry.strip().partition(":")
        if not sep:
            raise ConfigError(f'{name}: entry {position} is not "<version>:<secret>"')
        if not head.strip().isdigit():
            raise ConfigError(f"{name}: entry {position} has version {head!r}; versions are non-negative integers")
        entries.append((int(head), secret.strip()))
    return entries


def _secret_entries(secrets: SecretsOption) -> list[tuple[int, str]]:
    if isinstance(secrets, (str, bytes)) or not isinstance(secrets, Sequence):
        raise ConfigError('secrets: expected a list like [{"version": 2, "value": "..."}, ...]')
    entries = []
    for item in secrets:
        if isinstance(item, Mapping):
            unknown = sorted(set(item) - {"version", "value"})
            if unknown:
                raise ConfigError(f"secrets: unknown key(s) {', '.join(unknown)}; known: version, value")
            version, value = item.get("version"), item.get("value")
        elif isinstance(item, tuple) and len(item) == 2:
            version, value = item
        else:
            raise ConfigError(f"secrets: expected {{version, value}} or (version, value), got {item!r}")
        if isinstance(version, str) and version.strip().isdigit():
            version = int(version)  # Better Auth accepts "2" as well as 2
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise ConfigError(f"secrets: version {version!r} is not a non-negative integer")
        if not isinstance(value, str):
            raise ConfigError(f"secrets: the value of version {version} must be a string")
        entries.append((version, value))
    return entries


def resolve_secrets(secret: str | None, secrets: SecretsOption | None, production: bool) -> Keyring:
    """The deployment's keyring: ``secrets`` (or ``TESSERA_SECRETS``/``BETTER_AUTH_SECRETS``) when given,
    otherwise the single ``secret`` (``resolve_secret``).

    With versioned secrets the first is current: it signs cookies and encrypts; every version decrypts the
    envelopes that name it. ``secret``/``TESSERA_SECRET``/``BETTER_AUTH_SECRET``, when also set, is the legacy
    secret that reads bare-hex payloads written before the switch (Better Auth ignores its default
    development secret there, and so do we). The current secret follows the same strength rules as
    ``secret``; older versions only read existing data and are not judged.
    """
    if secrets is not None:
        entries = _secret_entries(secrets)
    else:
        env_name = "TESSERA_SECRETS" if os.environ.get("TESSERA_SECRETS") else "BETTER_AUTH_SECRETS"
        env_value = os.environ.get(env_name)
        if not env_value:
            return Keyring.single(resolve_secret(secret, production, stacklevel=4))
        entries = parse_secrets_env(env_value, env_name)
    if not entries:
        raise ConfigError("secrets: the list must contain at least one {version, value}")
    seen: set[int] = set()
    for version, value in entries:
        if not value:
            raise ConfigError(f"secrets: the value of version {version} is empty")
        if version in seen:
            raise ConfigError(f"secrets: version {version} appears twice; each version must be unique")
        seen.add(version)
    current_version, current = entries[0]
    _check_strength(current, production, f"the current secret (version {current_version})", 4)
    legacy = secret or _env_secret()
    return Keyring.versioned(entries, legacy=legacy if legacy and legacy != DEFAULT_SECRET else None)
