"""Options of the jwt plugin: Better Auth's ``jwt({jwks, jwt, disableSettingJwtHeader})`` in snake_case.

Validated when the plugin is created, so a bad algorithm, an unparseable static key set or a rotation that
could strand live tokens is a ``ConfigError`` at startup, never a failure on the first request.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import math
import os
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ... import _json
from ...errors import ConfigError
from ...jwt.errors import InvalidKey
from ...jwt.jwk import SIGNING_ALGORITHMS, PrivateJWK, load_private_jwk
from ...session.model import SessionData

#: the environment variable read for static keys when ``jwks.static_keys`` is not given
STATIC_KEYS_ENV = "TESSERA_JWKS"

_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "week", "weeks"), 604800),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), 31557600),
}
_SPAN = re.compile(r"^(\d+|\d+\.\d+) ?([a-z]+)$", re.IGNORECASE)


def parse_timespan(value: int | float | str) -> int:
    """Seconds from ``900`` or a ``jose`` time span (``"15m"``, ``"2 hours"``, ``"1d"``)."""
    if isinstance(value, bool):
        raise ConfigError(f"invalid time span {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _SPAN.match(value.strip())
        unit = _UNITS.get(match.group(2).lower()) if match else None
        if match is None or unit is None:
            raise ConfigError(f"invalid time span {value!r} (use seconds or e.g. '15m', '1 hour')")
        seconds = float(match.group(1)) * unit
    if seconds <= 0:
        raise ConfigError(f"time span must be positive, got {value!r}")
    return round(seconds)


@dataclass(frozen=True)
class KeyPairConfig:
    """How new keys are made: ``alg`` ∈ EdDSA (Ed25519), ES256, ES512, RS256, PS256."""

    alg: str = "EdDSA"
    crv: str | None = None
    modulus_length: int = 2048

    def __post_init__(self) -> None:
        if self.alg not in SIGNING_ALGORITHMS:
            raise ConfigError(
                f"jwks.key_pair_config.alg: {self.alg!r} is not one of {', '.join(SIGNING_ALGORITHMS)}"
            )
        if self.crv is not None and not (self.alg == "EdDSA" and self.crv == "Ed25519"):
            raise ConfigError(f"jwks.key_pair_config.crv: {self.crv!r} does not fit {self.alg}")
        if self.alg in ("RS256", "PS256") and self.modulus_length < 2048:
            raise ConfigError("jwks.key_pair_config.modulus_length must be at least 2048")


@dataclass(frozen=True)
class JwksConfig:
    key_pair_config: KeyPairConfig = field(default_factory=KeyPairConfig)
    disable_private_key_encryption: bool = False
    #: seconds a key signs before the next one takes over (``None``: never rotate)
    rotation_interval: int | None = None
    #: seconds a retired key stays in ``/jwks`` after it stopped signing (Better Auth: 30 days)
    grace_period: int = 30 * 86400
    jwks_path: str = "/jwks"
    #: ``Cache-Control: public, max-age=…`` on ``/jwks``
    max_age: int = 300
    #: how often every instance re-reads the ``jwks`` table in the background
    reload_interval: float = 60
    #: private keys from configuration instead of the database: a JWKS of private JWKs (JSON text,
    #: its base64, or a dict) — what ``tessera jwks export`` prints; the first key signs
    static_keys: str | Mapping[str, Any] | None = None
    #: the key set is published elsewhere (a KMS, another service): ``/jwks`` answers 404 and ``verify_jwt``
    #: checks tokens against this JWKS URL; needs an explicit ``key_pair_config.alg`` (Better Auth's rule)
    remote_url: str | None = None


@dataclass(frozen=True)
class JwtConfig:
    #: ``iss``; default: the origin of ``base_url``
    issuer: str | None = None
    #: ``aud``; default: the origin of ``base_url``
    audience: str | Sequence[str] | None = None
    #: token lifetime: seconds or a time span (``"15m"``)
    expiration_time: int | str = "15m"
    #: ``(session: SessionData) -> dict`` (may be async): the claims; default the user object
    define_payload: Callable[[SessionData], Awaitable[dict[str, Any]] | dict[str, Any]] | None = None
    #: ``(session: SessionData) -> str`` (may be async): ``sub``; default the user id
    get_subject: Callable[[SessionData], Awaitable[str] | str] | None = None
    #: ``(claims: dict) -> str`` (may be async): sign the completed claims (``iat``, ``exp``, ``iss``, ``aud``
    #: set) elsewhere, e.g. with a KMS key, instead of with a key of the ``jwks`` table; needs
    #: ``jwks.remote_url`` where that key is published
    sign: Callable[[dict[str, Any]], Awaitable[str] | str] | None = None


@dataclass(frozen=True)
class SchemaConfig:
    model_name: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JWTOptions:
    jwks: JwksConfig = field(default_factory=JwksConfig)
    jwt: JwtConfig = field(default_factory=JwtConfig)
    disable_setting_jwt_header: bool = False
    schema: SchemaConfig = field(default_factory=SchemaConfig)

    @property
    def expires_in(self) -> int:
        return parse_timespan(self.jwt.expiration_time)

    @property
    def publish_lead(self) -> int:
        """Seconds a new key is published before it signs: every instance has reloaded it and every
        ``/jwks`` response cached without it has expired."""
        return self.jwks.max_age + math.ceil(self.jwks.reload_interval) + 30


def _build(cls: type[Any], value: Any, name: str, nested: Mapping[str, type[Any]] | None = None) -> Any:
    if isinstance(value, cls):
        return value
    if value is None:
        return cls()
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name}: expected {cls.__name__} or dict, got {type(value).__name__}")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ConfigError(f"{name}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    kwargs = dict(value)
    for key, sub in (nested or {}).items():
        if key in kwargs:
            kwargs[key] = _build(sub, kwargs[key], f"{name}.{key}")
    return cls(**kwargs)


def build_options(
    jwks: JwksConfig | Mapping[str, Any] | None,
    jwt: JwtConfig | Mapping[str, Any] | None,
    disable_setting_jwt_header: bool,
    schema: SchemaConfig | Mapping[str, Any] | None,
) -> JWTOptions:
    options = JWTOptions(
        jwks=_build(JwksConfig, jwks, "jwks", {"key_pair_config": KeyPairConfig}),
        jwt=_build(JwtConfig, jwt, "jwt"),
        disable_setting_jwt_header=disable_setting_jwt_header,
        schema=_build(SchemaConfig, schema, "schema"),
    )
    j = options.jwks
    expires_in = options.expires_in  # validates the time span
    if j.max_age < 0 or j.reload_interval <= 0:
        raise ConfigError("jwks.max_age must be >= 0 and jwks.reload_interval > 0")
    if j.rotation_interval is not None:
        if j.rotation_interval < 2 * options.publish_lead:
            raise ConfigError(
                f"jwks.rotation_interval ({j.rotation_interval} s) must be at least twice the publish lead "
                f"(max_age + reload_interval + 30 = {options.publish_lead} s)"
            )
        if j.grace_period < expires_in:
            raise ConfigError(
                f"jwks.grace_period ({j.grace_period} s) is shorter than the token lifetime ({expires_in} s): "
                "tokens signed by a retired key would stop verifying before they expire"
            )
    if not j.jwks_path.startswith("/"):
        raise ConfigError("jwks.jwks_path must start with '/'")
    if options.jwt.sign is not None and not j.remote_url:
        raise ConfigError("jwt.sign needs jwks.remote_url: the JWKS URL where the signer's public keys are published")
    if j.remote_url is not None and urlsplit(j.remote_url).scheme not in ("https", "http"):
        raise ConfigError(f"jwks.remote_url must be an http(s) URL, got {j.remote_url!r}")
    return options


# -- static keys ---------------------------------------------------------------------------------------


def _decode_static(value: str | Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping):
        return value
    text = value.strip()
    if not text.startswith("{"):
        try:
            text = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ConfigError("static JWKS: neither JSON nor base64 of JSON") from None
    try:
        return _json.loads(text)
    except _json.JSONDecodeError:
        raise ConfigError("static JWKS: not valid JSON") from None


def load_static_keys(
    value: str | Mapping[str, Any] | None, *, expected_alg: str | None = None, env: str | None = STATIC_KEYS_ENV
) -> tuple[PrivateJWK, ...] | None:
    """Parse and check the static signing keys (option, else ``$<env>``); ``None`` when there are none.

    Each key needs a unique ``kid`` and an ``alg`` among the signing algorithms, and its public members must
    match its private part. The first key signs; the others are published and verify (rotation by
    redeploy: add the next key second, wait for caches, then move it first).
    """
    if value is None:
        value = (os.environ.get(env) or None) if env else None
        if value is None:
            return None
    data = _decode_static(value)
    if not isinstance(data, Mapping) or not isinstance(data.get("keys"), list) or not data["keys"]:
        raise ConfigError('static JWKS: expected {"keys": [<private JWK>, ...]} with at least one key')
    keys: list[PrivateJWK] = []
    seen: set[str] = set()
    for index, item in enumerate(data["keys"]):
        where = f"static JWKS key #{index}"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where}: not a JSON object")
        kid, alg = item.get("kid"), item.get("alg")
        if not isinstance(kid, str) or not kid:
            raise ConfigError(f"{where}: needs a kid")
        if kid in seen:
            raise ConfigError(f"{where}: kid {kid!r} appears twice")
        if alg not in SIGNING_ALGORITHMS:
            raise ConfigError(f"{where}: alg {alg!r} is not one of {', '.join(SIGNING_ALGORITHMS)}")
        try:
            keys.append(load_private_jwk(item))
        except InvalidKey as exc:
            raise ConfigError(f"{where} ({kid}): {exc}") from None
        seen.add(kid)
    if expected_alg is not None and keys[0].alg != expected_alg:
        raise ConfigError(
            f"static JWKS: the signing key {keys[0].kid!r} is {keys[0].alg}, "
            f"but jwks.key_pair_config.alg is {expected_alg}"
        )
    return tuple(keys)
