"""Options of the passkey plugin: ``@better-auth/passkey``'s ``PasskeyOptions`` in snake_case."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar

from ...errors import ConfigError

UserVerification = Literal["required", "preferred", "discouraged"]

#: ``resolve_user(ctx=, context=)`` -> ``{"id", "name", "display_name"?}``, sync or async (``context`` is the
#: ``context`` query of generate-register-options, or ``None``)
ResolveUser = Callable[..., Any]
#: registration: ``after_verification(ctx=, verification=, user=, client_data=, context=)`` -> ``None`` or
#: ``{"user_id"?, "name"?}``; authentication: ``after_verification(ctx=, verification=, client_data=)``.
#: Sync or async; an ``APIError`` raised refuses the ceremony with it
AfterVerification = Callable[..., Any]
#: WebAuthn extension inputs (``{"credProps": True, "prf": {...}}``), or ``fn(ctx=)`` returning them
Extensions = Mapping[str, Any] | Callable[..., Any]

#: ``AuthenticatorSelectionCriteria`` members and the values WebAuthn allows for each
_SELECTION: dict[str, tuple[Any, ...]] = {
    "authenticatorAttachment": ("platform", "cross-platform"),
    "residentKey": ("required", "preferred", "discouraged"),
    "requireResidentKey": (True, False),
    "userVerification": ("required", "preferred", "discouraged"),
}
_SNAKE = {
    "authenticator_attachment": "authenticatorAttachment",
    "resident_key": "residentKey",
    "require_resident_key": "requireResidentKey",
    "user_verification": "userVerification",
}


@dataclass(frozen=True)
class PasskeyAdvanced:
    """``advanced``: the challenge cookie's key (its name is ``<cookie prefix>.<key>``)."""

    web_authn_challenge_cookie: str = "better-auth-passkey"


@dataclass(frozen=True)
class PasskeyRegistration:
    """``registration``: who may register a passkey, and what happens once its attestation verifies."""

    #: ``False`` allows registration without a session (passkey-first sign-up, through ``resolve_user``)
    require_session: bool = True
    #: without a session: the user the passkey is for. Give an id no user has yet and create the user in
    #: ``after_verification``: without a session a passkey is only ever attached to a user created there
    resolve_user: ResolveUser | None = None
    #: runs once the attestation verifies, before the passkey is stored; may create the user and return its id
    after_verification: AfterVerification | None = None
    extensions: Extensions | None = None

    def __post_init__(self) -> None:
        _check_callbacks(self, "registration", ("resolve_user", "after_verification"))
        if not isinstance(self.require_session, bool):
            raise ConfigError("passkey(): registration.require_session must be True or False")


@dataclass(frozen=True)
class PasskeyAuthentication:
    """``authentication``: extensions asked of the authenticator, and a callback once an assertion verifies."""

    extensions: Extensions | None = None
    #: runs once the assertion verifies, before the counter moves and the session is issued
    after_verification: AfterVerification | None = None

    def __post_init__(self) -> None:
        _check_callbacks(self, "authentication", ("after_verification",))


@dataclass(frozen=True)
class PasskeyOptions:
    #: the relying party id: a registrable domain the page's origin belongs to (default: ``base_url``'s host,
    #: else ``localhost``)
    rp_id: str | None = None
    #: the name authenticators show (default: the app name)
    rp_name: str | None = None
    #: the origin(s) the browser must report in ``clientDataJSON``, without a trailing ``/``. Without it, the
    #: request's ``Origin`` header is used, and only when it is a trusted origin of the app
    origin: str | Sequence[str] | None = None
    #: ``AuthenticatorSelectionCriteria`` for registration (camelCase or snake_case keys), merged over
    #: ``{"residentKey": "preferred", "userVerification": "preferred"}``. ``userVerification: "required"``
    #: also makes both ceremonies refuse an authenticator that did not verify the user
    authenticator_selection: Mapping[str, Any] = field(default_factory=dict)
    advanced: PasskeyAdvanced = field(default_factory=PasskeyAdvanced)
    #: seconds a ceremony's challenge (and its cookie) stays valid
    challenge_max_age: int = 300
    #: milliseconds the browser is given for a ceremony (``timeout`` in the options)
    timeout: int = 60000
    #: the ``passkey`` table's name in the database
    passkey_table: str | None = None
    registration: PasskeyRegistration = field(default_factory=PasskeyRegistration)
    authentication: PasskeyAuthentication = field(default_factory=PasskeyAuthentication)

    def __post_init__(self) -> None:
        for name, kind in (("advanced", PasskeyAdvanced), ("registration", PasskeyRegistration),
                           ("authentication", PasskeyAuthentication)):
            object.__setattr__(self, name, _section(name, kind, getattr(self, name)))
        if not self.advanced.web_authn_challenge_cookie:
            raise ConfigError("passkey(): advanced.web_authn_challenge_cookie must not be empty")
        selection: dict[str, Any] = {}
        for key, value in dict(self.authenticator_selection).items():
            name = _SNAKE.get(key, key)
            if name not in _SELECTION:
                raise ConfigError(f"passkey(): authenticator_selection: unknown key {key!r}")
            if value not in _SELECTION[name]:
                raise ConfigError(f"passkey(): authenticator_selection.{key} must be one of {_SELECTION[name]}")
            selection[name] = value
        object.__setattr__(self, "authenticator_selection", selection)
        origins = [self.origin] if isinstance(self.origin, str) else list(self.origin or ())
        if any(not isinstance(o, str) or not o or o.endswith("/") for o in origins):
            raise ConfigError("passkey(): origin must be origins like 'https://example.com' (no trailing '/')")
        if self.challenge_max_age < 1 or self.timeout < 1:
            raise ConfigError("passkey(): challenge_max_age and timeout must be positive")

    @property
    def origins(self) -> tuple[str, ...]:
        return (self.origin,) if isinstance(self.origin, str) else tuple(self.origin or ())

    @property
    def user_verification(self) -> UserVerification:
        value: UserVerification = self.authenticator_selection.get("userVerification", "preferred")
        return value

    @property
    def require_user_verification(self) -> bool:
        return self.user_verification == "required"


def _camel_to_snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


SectionT = TypeVar("SectionT")


def _section(name: str, kind: type[SectionT], value: Any) -> SectionT:
    """An options section given as its dataclass or as a mapping with camelCase or snake_case keys."""
    if isinstance(value, kind):
        return value
    if not isinstance(value, Mapping):
        raise ConfigError(f"passkey(): {name} must be a {kind.__name__} or a mapping")
    try:
        return kind(**{_camel_to_snake(k): v for k, v in value.items()})
    except TypeError as exc:
        raise ConfigError(f"passkey(): {name}: {exc}") from None


def _check_callbacks(section: Any, name: str, callbacks: tuple[str, ...]) -> None:
    for f in fields(section):
        value = getattr(section, f.name)
        if value is None:
            continue
        if f.name in callbacks and not callable(value):
            raise ConfigError(f"passkey(): {name}.{f.name} must be a function")
        if f.name == "extensions" and not (callable(value) or isinstance(value, Mapping)):
            raise ConfigError(f"passkey(): {name}.extensions must be a mapping or a function")
