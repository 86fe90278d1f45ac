"""What two responses must share to count as "the same on the wire", and a readable diff when they don't.

A response is reduced to a ``Wire``: status, the headers clients act on, each ``Set-Cookie`` (name,
attributes, and the *kind* of value), and the body's *shape* — key sets in order, value types, and exact
values where they are deterministic (error ``message``/``code``, user fields the test chose, booleans).
Random parts (tokens, ids, timestamps, signatures) are replaced by their kind (``<id32>``, ``<date>``,
``<signed:token>``), so two servers with different data compare equal when they behave the same.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import httpx

ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ID32 = re.compile(r"^[A-Za-z0-9]{32}$")
SIGNED = re.compile(r"^(?P<value>.*)\.(?P<sig>[A-Za-z0-9+/]{43}=)$")
#: the two-factor plugin's signed values: a sign-in challenge id, and a trusted device's "<hmac>!<id>"
TWO_FACTOR_CHALLENGE = re.compile(r"^2fa-[A-Za-z0-9_-]{20}$")
TRUST_DEVICE = re.compile(r"^[A-Za-z0-9_-]{43}!trust-device-[A-Za-z0-9_-]{32}$")
#: the anonymous plugin's generated address, ``<id32, lowercased>@anonymous.placeholder.invalid``
ANONYMOUS_EMAIL = re.compile(r"^[a-z0-9]{32}@anonymous\.placeholder\.invalid$")
#: the multi-session plugin's cookie names end in a (lower-cased) session token, which differs between servers
MULTI_SESSION_NAME = re.compile(r"(?<=_multi-)[a-z0-9]{32}$")

#: string values compared exactly (everything else is compared by kind)
EXACT_KEYS = frozenset({"message", "code", "name", "email", "image", "ipAddress", "userAgent", "url", "statusText"})
#: response headers compared by value
COMPARED_HEADERS = (
    "content-type",
    "cache-control",
    "pragma",
    "location",
    "x-retry-after",
    "access-control-expose-headers",
)
#: GET routes where tessera adds ``Cache-Control: no-store`` / ``Pragma: no-cache`` and Better Auth 1.7 sends
#: neither (their answers hold session tokens, provider profiles or a new session cookie; ASVS v5.0.0-14.3.2):
#: those two headers are not compared there
NO_STORE_DEVIATIONS = ("/list-sessions", "/account-info", "/verify-email")
#: response headers compared by the kind of their value (tokens differ between servers)
KIND_HEADERS = ("set-auth-token",)


def value_kind(value: Any, key: str | None = None) -> Any:
    """The comparable form of one JSON value (recursively, preserving key order)."""
    if isinstance(value, dict):
        if set(value) == {"$date"}:  # a Date revived by the official client
            return "<Date>"
        return {"{}": [(k, value_kind(v, k)) for k, v in value.items()]}
    if isinstance(value, list):
        return ["[]", len(value), [value_kind(v) for v in value]]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return "<number>"
    if isinstance(value, str):
        if key == "email" and ANONYMOUS_EMAIL.match(value):
            return "<id32>@anonymous.placeholder.invalid"
        if key in EXACT_KEYS:
            return value
        if ISO_DATE.match(value):
            return "<date>"
        if ID32.match(value):
            return "<id32>"
        return "<string>"
    return f"<{type(value).__name__}>"


def cookie_value_kind(raw: str, name: str = "") -> Any:
    """What a cookie value is; a compact ``session_data`` cache is decoded and compared by shape."""
    if raw == "":
        return "<empty>"
    value = unquote(raw)
    if name.endswith(".session_data"):
        try:
            payload = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        except ValueError:
            return "<other>"
        return ["<compact>", value_kind(payload)]
    m = SIGNED.match(value)
    if m:
        inner = m.group("value")
        if ID32.match(inner):
            return "<signed:token>"
        token, colon, rest = inner.partition(":")
        if colon and ID32.match(token):  # the admin plugin's admin_session: "<token>:<dont_remember>"
            return f"<signed:token:{rest}>"
        if TWO_FACTOR_CHALLENGE.match(inner):
            return "<signed:2fa-challenge>"
        if TRUST_DEVICE.match(inner):
            return "<signed:trust-device>"
        return f"<signed:{inner}>"
    return "<other>"


def parse_set_cookie(line: str) -> tuple[str, Any, tuple[tuple[str, str], ...]]:
    """``(name, value kind, attributes in order)``; attribute names lower-cased, flags map to ``""``."""
    pair, *attrs = (part.strip() for part in line.split(";"))
    name, _, value = pair.partition("=")
    name = MULTI_SESSION_NAME.sub("<token>", name)
    parsed = []
    for attr in attrs:
        key, _, val = attr.partition("=")
        key = key.strip().lower()
        if key == "expires":
            val = "<date>"
        parsed.append((key, val.strip()))
    return name, cookie_value_kind(value, name), tuple(parsed)


def _session_lifetimes(body: Any, path: str = "$") -> list[tuple[str, int]]:
    """``expiresAt - createdAt`` in hours for every object holding both (7 days vs 1 day sessions)."""
    out: list[tuple[str, int]] = []
    if isinstance(body, dict):
        created, expires = body.get("createdAt"), body.get("expiresAt")
        if (
            isinstance(created, str)
            and isinstance(expires, str)
            and ISO_DATE.match(created)
            and ISO_DATE.match(expires)
        ):
            delta = datetime.fromisoformat(expires.replace("Z", "+00:00")) - datetime.fromisoformat(
                created.replace("Z", "+00:00")
            )
            out.append((path, round(delta.total_seconds() / 3600)))
        for k, v in body.items():
            out.extend(_session_lifetimes(v, f"{path}.{k}"))
    elif isinstance(body, list):
        for i, v in enumerate(body):
            out.extend(_session_lifetimes(v, f"{path}[{i}]"))
    return out


@dataclass(frozen=True)
class Wire:
    status: int
    headers: tuple[tuple[str, str | None], ...]
    cookies: tuple[tuple[str, Any, tuple[tuple[str, str], ...]], ...]
    body: Any
    lifetimes: tuple[tuple[str, int], ...] = field(default=())

    @classmethod
    def of(cls, response: httpx.Response) -> Wire:
        raw = response.content
        lifetimes: list[tuple[str, int]] = []
        if not raw:
            body: Any = "<empty body>"
        else:
            try:
                data = json.loads(raw)
            except ValueError:
                body = ("<text>", raw.decode("utf-8", "replace"))
            else:
                body = value_kind(data)
                lifetimes = _session_lifetimes(data)
        deviates = response.request.url.path.endswith(NO_STORE_DEVIATIONS)
        headers = tuple(
            (name, None if deviates and name in ("cache-control", "pragma") else response.headers.get(name))
            for name in COMPARED_HEADERS
        ) + tuple(
            (name, None if (v := response.headers.get(name)) is None else cookie_value_kind(v)) for name in KIND_HEADERS
        )
        cookies = tuple(parse_set_cookie(line) for line in response.headers.get_list("set-cookie"))
        return cls(response.status_code, headers, cookies, body, tuple(lifetimes))

    def differences(self, other: Wire) -> dict[str, tuple[Any, Any]]:
        """``{aspect: (self's, other's)}`` for every aspect that differs; aspects are stable names."""
        diff: dict[str, tuple[Any, Any]] = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "headers":
                for (name, a), (_, b) in zip(mine, theirs, strict=True):
                    if a != b:
                        diff[f"header:{name}"] = (a, b)
            elif mine != theirs:
                diff[f.name] = (mine, theirs)
        return diff


def _readable(value: Any) -> Any:
    """A ``value_kind`` result turned back into plain JSON (objects keep their key order)."""
    if isinstance(value, dict) and set(value) == {"{}"}:
        return {k: _readable(v) for k, v in value["{}"]}
    if isinstance(value, list) and len(value) == 3 and value[0] == "[]":
        return [_readable(v) for v in value[2]]
    if isinstance(value, (list, tuple)):
        return [_readable(v) for v in value]
    if isinstance(value, dict):
        return {k: _readable(v) for k, v in value.items()}
    return value


def pretty(value: Any) -> str:
    """Compact, readable JSON of differences or reports (shapes shown as the JSON they stand for)."""
    if isinstance(value, dict):
        return "\n".join(f"  {k}: {json.dumps(_readable(v), default=str)}" for k, v in value.items())
    return json.dumps(_readable(value), default=str)
