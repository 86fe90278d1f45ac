"""The captcha plugin (Better Auth's ``captcha()``): requests to the guarded endpoints must carry a CAPTCHA token
in ``x-captcha-response``, which the provider's siteverify endpoint must accept::

    from tessera.plugins.captcha import captcha

    auth = Tessera(..., plugins=[captcha(provider="cloudflare-turnstile", secret_key="...")])

Providers: ``cloudflare-turnstile``, ``google-recaptcha`` (v2, and v3 with ``min_score``), ``hcaptcha``,
``captchafox``, and ``vercel-botid`` (a BotID check supplied by the application). The check runs before routing,
after the rate limiter (so a flood of guarded requests does not become a flood of siteverify calls):

* no token: ``400 MISSING_RESPONSE``;
* refused by the provider (or a v3 score under ``min_score``, another action, another hostname):
  ``403 VERIFICATION_FAILED``;
* the provider cannot be asked within ``timeout``: ``500 UNKNOWN_ERROR``, as in Better Auth: fail closed.

See docs/captcha.md.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

from ...context import AuthContext
from ...errors import ErrorCode
from ...http import Request, Response
from ...oauth.client import HTTPClient, HttpxClient
from ..base import ContextPlugin, plugin_from_options
from .config import DEFAULT_ENDPOINTS, PROVIDERS, SITE_VERIFY_URLS, CaptchaOptions
from .errors import UNKNOWN_ERROR, CaptchaErrorCodes
from .paths import EndpointMatcher, endpoint_path
from .verify import VERIFIERS, CaptchaUnavailable

__all__ = [
    "DEFAULT_ENDPOINTS",
    "PROVIDERS",
    "SITE_VERIFY_URLS",
    "UNKNOWN_ERROR",
    "CaptchaErrorCodes",
    "CaptchaOptions",
    "CaptchaPlugin",
    "captcha",
]

logger = logging.getLogger("tessera")

#: the request header carrying the widget's token
RESPONSE_HEADER = "x-captcha-response"


def _refusal(code: ErrorCode, status: int) -> Response:
    return Response.json({"message": code.message, "code": str(code)}, status)


class CaptchaPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(CaptchaPlugin).options`` is its ``CaptchaOptions``."""

    options: CaptchaOptions

    def __init__(self, options: CaptchaOptions, http: HTTPClient | None = None) -> None:
        self.matcher = EndpointMatcher(options.guarded_endpoints)
        self.http = http or HttpxClient(options.timeout, purpose="the captcha plugin")
        super().__init__(
            id="captcha",
            error_codes=CaptchaErrorCodes,
            init=self._init,
            on_request=self._guard,
            shutdown=self._close,
            options=options,
        )

    async def _close(self, context: AuthContext) -> None:
        close = getattr(self.http, "aclose", None)
        if close is not None:
            await close()

    async def _guard(self, request: Request, context: AuthContext) -> Response | None:
        if not self.matcher.matches(endpoint_path(request.path, context.base_path)):
            return None
        try:
            passed = await asyncio.wait_for(self._verify(request, context), self.options.timeout)
        except _Missing:
            return _refusal(CaptchaErrorCodes.MISSING_RESPONSE, 400)
        except (CaptchaUnavailable, TimeoutError) as exc:
            reason = str(exc) or f"no answer within {self.options.timeout} s"
            logger.error("captcha: the %s verification could not be made (%s)", self.options.provider, reason)
            return _refusal(UNKNOWN_ERROR, 500)
        return None if passed else _refusal(CaptchaErrorCodes.VERIFICATION_FAILED, 403)

    async def _verify(self, request: Request, context: AuthContext) -> bool:
        options = self.options
        if options.provider == "vercel-botid":
            return await self._bot_id(request)
        token = request.headers.get(RESPONSE_HEADER)
        if not token:
            raise _Missing
        remote_ip = context.plugin_state["client_ip"].of(request)
        return await VERIFIERS[options.provider](self.http, options, token, remote_ip)

    async def _bot_id(self, request: Request) -> bool:
        check, validate = self.options.check_bot_id, self.options.validate_request
        assert check is not None
        try:
            verification = check(request)
            if inspect.isawaitable(verification):
                verification = await verification
            if validate is not None:
                allowed = validate({"request": request, "verification": verification})
                if inspect.isawaitable(allowed):
                    allowed = await allowed
                return bool(allowed)
            return verification.get("isBot") is False
        except Exception as exc:  # the application's callables: their failure is the service's
            raise CaptchaUnavailable(type(exc).__name__) from None


class _Missing(Exception):
    """No ``x-captcha-response`` header."""


def captcha(options: CaptchaOptions | None = None, /, **kwargs: Any) -> CaptchaPlugin:
    """Better Auth's ``captcha()`` plugin. Keyword arguments are ``CaptchaOptions`` fields:
    ``captcha(provider="google-recaptcha", secret_key="...", min_score=0.7, endpoints=["/sign-up/email"])``."""
    return plugin_from_options("captcha", CaptchaPlugin, CaptchaOptions, options, kwargs)
