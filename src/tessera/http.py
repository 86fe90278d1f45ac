"""Sans-I/O HTTP: the request tessera reads and the response it writes. Servers (ASGI, WSGI) wrap these."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, unquote_to_bytes, urlencode, urlsplit, urlunsplit

from . import _json

_COOKIE_SAFE = "-_.!~*'()"  # what encodeURIComponent leaves alone
_LOCATION_SAFE = "".join(map(chr, range(0x21, 0x7F)))  # printable ASCII but the space: escapes already there stay
#: parsed ``Cookie`` headers by value: a browser sends the same header until a cookie changes, so most requests
#: parse nothing (bounded: the oldest forgotten first; long headers are parsed every time)
_PARSED_COOKIES: dict[str, dict[str, str]] = {}
_PARSED_COOKIES_SIZE = 1024
_PARSED_COOKIE_MAX_HEADER = 4096


def append_query_params(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to its query, before any fragment (Better Auth's ``appendQueryParams``)."""
    if not params:
        return url
    parts = urlsplit(url)
    query = parts.query
    extra = urlencode(params)
    return urlunsplit(parts._replace(query=f"{query}{'' if query.endswith('&') else '&'}{extra}" if query else extra))


def encode_cookie_value(value: str) -> str:
    return quote(value, safe=_COOKIE_SAFE)


def location_value(url: str) -> str:
    """``url`` as a ``Location`` header carries it: spaces, controls and non-ASCII characters percent-encoded
    (UTF-8), as a browser's URL serializer does.

    Redirect targets embed client input (a ``callbackURL``); a header is Latin-1 without CR/LF, so an unencoded
    ``/caf\u0101`` could not be written at all (the server failed mid-response) and a CR/LF would split it.
    """
    return url if url.isascii() and url.isprintable() and " " not in url else quote(url, safe=_LOCATION_SAFE)


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header; the first occurrence of a name wins, values are percent-decoded."""
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.partition("=")
        if not sep:
            continue
        name = name.strip()
        if not name or name in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if "%" in value:
            try:
                # an ASCII value is one run for ``unquote``: the same result without its regex split
                value = unquote_to_bytes(value).decode() if value.isascii() else unquote(value, errors="strict")
            except UnicodeDecodeError:
                continue
        cookies[name] = value
    return cookies


def _request_cookies(header: str) -> dict[str, str]:
    """``parse_cookie_header``, remembered per header value; each request gets its own copy."""
    parsed = _PARSED_COOKIES.get(header)
    if parsed is None:
        parsed = parse_cookie_header(header)
        if len(header) > _PARSED_COOKIE_MAX_HEADER:
            return parsed
        if len(_PARSED_COOKIES) >= _PARSED_COOKIES_SIZE:
            del _PARSED_COOKIES[next(iter(_PARSED_COOKIES))]
        _PARSED_COOKIES[header] = parsed
    return dict(parsed)


def parse_set_cookie(header: str) -> tuple[str, str, dict[str, str]]:
    """``Set-Cookie`` → (name, percent-decoded value, attributes by lower-cased name; flags map to ``""``)."""
    pair, *attributes = header.split(";")
    name, _, value = pair.partition("=")
    attrs: dict[str, str] = {}
    for attribute in attributes:
        key, _, attr_value = attribute.strip().partition("=")
        attrs[key.lower()] = attr_value
    return name.strip(), unquote(value.strip()), attrs


class Headers(dict[str, str]):
    """Lower-cased header names; repeated headers joined (``Cookie`` with ``; ``, others with ``, ``)."""

    @classmethod
    def from_pairs(cls, pairs: Any) -> Headers:
        headers = cls()
        for raw_name, raw_value in pairs:
            name = raw_name.decode("latin-1").lower() if isinstance(raw_name, bytes) else raw_name.lower()
            value = raw_value.decode("latin-1") if isinstance(raw_value, bytes) else str(raw_value)
            if name in headers:
                headers[name] = f"{headers[name]}{'; ' if name == 'cookie' else ', '}{value}"
            else:
                headers[name] = value
        return headers


@dataclass
class Request:
    method: str
    path: str
    headers: Headers = field(default_factory=Headers)
    query_string: str = ""
    body: bytes = b""
    #: the URL scheme and host the server saw, used when no ``base_url`` is configured
    scheme: str = "http"
    client_host: str | None = None
    # parsed on first use (plain attributes, not ``functools.cached_property``: on 3.11 that takes a lock)
    _cookies: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)
    _query: dict[str, str | list[str]] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def cookies(self) -> dict[str, str]:
        cookies = self._cookies
        if cookies is None:
            header = self.headers.get("cookie")
            cookies = self._cookies = _request_cookies(header) if header else {}
        return cookies

    @property
    def query(self) -> dict[str, str | list[str]]:
        """Repeated keys become lists, as Better Auth's router does."""
        out = self._query
        if out is not None:
            return out
        out = self._query = {}
        if not self.query_string:  # most requests: skip parse_qsl's set-up
            return out
        for key, value in parse_qsl(self.query_string, keep_blank_values=True):
            if key in out:
                prev = out[key]
                out[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
            else:
                out[key] = value
        return out

    def with_cookie(self, name: str, value: str) -> Request:
        """A copy carrying the cookie ``name=value`` ahead of the client's cookies (the first one wins)."""
        headers = Headers(self.headers)
        pair = f"{name}={encode_cookie_value(value)}"
        sent = headers.get("cookie")
        headers["cookie"] = f"{pair}; {sent}" if sent else pair
        return replace(self, headers=headers)

    @property
    def host(self) -> str:
        return self.headers.get("host", "localhost")

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}"


@dataclass(frozen=True, slots=True)
class CookieAttributes:
    max_age: int | None = None
    domain: str | None = None
    path: str = "/"
    http_only: bool = True
    secure: bool = False
    same_site: str | None = "Lax"
    partitioned: bool = False


def serialize_cookie(name: str, value: str, attrs: CookieAttributes) -> str:
    """better-call's order: ``name=value; Max-Age; Domain; Path; HttpOnly; Secure; SameSite; Partitioned``."""
    parts = [f"{name}={encode_cookie_value(value)}"]
    if attrs.max_age is not None:
        parts.append(f"Max-Age={attrs.max_age}")
    if attrs.domain:
        parts.append(f"Domain={attrs.domain}")
    if attrs.path:
        parts.append(f"Path={attrs.path}")
    if attrs.http_only:
        parts.append("HttpOnly")
    if attrs.secure:
        parts.append("Secure")
    if attrs.same_site:
        parts.append(f"SameSite={attrs.same_site.capitalize()}")
    if attrs.partitioned:
        parts.append("Partitioned")
    return "; ".join(parts)


class Response:
    """Status, headers and a body. Cookies are kept by name so a later write replaces an earlier one."""

    __slots__ = ("body", "headers", "set_cookies", "status")

    def __init__(self, status: int = 200, body: bytes = b"", headers: list[tuple[str, str]] | None = None):
        self.status = status
        self.body = body
        self.headers: list[tuple[str, str]] = []
        for name, value in headers or ():
            self.headers.append((name, location_value(value) if name == "location" else value))
        self.set_cookies: dict[str, str] = {}

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Response:
        return cls(status, _json.dumps(data), [("content-type", "application/json")])

    def set_cookie(self, name: str, value: str, attrs: CookieAttributes) -> None:
        self.set_cookies.pop(name, None)
        self.set_cookies[name] = serialize_cookie(name, value, attrs)

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key == lname:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        lname = name.lower()
        if lname == "location":
            value = location_value(value)
        self.headers = [(k, v) for k, v in self.headers if k != lname]
        self.headers.append((lname, value))

    def append_expose_header(self, name: str) -> None:
        current = self.header("access-control-expose-headers")
        names = [n.strip() for n in current.split(",")] if current else []
        if name not in names:
            names.append(name)
        self.set_header("access-control-expose-headers", ", ".join(names))

    def all_headers(self) -> list[tuple[str, str]]:
        return [*self.headers, *(("set-cookie", c) for c in self.set_cookies.values())]

    def json_body(self) -> Any:
        return _json.loads(self.body) if self.body else None
