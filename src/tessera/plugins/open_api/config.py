"""Options of the open-api plugin: Better Auth's ``OpenAPIOptions`` in snake_case, and where Scalar comes from."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args
from urllib.parse import urlsplit

from ...errors import ConfigError

if TYPE_CHECKING:
    from ...http import Request

ScalarTheme = Literal[
    "alternate", "default", "moon", "purple", "solarized", "bluePlanet", "saturn", "kepler", "mars", "deepSpace",
    "laserwave", "none",
]
#: ``nonce(request) -> str``: a fresh nonce per page, the one your ``Content-Security-Policy`` header names
NonceFactory = Callable[["Request"], str]
#: Better Auth's script: the latest ``@scalar/api-reference`` from jsDelivr (pin a version, or self-host it)
DEFAULT_SCALAR_URL = "https://cdn.jsdelivr.net/npm/@scalar/api-reference"
#: base64 / base64url, as CSP nonces are written (nothing that could leave the attribute)
NONCE_RE = re.compile(r"[A-Za-z0-9+/_=-]{1,256}")
_INTEGRITY_RE = re.compile(r"(sha256|sha384|sha512)-[A-Za-z0-9+/=]+( (sha256|sha384|sha512)-[A-Za-z0-9+/=]+)*")


@dataclass(frozen=True)
class OpenAPIOptions:
    #: where the Scalar reference page is served, below ``base_path`` (``/api/auth/reference``)
    path: str = "/reference"
    #: no reference page: its path answers 404; the document stays at ``/open-api/generate-schema``
    disable_default_reference: bool = False
    theme: ScalarTheme = "default"
    #: the CSP nonce put on every ``<script>`` of the page: a string (Better Auth's option) or a function of the
    #: request, so each page gets the fresh nonce your middleware also writes into ``Content-Security-Policy``
    nonce: str | NonceFactory | None = None
    #: the Scalar bundle the page loads (with the nonce): Better Auth's CDN URL by default; a pinned CDN URL or
    #: a same-origin path (``/static/scalar.js``) to serve it yourself
    scalar_url: str = DEFAULT_SCALAR_URL
    #: Subresource Integrity of ``scalar_url`` (``sha384-…``); only meaningful with a pinned version
    scalar_integrity: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path.startswith("/") or not re.fullmatch(r"[\w\-./:]+", self.path):
            raise ConfigError(f"open_api(): path must be a path starting with '/', got {self.path!r}")
        if self.theme not in get_args(ScalarTheme):
            raise ConfigError(f"open_api(): theme must be one of {', '.join(get_args(ScalarTheme))}")
        if isinstance(self.nonce, str):
            check_nonce(self.nonce)
        elif self.nonce is not None and not callable(self.nonce):
            raise ConfigError("open_api(): nonce must be a string or a function of the request")
        url = self.scalar_url
        parts = urlsplit(url) if isinstance(url, str) else None
        absolute = parts is not None and parts.scheme in ("https", "http") and bool(parts.netloc)
        same_origin = parts is not None and url.startswith("/") and not url.startswith("//")
        if not (absolute or same_origin) or any(c in url for c in "\"'<> \\"):
            raise ConfigError(f"open_api(): scalar_url must be an http(s) URL or a path starting with '/', got {url!r}")
        if self.scalar_integrity is not None and not _INTEGRITY_RE.fullmatch(self.scalar_integrity):
            raise ConfigError("open_api(): scalar_integrity must be an SRI hash such as 'sha384-…'")


def check_nonce(nonce: str) -> str:
    if not isinstance(nonce, str) or not NONCE_RE.fullmatch(nonce):
        raise ConfigError("open_api(): a nonce must be 1-256 base64 characters")
    return nonce
