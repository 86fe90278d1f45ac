"""``Verifier``: accept a JWT only if every check passes; none of the checks can be turned off.

What is checked, in order (the first failure raises a ``JWTError`` subclass):

1. syntax: three strict base64url segments, a JSON-object header, at most ``max_token_length`` characters;
2. the header's ``alg`` is one of the pinned ``algorithms`` (so never ``none``, and never HMAC: this library
   has no symmetric algorithm a public key could be abused as); ``crit`` is refused (no extension is
   understood); ``jku``/``x5u``/``jwk`` headers are ignored — keys only ever come from the configured sources;
3. a key with the header's ``kid`` (a token without ``kid`` is accepted only if exactly one key fits), whose
   own algorithm is the header's ``alg`` — a key is bound to its algorithm when loaded;
4. the signature;
5. ``exp`` is required and in the future; ``nbf`` and ``iat`` are not in the future; ``iat`` within
   ``max_age`` if set (all with ``leeway`` seconds of tolerance);
6. ``iss`` is one of ``issuer``, ``aud`` (string or array) contains one of ``audience``, and every
   ``required_claims`` member is present (``sub`` by default).

Keys come from a static ``KeySet`` (configuration), a ``RemoteJWKS`` (cached; see ``remote.py``) or both, the
static set consulted first. In steady state a verification is pure CPU: one signature check and a few
comparisons.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..errors import ConfigError
from .errors import (
    DisallowedAlgorithm,
    ExpiredToken,
    ImmatureToken,
    InvalidClaim,
    InvalidKey,
    InvalidSignature,
    MalformedToken,
    UnknownKey,
)
from .jwk import ALGORITHMS, PublicJWK
from .jws import MAX_TOKEN_LENGTH, ParsedToken, parse
from .keyset import KeySet
from .remote import RemoteJWKS

MAX_LEEWAY = 300.0


def _strings(value: str | Sequence[str], name: str) -> frozenset[str]:
    items = [value] if isinstance(value, str) else list(value)
    if not items or not all(isinstance(v, str) and v for v in items):
        raise ConfigError(f"Verifier: {name} must be a non-empty string or list of strings")
    return frozenset(items)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def coerce_keyset(keys: KeySet | Mapping[str, Any] | str | bytes | Iterable[PublicJWK]) -> KeySet:
    """A ``KeySet`` from a JWKS (object or JSON text) or public keys; strict — any bad key is an error."""
    if isinstance(keys, KeySet):
        return keys
    try:
        if isinstance(keys, str | bytes | Mapping):
            return KeySet.from_jwks(keys, strict=True)
        return KeySet(keys)
    except InvalidKey as exc:
        raise ConfigError(f"invalid key set: {exc}") from None


class Verifier:
    """Verify tokens of one issuer (or a few) for one audience (or a few).

    ``Verifier(issuer="https://auth.example.com", audience="https://api.example.com", algorithms=["EdDSA"],
    jwks_url="https://auth.example.com/api/auth/jwks")``, then ``claims = await verifier.verify(token)``
    (``verify_sync`` in threaded code).
    """

    def __init__(
        self,
        *,
        issuer: str | Sequence[str],
        audience: str | Sequence[str],
        algorithms: Sequence[str],
        keys: KeySet | Mapping[str, Any] | str | bytes | Iterable[PublicJWK] | None = None,
        jwks_url: str | None = None,
        jwks: RemoteJWKS | None = None,
        leeway: float = 0.0,
        max_age: float | None = None,
        required_claims: Sequence[str] = ("sub",),
        max_token_length: int = MAX_TOKEN_LENGTH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuers = _strings(issuer, "issuer")
        self.audiences = _strings(audience, "audience")
        if isinstance(algorithms, str) or not algorithms:
            raise ConfigError("Verifier: algorithms must be a non-empty list, e.g. ['EdDSA']")
        unknown = [a for a in algorithms if a not in ALGORITHMS]
        if unknown:
            raise ConfigError(
                f"Verifier: unsupported algorithm(s) {unknown}; supported: {', '.join(ALGORITHMS)}"
            )
        self.algorithms = frozenset(algorithms)
        if not 0 <= leeway <= MAX_LEEWAY:
            raise ConfigError(f"Verifier: leeway must be between 0 and {MAX_LEEWAY:g} seconds")
        if max_age is not None and max_age <= 0:
            raise ConfigError("Verifier: max_age must be positive")
        self.static = coerce_keyset(keys) if keys is not None else None
        if jwks is not None and jwks_url is not None:
            raise ConfigError("Verifier: pass jwks_url or jwks, not both")
        self.remote = jwks if jwks is not None else (RemoteJWKS(jwks_url) if jwks_url else None)
        if self.static is None and self.remote is None:
            raise ConfigError("Verifier: give keys (a static JWKS), jwks_url, or both")
        self.leeway = leeway
        self.max_age = max_age
        self.required_claims = tuple(required_claims)
        self.max_token_length = max_token_length
        self.clock = clock

    # -- verification ----------------------------------------------------------------------------------

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims if it is valid for this verifier; else a ``JWTError`` subclass."""
        parsed, kid, alg = self._open(token)
        key = self._lookup(self.static, kid, alg) if self.static is not None else None
        if key is None:
            if self.remote is None:
                raise UnknownKey("no key with this kid")
            key = self._lookup(await self.remote.get(kid), kid, alg)
            if key is None:
                raise UnknownKey("no key with this kid")
        return self._finish(parsed, key, alg)

    def verify_sync(self, token: str) -> dict[str, Any]:
        parsed, kid, alg = self._open(token)
        key = self._lookup(self.static, kid, alg) if self.static is not None else None
        if key is None:
            if self.remote is None:
                raise UnknownKey("no key with this kid")
            key = self._lookup(self.remote.get_sync(kid), kid, alg)
            if key is None:
                raise UnknownKey("no key with this kid")
        return self._finish(parsed, key, alg)

    def _open(self, token: str) -> tuple[ParsedToken, str | None, str]:
        parsed = parse(token, max_length=self.max_token_length)
        header = parsed.header
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise DisallowedAlgorithm("the token's alg is not one this verifier accepts")
        if "crit" in header or "b64" in header:
            raise MalformedToken("critical header extensions are not supported")
        kid = header.get("kid")
        if kid is not None and (not isinstance(kid, str) or not kid):
            raise MalformedToken("kid must be a non-empty string")
        return parsed, kid, alg

    @staticmethod
    def _lookup(keys: KeySet | None, kid: str | None, alg: str) -> PublicJWK | None:
        if keys is None:
            return None
        if kid is not None:
            return keys.get(kid)
        fitting = [k for k in keys if alg in k.algorithms]
        return fitting[0] if len(fitting) == 1 else None

    def _finish(self, parsed: ParsedToken, key: PublicJWK, alg: str) -> dict[str, Any]:
        if alg not in key.algorithms:
            raise DisallowedAlgorithm("the key with this kid is not for this alg")
        if not key.verify(alg, parsed.signing_input, parsed.signature):
            raise InvalidSignature("signature verification failed")
        claims = parsed.claims()
        self.check_claims(claims)
        return claims

    def check_claims(self, claims: Mapping[str, Any]) -> None:
        """Time, issuer, audience and required-claim checks (on claims whose signature was verified)."""
        now = self.clock()
        leeway = self.leeway
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise InvalidClaim("exp is required")
        if now - leeway >= exp:
            raise ExpiredToken("the token has expired")
        nbf = claims.get("nbf")
        if nbf is not None and (not _number(nbf) or nbf > now + leeway):
            raise ImmatureToken("the token is not valid yet (nbf)")
        iat = claims.get("iat")
        if iat is not None and (not _number(iat) or iat > now + leeway):
            raise ImmatureToken("the token was issued in the future (iat)")
        if self.max_age is not None:
            if iat is None:
                raise InvalidClaim("iat is required when max_age is set")
            if now - leeway > iat + self.max_age:
                raise ExpiredToken("the token is older than max_age")
        iss = claims.get("iss")
        if not isinstance(iss, str) or iss not in self.issuers:
            raise InvalidClaim("unexpected issuer")
        aud = claims.get("aud")
        if isinstance(aud, str):
            ok = aud in self.audiences
        elif isinstance(aud, list):
            ok = any(isinstance(a, str) and a in self.audiences for a in aud)
        else:
            ok = False
        if not ok:
            raise InvalidClaim("unexpected audience")
        for name in self.required_claims:
            value = claims.get(name)
            if value is None or (name == "sub" and (not isinstance(value, str) or not value)):
                raise InvalidClaim(f"{name} is required")

    async def aclose(self) -> None:
        if self.remote is not None:
            await self.remote.aclose()
