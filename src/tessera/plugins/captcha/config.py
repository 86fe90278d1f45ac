"""Options of the captcha plugin: Better Auth's ``CaptchaOptions`` in snake_case, checked when the plugin is built."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from ...errors import ConfigError
from ..base import check_timeout, path_list

Provider = Literal["cloudflare-turnstile", "google-recaptcha", "hcaptcha", "captchafox", "vercel-botid"]

#: Better Auth's ``defaultEndpoints``
DEFAULT_ENDPOINTS: tuple[str, ...] = ("/sign-up/email", "/sign-in/email", "/request-password-reset")
#: Better Auth's ``siteVerifyMap``
SITE_VERIFY_URLS: dict[str, str] = {
    "cloudflare-turnstile": "https://challenges.cloudflare.com/turnstile/v0/siteverify",
    "google-recaptcha": "https://www.google.com/recaptcha/api/siteverify",
    "hcaptcha": "https://api.hcaptcha.com/siteverify",
    "captchafox": "https://api.captchafox.com/siteverify",
}
PROVIDERS: tuple[str, ...] = (*SITE_VERIFY_URLS, "vercel-botid")
#: Better Auth's ``CAPTCHA_VERIFY_TIMEOUT_MS``, in seconds
VERIFY_TIMEOUT = 10.0

#: ``check_bot_id(request)`` -> BotID's verdict (``{"isBot": bool, "isVerifiedBot": ..., ...}``), sync or async
CheckBotId = Callable[[Any], Mapping[str, Any] | Awaitable[Mapping[str, Any]]]
#: ``validate_request({"request": ..., "verification": ...})`` -> allow the request, sync or async
ValidateRequest = Callable[[Mapping[str, Any]], bool | Awaitable[bool]]

_OPTIONS_OF: dict[str, frozenset[str]] = {
    "min_score": frozenset({"google-recaptcha"}),
    "expected_action": frozenset({"google-recaptcha", "cloudflare-turnstile"}),
    "allowed_hostnames": frozenset({"google-recaptcha", "cloudflare-turnstile"}),
    "site_key": frozenset({"hcaptcha", "captchafox"}),
    "check_bot_id": frozenset({"vercel-botid"}),
    "validate_request": frozenset({"vercel-botid"}),
}


@dataclass(frozen=True)
class CaptchaOptions:
    provider: Provider
    #: the provider's secret (all but ``vercel-botid``); never logged
    secret_key: str | None = None
    #: paths (without the base path) to guard, exactly or with ``*`` / ``**``; ``None`` or empty: the defaults
    endpoints: Sequence[str] | None = None
    #: where siteverify requests go instead of the provider's URL (a proxy, a local fake in tests)
    site_verify_url_override: str | None = None
    #: google-recaptcha v3: the lowest score let through
    min_score: float = 0.5
    #: google-recaptcha, cloudflare-turnstile: the ``action`` the token must have been minted for
    expected_action: str | None = None
    #: google-recaptcha, cloudflare-turnstile: the hostnames the token may have been issued on
    allowed_hostnames: Sequence[str] | None = None
    #: hcaptcha, captchafox: sent as ``sitekey`` so the provider checks the token was issued for it
    site_key: str | None = None
    #: vercel-botid: the server-side BotID check for the current request
    check_bot_id: CheckBotId | None = None
    #: vercel-botid: overrides the default decision (``isBot is False``)
    validate_request: ValidateRequest | None = None
    #: seconds a provider may take before the request is answered ``500 UNKNOWN_ERROR``
    timeout: float = VERIFY_TIMEOUT

    def __post_init__(self) -> None:
        provider = self.provider
        if provider not in PROVIDERS:
            raise ConfigError(f"captcha(): provider must be one of {', '.join(PROVIDERS)}")
        for name, providers in _OPTIONS_OF.items():
            if provider not in providers and getattr(self, name) != getattr(CaptchaOptions, name, None):
                raise ConfigError(f"captcha(): {name} does not apply to the {provider} provider")
        if provider == "vercel-botid":
            if not callable(self.check_bot_id):
                raise ConfigError("captcha(): the vercel-botid provider needs check_bot_id, a function")
            if self.validate_request is not None and not callable(self.validate_request):
                raise ConfigError("captcha(): validate_request must be a function")
            if self.secret_key is not None or self.site_verify_url_override is not None:
                raise ConfigError("captcha(): the vercel-botid provider takes no secret_key or site_verify_url")
        elif not isinstance(self.secret_key, str) or not self.secret_key:
            raise ConfigError("captcha(): secret_key is required")  # Better Auth: a 500 on every guarded request
        object.__setattr__(self, "endpoints", path_list("captcha", "endpoints", self.endpoints))
        override = self.site_verify_url_override
        if override is not None:
            parts = urlsplit(override) if isinstance(override, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError("captcha(): site_verify_url_override must be an http(s) URL")
        score = self.min_score
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
            raise ConfigError("captcha(): min_score is a number from 0 to 1")
        hostnames = self.allowed_hostnames
        if hostnames is not None:
            if isinstance(hostnames, str) or not all(isinstance(h, str) and h for h in hostnames):
                raise ConfigError("captcha(): allowed_hostnames is a list of host names")
            object.__setattr__(self, "allowed_hostnames", tuple(hostnames))
        for name in ("expected_action", "site_key"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ConfigError(f"captcha(): {name} must be a non-empty string")
        check_timeout("captcha", self.timeout)

    @property
    def guarded_endpoints(self) -> tuple[str, ...]:
        return tuple(self.endpoints) if self.endpoints else DEFAULT_ENDPOINTS

    @property
    def site_verify_url(self) -> str:
        return self.site_verify_url_override or SITE_VERIFY_URLS.get(self.provider, "")
