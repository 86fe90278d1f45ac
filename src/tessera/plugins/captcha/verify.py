"""One siteverify call per provider, with the request body each one gets from Better Auth 1.7.24:

=====================  ==================================  =================================================
provider               encoding                            fields, in order
=====================  ==================================  =================================================
cloudflare-turnstile   JSON                                ``secret``, ``response``, ``remoteip``
google-recaptcha       ``application/x-www-form-urlencoded``  ``secret``, ``response``, ``remoteip``
hcaptcha               ``application/x-www-form-urlencoded``  ``secret``, ``response``, ``sitekey``, ``remoteip``
captchafox             ``application/x-www-form-urlencoded``  ``secret``, ``response``, ``sitekey``, ``remoteIp``
=====================  ==================================  =================================================

(``remoteip`` / ``sitekey`` only when known / configured.) Each answers ``True`` (let the request through) or
``False`` (``403 VERIFICATION_FAILED``), or raises ``CaptchaUnavailable`` when the provider could not be asked.
A verdict needs ``"success": true`` exactly, not merely something truthy.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ...oauth.client import HTTPClient, HTTPResult, ProviderHTTPError
from .config import CaptchaOptions

logger = logging.getLogger("tessera")


class CaptchaUnavailable(Exception):
    """The provider could not be asked: unreachable, too slow, not a 2xx, or an answer that is not JSON."""


def _verdict(result: HTTPResult) -> Mapping[str, Any]:
    data = result.data
    if not result.ok or not isinstance(data, Mapping):
        raise CaptchaUnavailable(f"status {result.status}" if not result.ok else "an answer that is not JSON")
    return data


async def _post(http: HTTPClient, url: str, fields: dict[str, str | None], *, as_json: bool) -> Mapping[str, Any]:
    sent = {k: v for k, v in fields.items() if v}
    try:
        if as_json:
            return _verdict(await http.post_json(url, sent, {"content-type": "application/json"}))
        return _verdict(await http.post_form(url, sent, {"content-type": "application/x-www-form-urlencoded"}))
    except ProviderHTTPError as exc:
        cause = exc.__cause__
        raise CaptchaUnavailable(type(cause).__name__ if cause else "a redirect") from None


def _success(data: Mapping[str, Any]) -> bool:
    return data.get("success") is True


def _mismatch(options: CaptchaOptions, data: Mapping[str, Any]) -> str | None:
    """Why the verdict is refused for its action or hostname (``None``: it is not). A verdict without a
    hostname is refused when ``allowed_hostnames`` is set, by both providers that have the option."""
    if options.expected_action and data.get("action") != options.expected_action:
        return "action_mismatch"
    if options.allowed_hostnames and data.get("hostname") not in options.allowed_hostnames:
        return "hostname_mismatch"
    return None


async def cloudflare_turnstile(
    http: HTTPClient, options: CaptchaOptions, token: str, remote_ip: str | None
) -> bool:
    data = await _post(
        http, options.site_verify_url,
        {"secret": options.secret_key, "response": token, "remoteip": remote_ip}, as_json=True,
    )
    reason = "siteverify_rejected" if not _success(data) else _mismatch(options, data)
    if reason is not None:
        codes = data.get("error-codes")
        logger.warning(
            "captcha: Cloudflare Turnstile verification failed (%s%s)", reason,
            f", error codes {codes!r}" if reason == "siteverify_rejected" and isinstance(codes, list) else "",
        )
        return False
    return True


async def google_recaptcha(http: HTTPClient, options: CaptchaOptions, token: str, remote_ip: str | None) -> bool:
    data = await _post(
        http, options.site_verify_url,
        {"secret": options.secret_key, "response": token, "remoteip": remote_ip}, as_json=False,
    )
    if not _success(data):
        return False
    score = data.get("score")
    # v3 answers a score; v2 does not. ``not score >= min`` also refuses a NaN score
    if isinstance(score, int | float) and not isinstance(score, bool) and not score >= options.min_score:
        return False
    return _mismatch(options, data) is None


async def hcaptcha(http: HTTPClient, options: CaptchaOptions, token: str, remote_ip: str | None) -> bool:
    fields = {"secret": options.secret_key, "response": token, "sitekey": options.site_key, "remoteip": remote_ip}
    return _success(await _post(http, options.site_verify_url, fields, as_json=False))


async def captchafox(http: HTTPClient, options: CaptchaOptions, token: str, remote_ip: str | None) -> bool:
    fields = {"secret": options.secret_key, "response": token, "sitekey": options.site_key, "remoteIp": remote_ip}
    return _success(await _post(http, options.site_verify_url, fields, as_json=False))


VERIFIERS = {
    "cloudflare-turnstile": cloudflare_turnstile,
    "google-recaptcha": google_recaptcha,
    "hcaptcha": hcaptcha,
    "captchafox": captchafox,
}
