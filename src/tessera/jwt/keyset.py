"""``KeySet``: verification keys by ``kid``, parsed once from a JWKS document."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .. import _json
from .errors import InvalidKey
from .jwk import PublicJWK, load_public_jwk

logger = logging.getLogger("tessera.jwt")


class KeySet:
    """An immutable set of public keys; every key has a unique ``kid``."""

    __slots__ = ("_by_kid", "_keys")

    def __init__(self, keys: Iterable[PublicJWK] = ()) -> None:
        by_kid: dict[str, PublicJWK] = {}
        for key in keys:
            if not key.kid:
                raise InvalidKey("every key in a key set needs a kid")
            if key.kid in by_kid:
                raise InvalidKey(f"kid {key.kid!r} appears twice")
            by_kid[key.kid] = key
        self._by_kid = by_kid
        self._keys = tuple(by_kid.values())

    @classmethod
    def from_jwks(cls, data: str | bytes | Mapping[str, Any], *, strict: bool = True) -> KeySet:
        """Parse ``{"keys": [...]}``.

        ``strict`` (configuration): any unusable key is an ``InvalidKey``. Lenient (a remote set): keys this
        library cannot use (other types, ``use: enc``, duplicates) are skipped, as RFC 7517 §5 asks.
        """
        if isinstance(data, str | bytes):
            try:
                data = _json.loads(data)
            except _json.JSONDecodeError:
                raise InvalidKey("the JWKS is not JSON") from None
        if not isinstance(data, Mapping) or not isinstance(data.get("keys"), list):
            raise InvalidKey('a JWKS is an object with a "keys" array')
        keys: list[PublicJWK] = []
        seen: set[str] = set()
        for item in data["keys"]:
            try:
                key = load_public_jwk(item)
                if not key.kid:
                    raise InvalidKey("a key has no kid")
                if key.kid in seen:
                    raise InvalidKey(f"kid {key.kid!r} appears twice")
            except InvalidKey as exc:
                if strict:
                    raise
                logger.warning("skipping a JWKS key: %s", exc)
                continue
            seen.add(key.kid)
            keys.append(key)
        return cls(keys)

    def get(self, kid: str) -> PublicJWK | None:
        return self._by_kid.get(kid)

    def __contains__(self, kid: object) -> bool:
        return kid in self._by_kid

    def __iter__(self) -> Iterator[PublicJWK]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __or__(self, other: KeySet) -> KeySet:
        """Union; a ``kid`` in both sets keeps this set's key."""
        return KeySet([*self._keys, *(k for k in other if k.kid not in self._by_kid)])

    def to_dict(self) -> dict[str, Any]:
        return {"keys": [k.to_dict() for k in self._keys]}

    def __repr__(self) -> str:
        return f"KeySet({[k.kid for k in self._keys]!r})"
