"""Trusted origins, the CSRF origin check and callback-URL validation — one validator for every sink.

Rules (Better Auth 1.7 with its advisories fixed):

* A relative callback is accepted only when it is root-relative with a single leading ``/``, holds no
  backslash, no control or whitespace characters, no encoded ``/`` or ``\\`` (``%2F``, ``%5C``), no fragment,
  and still resolves to the same origin. ``//evil.com`` and ``/\\evil.com`` are rejected (CVE-2025-27143).
* An absolute URL is accepted when its origin equals a trusted origin exactly, or matches a wildcard pattern.
  Host wildcards match whole labels only: ``*.example.com`` matches ``a.example.com`` but never
  ``evilexample.com`` or ``example.com.evil.net`` (CVE-2025-71403).
* Custom schemes (``myapp://``) compare scheme, authority and an optional path prefix.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from urllib.parse import urlsplit

from ..errors import APIError, BaseErrorCodes, ErrorCode
from ..http import Request

_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_ENCODED_SLASH = re.compile(r"%(2f|5c)", re.IGNORECASE)
_ENCODED_DOT = re.compile(r"%2e", re.IGNORECASE)
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

OriginSource = Sequence[str] | Callable[[Request | None], Iterable[str]]


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` in lower case, or ``None`` when ``url`` is not absolute."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def is_safe_relative(url: str) -> bool:
    if not url.startswith("/") or url.startswith("//"):
        return False
    if "\\" in url or _CONTROL.search(url) or "#" in url:
        return False
    path = url.split("?", 1)[0]
    if _ENCODED_SLASH.search(path) or _without_dot_segments(path).startswith("//"):
        return False
    parts = urlsplit("http://placeholder.invalid" + url)
    return parts.netloc == "placeholder.invalid"


def _without_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal, ``%2e`` counting as ``.`` as browsers count it.

    ``/.//evil.com`` and ``/x/..//evil.com`` become ``//evil.com``: same-origin for a conforming resolver, a
    scheme-relative redirect for any code that normalises the path and then uses it (PR #10979's ambiguity).
    """
    out: list[str] = []
    for segment in path.split("/")[1:]:
        plain = _ENCODED_DOT.sub(".", segment)
        if plain == "..":
            if out:
                out.pop()
        elif plain != ".":
            out.append(segment)
    return "/" + "/".join(out)


@lru_cache(maxsize=256)
def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(r"[^./:@]*" if "." in pattern else r"[^/:@]*")
        elif ch == "?":
            out.append(r"[^./:@]")
        else:
            out.append(re.escape(ch))
    return re.compile("^" + "".join(out) + "$", re.IGNORECASE)


def matches_pattern(url: str, pattern: str) -> bool:
    """Does absolute ``url`` match trusted origin ``pattern`` (exact origin, host wildcard or custom scheme)?"""
    if _CONTROL.search(url) or "\\" in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if not parts.scheme or not parts.netloc or "@" in parts.netloc:
        return False
    scheme = parts.scheme.lower()
    has_wildcard = "*" in pattern or "?" in pattern
    if scheme not in ("http", "https"):
        # custom scheme: scheme + authority (+ optional path prefix)
        p = urlsplit(pattern)
        if p.scheme.lower() != scheme:
            return False
        if not p.netloc:
            return True  # "myapp://" trusts every target of the app's own scheme
        if has_wildcard:
            return bool(_wildcard_regex(p.netloc).match(parts.netloc))
        if p.netloc.lower() != parts.netloc.lower():
            return False
        prefix = p.path.rstrip("/")
        normalised = os.path.normpath(parts.path or "/")
        return not prefix or normalised == prefix or normalised.startswith(prefix + "/")
    origin = f"{scheme}://{parts.netloc.lower()}"
    if not has_wildcard:
        return origin == (origin_of(pattern) or pattern.rstrip("/").lower())
    if "://" in pattern:
        p_scheme, _, p_host = pattern.partition("://")
        if p_scheme.lower() != scheme:
            return False
        return bool(_wildcard_regex(p_host.rstrip("/")).match(parts.netloc))
    host = parts.hostname or ""
    if re.fullmatch(r"[\d*?.]+", pattern) and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", host):
        return False
    return bool(_wildcard_regex(pattern).match(host))


class TrustedOrigins:
    """The base URL's origin, configured origins (a list or a per-request function) and the environment."""

    def __init__(self, base_url: str | None, configured: OriginSource | None) -> None:
        static: list[str] = []
        if base_url and (o := origin_of(base_url)):
            static.append(o)
        self._dynamic: Callable[[Request | None], Iterable[str]] | None = None
        if callable(configured):
            self._dynamic = configured
        elif configured:
            static.extend(configured)
        env = os.environ.get("TESSERA_TRUSTED_ORIGINS") or os.environ.get("BETTER_AUTH_TRUSTED_ORIGINS")
        if env:
            static.extend(o.strip() for o in env.split(",") if o.strip())
        self.static: tuple[str, ...] = tuple(dict.fromkeys(static))
        self.has_base_url = bool(base_url)

    def for_request(self, request: Request | None) -> tuple[str, ...]:
        origins = self.configured(request)
        if not self.has_base_url and request is not None:
            origins = (request.origin.lower(), *origins)
        return origins

    def configured(self, request: Request | None) -> tuple[str, ...]:
        """The origins the deployment named (base URL, list, function, environment), never the request's own."""
        if self._dynamic is None:
            return self.static
        return (*self.static, *self._dynamic(request))

    def request_base_url(self, request: Request, *, production: bool) -> str:
        """The origin a request was addressed to, when no ``base_url`` is configured — if it may be trusted.

        Without a configured base URL, links that carry secrets (password reset, email verification, change-email,
        delete-user) and JWT ``iss``/``aud`` are built from the request's ``Host`` header, which the client
        chooses. Trusting it lets anyone have a victim's reset link point at their own host and read the token
        from the click (the Convex adapter's GHSA-pgx2-m66h-x29f / GHSA-9qq3-v9g3-cxhw). So the request's origin
        is used only when it is a configured trusted origin, or a loopback host outside production (local
        development); anything else is refused: configure ``base_url``.
        """
        origin = request.origin.lower()
        if any(matches_pattern(origin, p) for p in self.configured(request)):
            return origin
        # local development; ``matches_pattern(origin, origin)``: well-formed, so its hostname can be read
        if not production and matches_pattern(origin, origin) and urlsplit(origin).hostname in _LOOPBACK_HOSTS:
            return origin
        raise APIError(
            403, BaseErrorCodes.INVALID_ORIGIN,
            "The request's host is not a trusted origin; configure base_url (or trusted_origins)",
        )

    def is_trusted(self, url: str, request: Request | None, *, allow_relative: bool = True) -> bool:
        if allow_relative and url.startswith("/"):
            return is_safe_relative(url)
        return any(matches_pattern(url, p) for p in self.for_request(request))


CALLBACK_FIELDS: tuple[tuple[str, ErrorCode], ...] = (
    ("callbackURL", BaseErrorCodes.INVALID_CALLBACK_URL),
    ("redirectTo", BaseErrorCodes.INVALID_REDIRECT_URL),
    ("errorCallbackURL", BaseErrorCodes.INVALID_ERROR_CALLBACK_URL),
    ("newUserCallbackURL", BaseErrorCodes.INVALID_NEW_USER_CALLBACK_URL),
)


def check_callback_urls(trusted: TrustedOrigins, request: Request | None, values: dict[str, object]) -> None:
    """403 ``INVALID_*`` when a redirect target is neither a safe relative path nor a trusted origin."""
    for key, code in CALLBACK_FIELDS:
        value = values.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise APIError(400, code, code.message)
        if not trusted.is_trusted(value, request):
            raise APIError(403, code, code.message)


def request_origin(request: Request) -> str | None:
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin
    referer = request.headers.get("referer")
    if referer:
        return origin_of(referer)
    if origin == "null" and request.headers.get("sec-fetch-site") == "same-origin":
        return request.origin
    return None


def validate_origin(trusted: TrustedOrigins, request: Request) -> None:
    origin = request_origin(request)
    if not origin:
        raise APIError(403, BaseErrorCodes.MISSING_OR_NULL_ORIGIN)
    if not trusted.is_trusted(origin, request, allow_relative=False):
        raise APIError(403, BaseErrorCodes.INVALID_ORIGIN)


def check_form_csrf(trusted: TrustedOrigins, request: Request) -> None:
    """Login CSRF: cookieless browser requests to sign-in/sign-up still need a trusted origin.

    As in Better Auth 1.7, a ``Cookie`` header counts when present, even empty, while the Fetch Metadata,
    ``Origin`` and ``Referer`` headers count only with a non-blank value (``site && site.trim()``,
    ``headers.get("origin") || headers.get("referer")``): an empty one is no evidence of a browser."""
    headers = request.headers
    if "cookie" in headers:
        validate_origin(trusted, request)
        return
    site, mode, dest = (_stripped(headers.get(name)) for name in ("sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest"))
    if site or mode or dest:
        if site == "cross-site" and mode == "navigate":
            raise APIError(403, BaseErrorCodes.CROSS_SITE_NAVIGATION_LOGIN_BLOCKED)
        validate_origin(trusted, request)
        return
    if headers.get("origin") or headers.get("referer"):
        validate_origin(trusted, request)


def _stripped(value: str | None) -> str:
    return value.strip() if value else ""
