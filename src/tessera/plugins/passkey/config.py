"""Options of the passkey plugin: ``@better-auth/passkey``'s ``PasskeyOptions`` in snake_case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ...errors import ConfigError

UserVerification = Literal["required", "preferred", "discouraged"]

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

    def __post_init__(self) -> None:
        if isinstance(self.advanced, Mapping):
            snake = {_camel_to_snake(k): v for k, v in self.advanced.items()}
            try:
                object.__setattr__(self, "advanced", PasskeyAdvanced(**snake))
            except TypeError as exc:
                raise ConfigError(f"passkey(): advanced: {exc}") from None
        elif not isinstance(self.advanced, PasskeyAdvanced):
            raise ConfigError("passkey(): advanced must be a PasskeyAdvanced or a mapping")
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
