"""Cookie names, attributes and the signed session-token cookie, exactly as Better Auth sets them."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlparse

from ..config import AdvancedConfig, SessionConfig
from ..crypto.signing import Signer
from ..http import CookieAttributes, Request, Response


class SessionCookies:
    """Names (``[__Secure-]<prefix>.<key>``), attributes, and reading/writing of the session cookies."""

    def __init__(
        self, *, advanced: AdvancedConfig, session: SessionConfig, signer: Signer, base_url: str | None,
        production: bool,
    ) -> None:
        self.signer = signer
        self.session_config = session
        if advanced.use_secure_cookies is not None:
            self.secure = advanced.use_secure_cookies
        elif base_url:
            self.secure = base_url.startswith("https://")
        else:
            self.secure = production
        self.prefix = advanced.cookie_prefix
        self._overrides = advanced.cookies
        domain = None
        if advanced.cross_sub_domain_cookies.enabled:
            domain = advanced.cross_sub_domain_cookies.domain or (urlparse(base_url).hostname if base_url else None)
        defaults = dict(advanced.default_cookie_attributes)
        self.attributes = CookieAttributes(
            max_age=None,
            domain=defaults.pop("domain", domain),
            path=defaults.pop("path", "/"),
            http_only=defaults.pop("http_only", True),
            secure=defaults.pop("secure", self.secure),
            same_site=defaults.pop("same_site", "Lax"),
            partitioned=defaults.pop("partitioned", False),
        )
        if self.attributes.same_site and self.attributes.same_site.lower() == "none":
            self.attributes = replace(self.attributes, secure=True)
        self.session_token = self.name("session_token")
        self.session_data = self.name("session_data")
        self.dont_remember = self.name("dont_remember")

    def name(self, key: str) -> str:
        override = self._overrides.get(key, {})
        base = override.get("name") or f"{self.prefix}.{key}"
        return f"__Secure-{base}" if self.secure else base

    def attrs(self, key: str | None = None, *, max_age: int | None = None) -> CookieAttributes:
        attrs = self.attributes
        if key and key in self._overrides and "attributes" in self._overrides[key]:
            attrs = replace(attrs, **self._overrides[key]["attributes"])
        return replace(attrs, max_age=max_age)

    # -- session token -------------------------------------------------------------------------------

    def read_token(self, request: Request) -> str | None:
        raw = request.cookies.get(self.session_token)
        return self.signer.unsign(raw) if raw else None

    def read_dont_remember(self, request: Request) -> bool:
        raw = request.cookies.get(self.dont_remember)
        return raw is not None and self.signer.unsign(raw) == "true"

    def set_session(self, response: Response, token: str, *, dont_remember: bool) -> None:
        max_age = None if dont_remember else self.session_config.expires_in
        response.set_cookie(self.session_token, self.signer.sign(token), self.attrs("session_token", max_age=max_age))
        if dont_remember:
            response.set_cookie(self.dont_remember, self.signer.sign("true"), self.attrs("dont_remember"))

    def expire(self, response: Response, key_or_name: str) -> None:
        response.set_cookie(key_or_name, "", self.attrs(max_age=0))

    def clear_session(self, response: Response, request: Request | None = None) -> None:
        """Expire the token, the cache (and every chunk of it) and ``dont_remember``."""
        self.expire(response, self.session_token)
        self.expire(response, self.session_data)
        if request is not None:
            chunk_prefix = self.session_data + "."
            for name in request.cookies:
                if chunk_index(name, chunk_prefix) is not None:
                    self.expire(response, name)
        self.expire(response, self.dont_remember)


def chunk_index(name: str, prefix: str) -> int | None:
    """``n`` for a chunk cookie named ``<prefix><n>``, ``n`` in ASCII digits; ``None`` for any other name.

    ``str.isdigit`` alone also accepts superscripts such as ``²`` (a cookie name is any Latin-1 text), which
    ``int`` refuses: a cookie named ``<prefix>²`` was a 500.
    """
    if not name.startswith(prefix):
        return None
    index = name[len(prefix):]
    return int(index) if index.isascii() and index.isdigit() else None
