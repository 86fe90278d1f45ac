"""Why a token was refused. Every error carries a stable ``code`` a service can log or map to a 401.

The tree::

    TesseraError
     └── JWTError                    code
          ├── MalformedToken          "malformed"         not three base64url segments of JSON objects
          ├── DisallowedAlgorithm     "algorithm"         ``alg`` not pinned (``none``, HS256, …) or not the key's
          ├── UnknownKey              "unknown_key"       no key with that ``kid`` (after one refetch, if remote)
          ├── InvalidSignature        "signature"
          ├── ExpiredToken            "expired"           ``exp`` passed (or ``max_age`` since ``iat``)
          ├── ImmatureToken           "not_yet_valid"     ``nbf`` or ``iat`` in the future
          ├── InvalidClaim            "claim"             issuer, audience or a required claim wrong/missing
          ├── KeySetUnavailable       "jwks_unavailable"  a remote JWKS could not be fetched and nothing is cached
          └── InvalidKey              "invalid_key"       a JWK or JWKS that cannot be used
"""

from __future__ import annotations

from ..errors import TesseraError


class JWTError(TesseraError):
    code = "invalid_token"


class MalformedToken(JWTError):
    code = "malformed"


class DisallowedAlgorithm(JWTError):
    code = "algorithm"


class UnknownKey(JWTError):
    code = "unknown_key"


class InvalidSignature(JWTError):
    code = "signature"


class ExpiredToken(JWTError):
    code = "expired"


class ImmatureToken(JWTError):
    code = "not_yet_valid"


class InvalidClaim(JWTError):
    code = "claim"


class KeySetUnavailable(JWTError):
    code = "jwks_unavailable"


class InvalidKey(JWTError):
    code = "invalid_key"
