"""ID-token verification: ``tessera.jwt``'s ``Verifier`` plus what OpenID Connect adds on top.

The ``Verifier`` pins the algorithms (never ``none``, never HMAC), takes keys only from the provider's JWKS
(cached by ``RemoteJWKS``: no fetch per token, one refetch per cooldown for an unknown ``kid``), checks the
signature, ``exp``/``nbf``/``iat`` (30 s of leeway, as Better Auth), ``iss`` and ``aud``. OpenID Connect Core
§3.1.3.7 adds, here: ``azp`` must be this client when present, ``iat`` within a maximum age for
client-submitted tokens, the ``nonce`` of the authorization request, and issuers that depend on the token
(Microsoft's multi-tenant ``https://login.microsoftonline.com/{tid}/v2.0``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..jwt import InvalidClaim, JWTError, RemoteJWKS, Verifier

LEEWAY_SECONDS = 30
#: stands in for the issuer when a provider checks ``iss`` itself (``issuer_check``)
_CHECKED_ISSUER = "urn:tessera:issuer-checked-by-provider"

IssuerCheck = Callable[[Mapping[str, Any]], bool]


class IDTokenVerifier(Verifier):
    def __init__(
        self,
        *,
        issuer: str | Sequence[str] | IssuerCheck,
        audience: Sequence[str],
        algorithms: Sequence[str],
        jwks: RemoteJWKS,
        clock: Callable[[], float],
    ) -> None:
        self.issuer_check: IssuerCheck | None = issuer if callable(issuer) else None
        super().__init__(
            issuer=_CHECKED_ISSUER if callable(issuer) else issuer,
            audience=audience,
            algorithms=algorithms,
            jwks=jwks,
            leeway=LEEWAY_SECONDS,
            required_claims=("sub", "iat"),
            clock=clock,
        )

    def check_claims(self, claims: Mapping[str, Any]) -> None:
        if self.issuer_check is not None:
            if not isinstance(claims.get("iss"), str) or not self.issuer_check(claims):
                raise InvalidClaim("unexpected issuer")
            claims = {**claims, "iss": _CHECKED_ISSUER}
        super().check_claims(claims)
        azp = claims.get("azp")
        if azp is not None and azp not in self.audiences:
            raise InvalidClaim("the token was issued to another client (azp)")

    async def verify_id_token(self, token: str, *, nonce: str | None, max_age: int | None) -> dict[str, Any]:
        claims = await self.verify(token)
        if max_age is not None and self.clock() - LEEWAY_SECONDS > claims["iat"] + max_age:
            raise InvalidClaim("the ID token is too old")
        if nonce is not None:
            claim = claims.get("nonce")
            if not isinstance(claim, str) or not hmac.compare_digest(claim.encode(), nonce.encode()):
                raise InvalidClaim("the ID token's nonce is not this request's")
        return claims


__all__ = ["IDTokenVerifier", "JWTError"]
