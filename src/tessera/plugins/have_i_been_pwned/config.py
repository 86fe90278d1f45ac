"""Options of the have-i-been-pwned plugin: Better Auth's ``HaveIBeenPwnedOptions`` in snake_case, and where the
range query goes (tessera's: the endpoint, a time bound, and what an outage means)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ...errors import ConfigError
from ..base import check_timeout, path_list

#: Better Auth 1.7.24's default ``paths``, plus ``/set-password`` (see docs/have-i-been-pwned.md)
DEFAULT_PATHS: tuple[str, ...] = (
    "/sign-up/email",
    "/change-password",
    "/reset-password",
    "/email-otp/reset-password",
    "/phone-number/reset-password",
    "/admin/create-user",
    "/admin/set-user-password",
    "/set-password",
)
#: the range API; the first five hex digits of the password's SHA-1 are appended
DEFAULT_API_URL = "https://api.pwnedpasswords.com/range/"


@dataclass(frozen=True)
class HaveIBeenPwnedOptions:
    #: endpoint paths (as routed, without the base path) whose new password is checked; ``None``: ``DEFAULT_PATHS``
    paths: Sequence[str] | None = None
    #: ``False`` checks nothing (Better Auth's ``enabled``)
    enabled: bool = True
    #: the message of the ``PASSWORD_COMPROMISED`` answer (Better Auth's ``customPasswordCompromisedMessage``)
    custom_password_compromised_message: str | None = None
    #: where the range query goes: ``<api_url><first five hex digits>``; a local fake in tests
    api_url: str = DEFAULT_API_URL
    #: seconds the whole range query may take (connect, send, read) before the service counts as unavailable
    timeout: float = 5.0
    #: when the service cannot be asked: ``False`` (the default, as Better Auth) refuses the password change
    #: with ``503 PASSWORD_CHECK_UNAVAILABLE``; ``True`` lets it through unchecked and logs a warning
    fail_open: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "paths", path_list("have_i_been_pwned", "paths", self.paths))
        message = self.custom_password_compromised_message
        if message is not None and (not isinstance(message, str) or not message):
            raise ConfigError("have_i_been_pwned(): custom_password_compromised_message must be a non-empty string")
        parts = urlsplit(self.api_url) if isinstance(self.api_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ConfigError("have_i_been_pwned(): api_url must be an http(s) URL without a query")
        check_timeout("have_i_been_pwned", self.timeout)

    @property
    def checked_paths(self) -> frozenset[str]:
        return frozenset(DEFAULT_PATHS if self.paths is None else self.paths)
