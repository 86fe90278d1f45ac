"""JSON Web Keys (RFC 7517/7518/8037) and the asymmetric JWS algorithms, on ``cryptography``.

Only asymmetric signature algorithms exist here. There is no ``none`` and no HMAC: a verifier built on this
module cannot be talked into treating a public key as an HMAC secret (the classic RS256→HS256 confusion),
because no code path would use it that way. Each key knows which algorithms it may verify, fixed when the key
is loaded — from its ``alg`` member, else from its type and curve — so a token cannot pick a different one.

Keys are parsed once (loading, import, point validation) and then reused: signing and verifying never parse
JWK JSON again.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from .errors import InvalidKey

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
MIN_RSA_BITS = 2048


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(data: str) -> bytes:
    """Strict base64url without padding: any other character (or a dangling sextet) is an error.

    ``base64.urlsafe_b64decode`` silently skips characters outside the alphabet, which would make
    one signature decodable from many strings; this does not.
    """
    if not _B64URL.match(data) or len(data) % 4 == 1:
        raise ValueError("not base64url")
    padded = data.replace("-", "+").replace("_", "/") + "=" * (-len(data) % 4)
    try:
        return binascii.a2b_base64(padded, strict_mode=True)
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


def _uint_b64(value: int, length: int | None = None) -> str:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url_encode(value.to_bytes(size, "big"))


def _b64_uint(data: Any, name: str) -> int:
    if not isinstance(data, str) or not data:
        raise InvalidKey(f"JWK member {name!r} must be a base64url string")
    try:
        return int.from_bytes(b64url_decode(data), "big")
    except ValueError:
        raise InvalidKey(f"JWK member {name!r} is not base64url") from None


def _b64_fixed(data: Any, name: str, size: int) -> bytes:
    if not isinstance(data, str):
        raise InvalidKey(f"JWK member {name!r} must be a base64url string")
    try:
        raw = b64url_decode(data)
    except ValueError:
        raise InvalidKey(f"JWK member {name!r} is not base64url") from None
    if len(raw) != size:
        raise InvalidKey(f"JWK member {name!r} must be {size} bytes")
    return raw


# -- algorithms -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Algorithm:
    """One JWS ``alg``: the key type (and curve) it needs and how it signs."""

    name: str
    kty: str
    crv: str | None = None
    hash: type[hashes.HashAlgorithm] | None = None
    #: ECDSA: bytes per coordinate (and per half of the raw ``r || s`` signature)
    size: int = 0
    pss: bool = False

    def sign(self, key: Any, data: bytes) -> bytes:
        if self.kty == "OKP":
            return key.sign(data)  # type: ignore[no-any-return]
        assert self.hash is not None
        if self.kty == "EC":
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(self.hash())))
            return r.to_bytes(self.size, "big") + s.to_bytes(self.size, "big")
        return key.sign(data, self._padding(), self.hash())  # type: ignore[no-any-return]

    def verify(self, key: Any, data: bytes, signature: bytes) -> bool:
        try:
            if self.kty == "OKP":
                key.verify(signature, data)
                return True
            assert self.hash is not None
            if self.kty == "EC":
                if len(signature) != 2 * self.size:
                    return False
                r = int.from_bytes(signature[: self.size], "big")
                s = int.from_bytes(signature[self.size :], "big")
                if r == 0 or s == 0:
                    return False
                key.verify(encode_dss_signature(r, s), data, ec.ECDSA(self.hash()))
                return True
            if len(signature) != (key.key_size + 7) // 8:
                return False
            key.verify(signature, data, self._padding(), self.hash())
            return True
        except _CryptoInvalidSignature:
            return False

    def _padding(self) -> padding.AsymmetricPadding:
        assert self.hash is not None
        if self.pss:
            # RFC 7518 §3.5: MGF1 with the same hash, salt as long as the digest
            return padding.PSS(mgf=padding.MGF1(self.hash()), salt_length=padding.PSS.DIGEST_LENGTH)
        return padding.PKCS1v15()


ALGORITHMS: dict[str, Algorithm] = {
    a.name: a
    for a in (
        Algorithm("EdDSA", "OKP", "Ed25519"),
        Algorithm("ES256", "EC", "P-256", hashes.SHA256, 32),
        Algorithm("ES384", "EC", "P-384", hashes.SHA384, 48),
        Algorithm("ES512", "EC", "P-521", hashes.SHA512, 66),
        Algorithm("RS256", "RSA", None, hashes.SHA256),
        Algorithm("RS384", "RSA", None, hashes.SHA384),
        Algorithm("RS512", "RSA", None, hashes.SHA512),
        Algorithm("PS256", "RSA", None, hashes.SHA256, pss=True),
        Algorithm("PS384", "RSA", None, hashes.SHA384, pss=True),
        Algorithm("PS512", "RSA", None, hashes.SHA512, pss=True),
    )
}
#: what Better Auth's jwt plugin can mint (``jwks.keyPairConfig.alg``)
SIGNING_ALGORITHMS = ("EdDSA", "ES256", "ES512", "RS256", "PS256")

_CURVES: dict[str, tuple[type[ec.EllipticCurve], int]] = {
    "P-256": (ec.SECP256R1, 32),
    "P-384": (ec.SECP384R1, 48),
    "P-521": (ec.SECP521R1, 66),
}


def _algorithms_for(kty: str, crv: str | None) -> frozenset[str]:
    return frozenset(a.name for a in ALGORITHMS.values() if a.kty == kty and (a.crv is None or a.crv == crv))


# -- keys -----------------------------------------------------------------------------------------------


class PublicJWK:
    """A verification key: its ``kid``, the algorithms it may verify, and the loaded key object."""

    __slots__ = ("alg", "algorithms", "crv", "key", "kid", "kty", "params")

    def __init__(
        self, key: Any, *, kty: str, crv: str | None, params: dict[str, str], kid: str | None, alg: str | None
    ) -> None:
        self.key = key
        self.kty = kty
        self.crv = crv
        #: the public JWK members, in the order ``jose``'s ``exportJWK`` writes them (no ``kid``/``alg``)
        self.params = params
        self.kid = kid
        self.alg = alg
        allowed = _algorithms_for(kty, crv)
        if alg is not None:
            if alg not in ALGORITHMS:
                raise InvalidKey(f"unsupported JWK alg {alg!r}")
            if alg not in allowed:
                raise InvalidKey(f"JWK alg {alg!r} does not fit a {kty} key" + (f" on {crv}" if crv else ""))
            allowed = frozenset({alg})
        self.algorithms = allowed

    def verify(self, alg: str, data: bytes, signature: bytes) -> bool:
        if alg not in self.algorithms:
            return False
        return ALGORITHMS[alg].verify(self.key, data, signature)

    def to_dict(self) -> dict[str, Any]:
        """The public JWK with ``alg`` and ``kid`` when known (as a JWKS publishes it)."""
        out: dict[str, Any] = {}
        if self.alg:
            out["alg"] = self.alg
        out.update(self.params)
        if self.kid:
            out["kid"] = self.kid
        return out

    def __repr__(self) -> str:
        return f"PublicJWK(kid={self.kid!r}, kty={self.kty!r}, algorithms={sorted(self.algorithms)})"


class PrivateJWK:
    """A signing key with a fixed ``alg``; ``public`` is its verification half."""

    __slots__ = ("_private_params", "alg", "key", "kid", "public")

    def __init__(self, key: Any, public: PublicJWK, private_params: dict[str, str], alg: str) -> None:
        if alg not in public.algorithms:
            raise InvalidKey(f"alg {alg!r} does not fit this {public.kty} key")
        self.key = key
        self.public = public
        self.alg = alg
        self.kid = public.kid
        self._private_params = private_params

    def sign(self, data: bytes) -> bytes:
        return ALGORITHMS[self.alg].sign(self.key, data)

    def private_dict(self) -> dict[str, Any]:
        """The private JWK as ``jose``'s ``exportJWK`` writes it (no ``kid``/``alg``)."""
        return dict(self._private_params)

    def __repr__(self) -> str:
        return f"PrivateJWK(kid={self.kid!r}, alg={self.alg!r})"


def _public_params(key: Any) -> tuple[str, str | None, dict[str, str]]:
    if isinstance(key, ed25519.Ed25519PublicKey):
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        x = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return "OKP", "Ed25519", {"crv": "Ed25519", "x": b64url_encode(x), "kty": "OKP"}
    if isinstance(key, ec.EllipticCurvePublicKey):
        crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}.get(key.curve.name)
        if crv is None:
            raise InvalidKey(f"unsupported curve {key.curve.name}")
        size = _CURVES[crv][1]
        point = key.public_numbers()
        return "EC", crv, {"kty": "EC", "x": _uint_b64(point.x, size), "y": _uint_b64(point.y, size), "crv": crv}
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise InvalidKey(f"RSA keys need at least {MIN_RSA_BITS} bits")
        nums = key.public_numbers()
        return "RSA", None, {"kty": "RSA", "n": _uint_b64(nums.n), "e": _uint_b64(nums.e)}
    raise InvalidKey(f"unsupported key type {type(key).__name__}")


def _check_use(data: Mapping[str, Any]) -> None:
    use = data.get("use")
    if use is not None and use != "sig":
        raise InvalidKey(f"JWK use {use!r} is not 'sig'")


def _kid_alg(data: Mapping[str, Any], kid: str | None, alg: str | None) -> tuple[str | None, str | None]:
    kid = kid if kid is not None else data.get("kid")
    alg = alg if alg is not None else data.get("alg")
    if kid is not None and (not isinstance(kid, str) or not kid):
        raise InvalidKey("JWK kid must be a non-empty string")
    if alg is not None and not isinstance(alg, str):
        raise InvalidKey("JWK alg must be a string")
    return kid, alg


def load_public_jwk(data: Mapping[str, Any], *, kid: str | None = None, alg: str | None = None) -> PublicJWK:
    """Parse a public (or private: the private members are ignored) JWK into a verification key."""
    if not isinstance(data, Mapping):
        raise InvalidKey("a JWK must be a JSON object")
    _check_use(data)
    kid, alg = _kid_alg(data, kid, alg)
    kty = data.get("kty")
    key: Any
    if kty == "OKP":
        if data.get("crv") != "Ed25519":
            raise InvalidKey(f"unsupported OKP curve {data.get('crv')!r}")
        key = ed25519.Ed25519PublicKey.from_public_bytes(_b64_fixed(data.get("x"), "x", 32))
    elif kty == "EC":
        crv = data.get("crv")
        if crv not in _CURVES:
            raise InvalidKey(f"unsupported EC curve {crv!r}")
        curve, size = _CURVES[crv]
        x = int.from_bytes(_b64_fixed(data.get("x"), "x", size), "big")
        y = int.from_bytes(_b64_fixed(data.get("y"), "y", size), "big")
        try:
            key = ec.EllipticCurvePublicNumbers(x, y, curve()).public_key()
        except ValueError:
            raise InvalidKey("EC point is not on the curve") from None
    elif kty == "RSA":
        try:
            key = rsa.RSAPublicNumbers(_b64_uint(data.get("e"), "e"), _b64_uint(data.get("n"), "n")).public_key()
        except ValueError as exc:
            raise InvalidKey(f"invalid RSA public key: {exc}") from None
    else:
        raise InvalidKey(f"unsupported JWK kty {kty!r}")
    kty_, crv_, params = _public_params(key)
    return PublicJWK(key, kty=kty_, crv=crv_, params=params, kid=kid, alg=alg)


def load_private_jwk(data: Mapping[str, Any], *, kid: str | None = None, alg: str | None = None) -> PrivateJWK:
    """Parse a private JWK into a signing key. ``alg`` must come from the JWK or the caller."""
    if not isinstance(data, Mapping):
        raise InvalidKey("a JWK must be a JSON object")
    _check_use(data)
    kid, alg = _kid_alg(data, kid, alg)
    kty = data.get("kty")
    if "d" not in data:
        raise InvalidKey("a private JWK needs its 'd' member")
    key: Any
    try:
        if kty == "OKP":
            if data.get("crv") != "Ed25519":
                raise InvalidKey(f"unsupported OKP curve {data.get('crv')!r}")
            key = ed25519.Ed25519PrivateKey.from_private_bytes(_b64_fixed(data["d"], "d", 32))
        elif kty == "EC":
            crv = data.get("crv")
            if crv not in _CURVES:
                raise InvalidKey(f"unsupported EC curve {crv!r}")
            curve, size = _CURVES[crv]
            key = ec.derive_private_key(int.from_bytes(_b64_fixed(data["d"], "d", size), "big"), curve())
        elif kty == "RSA":
            n, e, d = (_b64_uint(data.get(k), k) for k in ("n", "e", "d"))
            if all(k in data for k in ("p", "q", "dp", "dq", "qi")):
                p, q, dp, dq, qi = (_b64_uint(data[k], k) for k in ("p", "q", "dp", "dq", "qi"))
            else:
                p, q = rsa.rsa_recover_prime_factors(n, e, d)
                dp, dq, qi = rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q)
            key = rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, rsa.RSAPublicNumbers(e, n)).private_key()
        else:
            raise InvalidKey(f"unsupported JWK kty {kty!r}")
    except ValueError as exc:
        raise InvalidKey(f"invalid private key: {exc}") from None
    kty_, crv_, params = _public_params(key.public_key())
    # the public members given alongside ``d`` must be this key's, or the JWK is lying about itself
    for name, value in params.items():
        if name in data and data[name] != value:
            raise InvalidKey(f"JWK member {name!r} does not match the private key")
    if alg is None:
        candidates = _algorithms_for(kty_, crv_)
        if len(candidates) != 1:
            raise InvalidKey("this private JWK needs an 'alg' (RSA keys fit several algorithms)")
        (alg,) = candidates
    public = PublicJWK(key.public_key(), kty=kty_, crv=crv_, params=params, kid=kid, alg=alg)
    return PrivateJWK(key, public, _private_params(key, params), alg)


def _private_params(key: Any, public: dict[str, str]) -> dict[str, str]:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        d = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return {"crv": public["crv"], "d": b64url_encode(d), "x": public["x"], "kty": "OKP"}
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = _CURVES[public["crv"]][1]
        return {**public, "d": _uint_b64(key.private_numbers().private_value, size)}
    nums = key.private_numbers()
    return {
        **public,
        "d": _uint_b64(nums.d),
        "p": _uint_b64(nums.p),
        "q": _uint_b64(nums.q),
        "dp": _uint_b64(nums.dmp1),
        "dq": _uint_b64(nums.dmq1),
        "qi": _uint_b64(nums.iqmp),
    }


def generate_jwk(alg: str = "EdDSA", *, kid: str | None = None, modulus_length: int = 2048) -> PrivateJWK:
    """A fresh key pair for ``alg`` (what ``jose.generateKeyPair`` makes for Better Auth)."""
    spec = ALGORITHMS.get(alg)
    if spec is None:
        raise InvalidKey(f"unsupported alg {alg!r}")
    key: Any
    if spec.kty == "OKP":
        key = ed25519.Ed25519PrivateKey.generate()
    elif spec.kty == "EC":
        assert spec.crv is not None
        key = ec.generate_private_key(_CURVES[spec.crv][0]())
    else:
        if modulus_length < MIN_RSA_BITS:
            raise InvalidKey(f"RSA keys need at least {MIN_RSA_BITS} bits")
        key = rsa.generate_private_key(public_exponent=65537, key_size=modulus_length)
    kty, crv, params = _public_params(key.public_key())
    public = PublicJWK(key.public_key(), kty=kty, crv=crv, params=params, kid=kid, alg=alg)
    return PrivateJWK(key, public, _private_params(key, params), alg)
