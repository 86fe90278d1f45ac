"""Options of the oauth-proxy plugin: Better Auth's ``OAuthProxyOptions`` in snake_case."""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ConfigError
from ...security.origins import origin_of


@dataclass(frozen=True)
class OAuthProxyOptions:
    #: where the OAuth provider sends users back: the production server, whose callback URL is the one
    #: registered with the providers (default: ``base_url``)
    production_url: str | None = None
    #: this deployment's URL (a preview deployment); default: the request's origin when it is a configured
    #: trusted origin, else ``VERCEL_URL``/``NETLIFY_URL``/… , else ``base_url``
    current_url: str | None = None
    #: seconds the encrypted profile handed from production to this deployment stays acceptable
    max_age: int = 60
    #: the secret the handed-over data is encrypted with (default: the ``Tessera`` secret); every deployment of
    #: the proxy must share it
    secret: str | None = None

    def __post_init__(self) -> None:
        for name in ("production_url", "current_url"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or origin_of(value) is None):
                raise ConfigError(f"oauth_proxy(): {name} must be an absolute http(s) URL")
        if isinstance(self.max_age, bool) or not isinstance(self.max_age, int) or not 1 <= self.max_age <= 3600:
            raise ConfigError("oauth_proxy(): max_age must be a number of seconds between 1 and 3600")
        if self.secret is not None and (not isinstance(self.secret, str) or len(self.secret) < 32):
            raise ConfigError("oauth_proxy(): secret must be a string of at least 32 characters")
