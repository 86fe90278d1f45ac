"""The session cookie cache (``<prefix>.session_data``): session and user carried by the browser, signed or
encrypted, so that most session reads cost no I/O at all.

The three encodings are byte-compatible with Better Auth 1.7 (a cookie minted by either side reads on the other,
and ``getCookieCache`` in Next.js middleware reads ours):

* ``compact`` — ``base64url({"session":P,"expiresAt":ms,"signature":S})`` where ``P`` is
  ``{"session":…,"user":…,"updatedAt":ms,"version":"1"}`` and ``S = base64url(HMAC-SHA256(secret, P + expiresAt))``
  (``P`` with ``"expiresAt":ms`` appended as its last key, as ``JSON.stringify({...P, expiresAt})`` writes it);
* ``jwt`` — HS256 JWT keyed by the raw secret, claims ``P`` + ``iat`` + ``exp``;
* ``jwe`` — ``dir`` + ``A256CBC-HS512`` under an HKDF-derived key, claims ``P`` + ``iat`` + ``exp`` + ``jti``.

A hit verifies the MAC over the bytes received — no re-serialisation — with keys derived when the cache is built.
Unlike Better Auth, an active user's cache is re-issued before it expires (in the last ``refresh_before``
seconds, a fifth of ``max_age`` by default) so sessions do not fall back to the store every ``max_age``; the
re-issued cookie keeps the original data and its read time, and is minted only while the revocation feed is
live (``session.revocation``), otherwise the store is asked first. A revoked or expired session never gets one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import inspect
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from .. import _json
from ..config import CookieCacheConfig, SessionConfig
from ..crypto.hs256 import b64url_decode
from ..crypto.jwe import DirectEncrypter
from ..crypto.keyring import Keyring
from ..crypto.signing import Signer
from ..errors import ConfigError
from ..http import CookieAttributes, Request, serialize_cookie
from .codec import RowCodec, to_ms
from .cookies import chunk_index
from .model import SessionData

if TYPE_CHECKING:
    from ..context import RequestContext
    from .cookies import SessionCookies
    from .revocation import Revocations

logger = logging.getLogger("tessera")

#: the largest ``Set-Cookie`` (name, value and attributes) written before the value is split into chunks
MAX_COOKIE_SIZE = 4050
MAX_CHUNKS = 100
#: verified cookie values remembered (per ``Tessera``): one entry per active browser, ~3 KB each
MEMO_SIZE = 2048
JWE_SALT = "better-auth-session"
_JWT_CLAIMS = frozenset({"iat", "exp", "jti"})


_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


@dataclass(slots=True)
class Decoded:
    #: the payload (``session``, ``user``, ``updatedAt``, ``version``) plus any JWT claims
    claims: dict[str, Any]
    expires_ms: int
    #: the payload JSON exactly as received, when it can be re-signed as is
    payload: bytes | memoryview | None


@dataclass(slots=True)
class _Verified:
    """A cookie value that authenticated, with what every request needs from it precomputed."""

    decoded: Decoded
    session: dict[str, Any]
    user: dict[str, Any]
    token: str
    user_id: str
    session_expires_ms: int
    #: when its data was read from the store (``updatedAt``, ms)
    read_at: int
    #: get-session's JSON body for this data (``{"session": …, "user": …}``), rendered on the first hit
    body: bytes | None = None


class Strategy(Protocol):
    def encode(self, payload: bytes, now_ms: int, ttl: int) -> str: ...

    def decode(self, value: str) -> Decoded | None: ...


class CompactStrategy:
    _PREFIX = b'{"session":'
    _SIGNATURE = b',"signature":"'
    _EXPIRES = b',"expiresAt":'

    def __init__(self, signer: Signer, secret: str) -> None:
        self._signer = signer
        self._hmac = hmac.new(secret.encode(), digestmod=hashlib.sha256)  # key schedule done once; .copy() per use

    def encode(self, payload: bytes, now_ms: int, ttl: int) -> str:
        expires = str(now_ms + ttl * 1000).encode()
        signature = _b64(self._signer.mac(payload[:-1] + self._EXPIRES + expires + b"}"))
        outer = self._PREFIX + payload + self._EXPIRES + expires + self._SIGNATURE + signature + b'"}'
        return _b64(outer).decode()

    def decode(self, value: str) -> Decoded | None:
        try:
            raw = binascii.a2b_base64(value.encode("ascii").translate(_FROM_URLSAFE) + b"==")
        except (ValueError, binascii.Error):
            return None
        # JSON.stringify({session, expiresAt, signature}): find P and the signed bytes without parsing
        cut = raw.rfind(self._SIGNATURE)
        if cut < 0 or not raw.startswith(self._PREFIX) or not raw.endswith(b'"}'):
            return None
        start = len(self._PREFIX)
        mark = raw.rfind(self._EXPIRES, start, cut)
        expires = raw[mark + len(self._EXPIRES) : cut]
        if mark < 0 or not expires.isdigit() or raw[mark - 1] != 0x7D:  # P ends with "}"
            return None
        view = memoryview(raw)
        mac = self._hmac.copy()
        mac.update(view[start : mark - 1])
        mac.update(self._EXPIRES)
        mac.update(expires)
        mac.update(b"}")
        if not hmac.compare_digest(_b64(mac.digest()), raw[cut + len(self._SIGNATURE) : -2]):
            return None
        try:
            claims = _json.loads(view[start:mark])
        except _json.JSONDecodeError:
            return None
        return Decoded(claims, int(expires), view[start:mark]) if isinstance(claims, dict) else None


_CLAIMS_TAIL = re.compile(rb',"iat":\d+,"exp":\d+(?:,"jti":"[0-9a-f-]*")?}$')


def _payload_of(claims_json: bytes) -> bytes | None:
    """``P`` back from ``P + iat + exp (+ jti)`` when the claims were appended as jose appends them."""
    tail = _CLAIMS_TAIL.search(claims_json)
    return claims_json[: tail.start()] + b"}" if tail else None


def _expiry(claims: Any) -> int | None:
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return int(exp * 1000) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


class JWTStrategy:
    _HEADER = _b64(b'{"alg":"HS256"}')

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def encode(self, payload: bytes, now_ms: int, ttl: int) -> str:
        iat = now_ms // 1000
        claims = payload[:-1] + b',"iat":%d,"exp":%d}' % (iat, iat + ttl)
        signing_input = self._HEADER + b"." + _b64(claims)
        return (signing_input + b"." + _b64(self._signer.mac(signing_input))).decode()

    def decode(self, value: str) -> Decoded | None:
        parts = value.split(".")
        if len(parts) != 3:
            return None
        signing_input = f"{parts[0]}.{parts[1]}".encode()
        try:
            if not hmac.compare_digest(self._signer.mac(signing_input), b64url_decode(parts[2])):
                return None
            header = _json.loads(b64url_decode(parts[0]))
            claims_json = b64url_decode(parts[1])
            claims = _json.loads(claims_json)
        except (ValueError, _json.JSONDecodeError):
            return None
        if not isinstance(header, dict) or header.get("alg") != "HS256":
            return None
        expires = _expiry(claims)
        return Decoded(claims, expires, _payload_of(claims_json)) if expires is not None else None


class JWEStrategy:
    """Encrypts with the current secret; decrypts with any configured one (the header ``kid`` tells them apart)."""

    def __init__(self, encrypter: DirectEncrypter, *older: DirectEncrypter) -> None:
        self._encrypter = encrypter
        self._decrypters = (encrypter, *older)

    def encode(self, payload: bytes, now_ms: int, ttl: int) -> str:
        iat = now_ms // 1000
        tail = b',"iat":%d,"exp":%d,"jti":"%s"}' % (iat, iat + ttl, str(uuid.uuid4()).encode())
        return self._encrypter.encrypt(payload[:-1] + tail)

    def decode(self, value: str) -> Decoded | None:
        for decrypter in self._decrypters:  # a kid that is not the decrypter's is refused before any crypto
            plaintext = decrypter.decrypt(value)
            if plaintext is not None:
                break
        else:
            return None
        try:
            claims = _json.loads(plaintext)
        except _json.JSONDecodeError:
            return None
        expires = _expiry(claims)
        return Decoded(claims, expires, _payload_of(plaintext)) if expires is not None else None


def make_strategy(name: str, keyring: Keyring, signer: Signer) -> Strategy:
    if name == "compact":
        return CompactStrategy(signer, keyring.current)
    if name == "jwt":
        return JWTStrategy(signer)
    if name == "jwe":
        return JWEStrategy(*(DirectEncrypter(secret, JWE_SALT) for secret in keyring.all_secrets()))
    raise ConfigError(f"session.cookie_cache.strategy must be compact, jwt or jwe, not {name!r}")


class CookieCache:
    """Reads and writes the cache cookie. Built once per ``Tessera``; holds no per-request state."""

    def __init__(
        self,
        config: CookieCacheConfig,
        *,
        keyring: Keyring,
        signer: Signer,
        cookies: SessionCookies,
        session: SessionConfig,
        codec: RowCodec,
        revocations: Revocations,
    ) -> None:
        if config.max_age < 1:
            raise ConfigError("session.cookie_cache.max_age must be at least 1 second")
        refresh_before = config.max_age // 5 if config.refresh_before is None else config.refresh_before
        if not 0 <= refresh_before < config.max_age:
            raise ConfigError("session.cookie_cache.refresh_before must be >= 0 and < max_age")
        if inspect.iscoroutinefunction(config.version):
            raise ConfigError("session.cookie_cache.version must be a string or a synchronous function")
        self.strategy = make_strategy(config.strategy, keyring, signer)
        self.max_age = config.max_age
        self.refresh_before_ms = refresh_before * 1000
        self._version = config.version
        self._memo: dict[str, _Verified] = {}
        self._cookies = cookies
        self._codec = codec
        self.revocations = revocations
        self.name = cookies.session_data
        self._chunk_prefix = self.name + "."
        self._attrs = cookies.attrs("session_data", max_age=config.max_age)
        self._browser_session_attrs = cookies.attrs("session_data", max_age=None)
        # the store slides a session once ``expiresAt - now <= expires_in - update_age``: the cache defers to it
        self._slides = not (session.disable_session_refresh or session.defer_session_refresh)
        self._slide_ms = (session.expires_in - session.update_age) * 1000

    # -- reading -----------------------------------------------------------------------------------------

    def read(self, ctx: RequestContext, token: str) -> SessionData | None:
        """The cached session of ``token``, or ``None`` when the store must be asked."""
        request = ctx.request
        raw = self._raw(request)
        if raw is None:
            return None
        entry = self._verified(raw)
        if entry is None or entry.token != token:
            return None
        now_ms = ctx.auth.now_ms()
        expires_ms = entry.decoded.expires_ms
        if expires_ms <= now_ms or entry.session_expires_ms <= now_ms:
            return None
        if self.revocations.bypass(token, entry.user_id, entry.read_at):
            return None
        if (
            self._slides
            and entry.session_expires_ms - now_ms <= self._slide_ms
            and ctx.query.get("disableRefresh") is not True
            and not self._cookies.read_dont_remember(request)
        ):
            return None  # the session is due to slide: that is the store's job (once per update_age)
        if expires_ms - now_ms <= self.refresh_before_ms:
            if not self.revocations.live:
                return None  # re-validate with the store, which re-issues the cache
            claims = entry.decoded.claims
            payload = entry.decoded.payload
            fresh = bytes(payload) if payload is not None else _json.dumps(
                {k: v for k, v in claims.items() if k not in _JWT_CLAIMS}
            )
            value = self.strategy.encode(fresh, now_ms, self.max_age)
            self._set(ctx, value, self._cookies.read_dont_remember(request))
        body = entry.body
        if body is None:
            body = entry.body = _json.dumps({"session": entry.session, "user": entry.user})
        # copies: the verified entry is shared by every request presenting the same cookie
        return SessionData(dict(entry.session), dict(entry.user), body)

    def _verified(self, raw: str) -> _Verified | None:
        """Decode, authenticate and shape-check a cookie value; remembered per value (a browser sends the same
        one until it changes), so repeated hits skip base64, the MAC and JSON parsing."""
        entry = self._memo.get(raw)
        if entry is not None:
            return entry
        decoded = self.strategy.decode(raw)
        if decoded is None:
            return None
        claims = decoded.claims
        session, user = claims.get("session"), claims.get("user")
        if not isinstance(session, dict) or not isinstance(user, dict) or not isinstance(session.get("token"), str):
            return None
        if claims.get("version", "1") != self._expected_version(session, user):
            return None
        try:
            self._codec.revive("session", session)
            self._codec.revive("user", user)
        except (ValueError, TypeError):
            return None
        expires_at = session.get("expiresAt")
        if not isinstance(expires_at, datetime):
            return None
        read_at = claims.get("updatedAt")
        entry = _Verified(
            decoded, session, user, session["token"], str(session.get("userId")), to_ms(expires_at),
            read_at if isinstance(read_at, int) else 0,
        )
        memo = self._memo
        if len(memo) >= MEMO_SIZE:
            del memo[next(iter(memo))]
        memo[raw] = entry
        return entry

    def _raw(self, request: Request) -> str | None:
        cookies = request.cookies
        value = cookies.get(self.name)
        if value:
            return value
        prefix = self._chunk_prefix
        chunks: list[tuple[int, str]] = []
        for name, part in cookies.items():
            index = chunk_index(name, prefix)
            if index is not None and index < MAX_CHUNKS:
                chunks.append((index, part))
        if not chunks:
            return None
        chunks.sort()
        return "".join(part for _, part in chunks)

    def _expected_version(self, session: Mapping[str, Any], user: Mapping[str, Any]) -> str:
        version = self._version
        if callable(version):
            value = version(session, user)
            return value if isinstance(value, str) else str(value)
        return version

    # -- writing -----------------------------------------------------------------------------------------

    def write(self, ctx: RequestContext, data: SessionData, *, dont_remember: bool = False) -> None:
        """Mint the cache for a session just read from (or written to) the store."""
        if self.revocations.token_revoked(data.token):
            return
        now_ms = ctx.auth.now_ms()
        payload = _json.dumps(
            {
                "session": data.session,
                "user": data.user,
                "updatedAt": now_ms,
                "version": self._expected_version(data.session, data.user),
            }
        )
        self._set(ctx, self.strategy.encode(payload, now_ms, self.max_age), dont_remember)

    def _set(self, ctx: RequestContext, value: str, dont_remember: bool) -> None:
        response, request = ctx.response, ctx.request
        attrs = self._browser_session_attrs if dont_remember else self._attrs
        written = self._split(value, attrs)
        stale = {n for n in request.cookies if self._is_ours(n)}
        stale.update(n for n in response.set_cookies if self._is_ours(n))
        for name in sorted(stale - written.keys()):
            self._cookies.expire(response, name)
        for name, part in written.items():
            response.set_cookie(name, part, attrs)

    def _is_ours(self, name: str) -> bool:
        if name == self.name:
            return True
        return chunk_index(name, self._chunk_prefix) is not None

    def _split(self, value: str, attrs: CookieAttributes) -> dict[str, str]:
        if len(serialize_cookie(self.name, value, attrs)) <= MAX_COOKIE_SIZE:
            return {self.name: value}
        room = MAX_COOKIE_SIZE - len(serialize_cookie(f"{self.name}.{MAX_CHUNKS - 1}", "", attrs))
        parts = [value[i : i + room] for i in range(0, len(value), room)]
        if len(parts) > MAX_CHUNKS:
            logger.warning("session cookie cache of %d bytes is too large to set; the store will answer", len(value))
            return {}
        return {f"{self.name}.{i}": part for i, part in enumerate(parts)}


__all__ = ["CookieCache", "Decoded", "Strategy", "make_strategy"]
