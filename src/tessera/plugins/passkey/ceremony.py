"""The WebAuthn side: the options JSON the browser is given, and verifying what it answers.

Options are built here as ``@simplewebauthn/server`` 13 builds them (the library Better Auth uses), so the
official ``passkeyClient`` hands the browser exactly what it would get from Node. Verification is
py_webauthn's: challenge, origin, ``rpIdHash``, user presence (and verification when required), the attestation
statement, the signature and the signature counter.

A ceremony's challenge lives in a verification row named by the signed challenge cookie, with Better Auth's value
``{"type", "expectedChallenge", "userData", "context"}``; it is consumed (deleted and returned atomically) before
anything is checked, so each challenge answers at most one response, right or wrong.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

try:
    from webauthn import verify_authentication_response, verify_registration_response
    from webauthn.helpers.cose import COSEAlgorithmIdentifier
    from webauthn.helpers.exceptions import WebAuthnException
except ImportError as exc:  # pragma: no cover - depends on installed extras
    raise ImportError("the passkey plugin needs py_webauthn: pip install 'tessera-auth[passkey]'") from exc

from ...errors import APIError
from .errors import PasskeyErrorCodes

if TYPE_CHECKING:
    from ...context import RequestContext
    from .config import PasskeyOptions

Ceremony = Literal["registration", "authentication"]

#: Better Auth's ``generateRandomString(32)`` alphabet (the challenge cookie's verification identifier)
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
#: ``@simplewebauthn/server``'s ``supportedAlgorithmIDs``: Ed25519, ES256, RS256
ALGORITHMS = (-8, -7, -257)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_public_key(key: bytes) -> str:
    """Standard base64 with padding, as ``@better-auth/utils``' ``base64.encode`` stores ``publicKey``."""
    return base64.b64encode(key).decode()


def decode_public_key(text: str) -> bytes:
    """Either base64 alphabet, padded or not (rows written by any version of either implementation)."""
    text = text.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4))


def new_challenge() -> str:
    """32 random bytes (256 bits, ASVS 6.7.2 asks for 64), base64url: what SimpleWebAuthn generates."""
    return b64url(secrets.token_bytes(32))


def descriptors(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``PublicKeyCredentialDescriptorJSON`` for a user's passkeys (``excludeCredentials``/``allowCredentials``)."""
    out = []
    for row in rows:
        item: dict[str, Any] = {"id": row["credentialID"]}
        if row.get("transports"):
            item["transports"] = str(row["transports"]).split(",")
        item["type"] = "public-key"
        out.append(item)
    return out


def registration_options(
    options: PasskeyOptions, *, rp_id: str, rp_name: str, user_id: bytes, user_name: str, display_name: str,
    challenge: str, exclude: list[dict[str, Any]], attachment: str | None, extensions: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """``PublicKeyCredentialCreationOptionsJSON``, as ``generateRegistrationOptions`` returns it."""
    selection: dict[str, Any] = {"residentKey": "preferred", "userVerification": "preferred",
                                 **options.authenticator_selection}
    if attachment:
        selection["authenticatorAttachment"] = attachment
    # SimpleWebAuthn keeps the legacy flag in step with residentKey
    selection["requireResidentKey"] = selection["residentKey"] == "required"
    return {
        "challenge": challenge,
        "rp": {"name": rp_name, "id": rp_id},
        "user": {"id": b64url(user_id), "name": user_name, "displayName": display_name},
        "pubKeyCredParams": [{"alg": alg, "type": "public-key"} for alg in ALGORITHMS],
        "timeout": options.timeout,
        "attestation": "none",
        "excludeCredentials": exclude,
        "authenticatorSelection": selection,
        # SimpleWebAuthn spreads the server's extensions first: ``credProps`` is always asked for
        "extensions": {**(extensions or {}), "credProps": True},
        "hints": [],
    }


def authentication_options(
    options: PasskeyOptions, *, rp_id: str, challenge: str, allow: list[dict[str, Any]],
    extensions: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """``PublicKeyCredentialRequestOptionsJSON``, as ``generateAuthenticationOptions`` returns it."""
    out: dict[str, Any] = {"rpId": rp_id, "challenge": challenge}
    if allow:
        out["allowCredentials"] = allow
    out["timeout"] = options.timeout
    out["userVerification"] = options.user_verification
    if extensions is not None:
        out["extensions"] = dict(extensions)
    return out


# -- the challenge -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Challenge:
    ceremony: Ceremony
    expected: str
    user_data: dict[str, Any]
    context: str | None


def challenge_value(ceremony: Ceremony, expected: str, user_data: Mapping[str, Any], context: str | None) -> str:
    value: dict[str, Any] = {"type": ceremony, "expectedChallenge": expected, "userData": dict(user_data)}
    if ceremony == "registration":
        value["context"] = context
    return json.dumps(value, separators=(",", ":"))


async def consume_challenge(ctx: RequestContext, cookie_key: str, ceremony: Ceremony) -> Challenge:
    """The ceremony's challenge, consumed: ``400 CHALLENGE_NOT_FOUND`` when the cookie is missing or forged, the
    row was used or has expired, or it belongs to the other ceremony."""
    auth = ctx.auth
    raw = ctx.request.cookies.get(auth.cookies.name(cookie_key))
    token = auth.signer.unsign(raw) if raw else None
    if not token:
        raise APIError(400, PasskeyErrorCodes.CHALLENGE_NOT_FOUND)
    auth.cookies.expire(ctx.response, auth.cookies.name(cookie_key))
    row = await auth.store.consume_verification(token)
    if row is None:
        raise APIError(400, PasskeyErrorCodes.CHALLENGE_NOT_FOUND)
    try:
        value = json.loads(str(row["value"]))
        kind, expected = value["type"], value["expectedChallenge"]
        user_data = value.get("userData") or {}
        context = value.get("context")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise APIError(400, PasskeyErrorCodes.CHALLENGE_NOT_FOUND) from None
    if kind != ceremony or not isinstance(expected, str) or not isinstance(user_data, dict):
        raise APIError(400, PasskeyErrorCodes.CHALLENGE_NOT_FOUND)
    return Challenge(ceremony, expected, user_data, context if isinstance(context, str) else None)


# -- verification ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCredential:
    credential_id: str
    public_key: bytes
    counter: int
    device_type: str
    backed_up: bool
    aaguid: str
    #: SimpleWebAuthn's ``VerifiedRegistrationResponse``, what ``registration.after_verification`` is given
    verification: dict[str, Any]


@dataclass(frozen=True)
class Assertion:
    new_counter: int
    user_verified: bool
    #: SimpleWebAuthn's ``VerifiedAuthenticationResponse``, what ``authentication.after_verification`` is given
    verification: dict[str, Any]


def _device_type(backed_up: bool, device_type: Any) -> str:
    """SimpleWebAuthn's spelling, which Better Auth stores: ``singleDevice`` | ``multiDevice``."""
    return "multiDevice" if backed_up or "multi" in str(getattr(device_type, "value", device_type)) \
        else "singleDevice"


def _client_origin(response: Mapping[str, Any]) -> Any:
    """``clientDataJSON.origin`` of a response that verified (so the JSON is well formed)."""
    return json.loads(b64url_decode(response["response"]["clientDataJSON"])).get("origin")


def verify_registration(
    response: dict[str, Any], *, challenge: str, origins: list[str], rp_id: str, require_uv: bool,
) -> NewCredential | None:
    """The new credential, or ``None`` when the response does not verify (any reason: malformed, wrong
    challenge/origin/rpId, no user presence, missing verification when required, bad attestation)."""
    try:
        verified = verify_registration_response(  # challenge decoding errors land in the except too
            credential=response, expected_challenge=b64url_decode(challenge), expected_rp_id=rp_id,
            expected_origin=origins, require_user_verification=require_uv,
            supported_pub_key_algs=[COSEAlgorithmIdentifier(alg) for alg in ALGORITHMS],
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    credential_id = b64url(verified.credential_id)
    device_type = _device_type(verified.credential_backed_up, verified.credential_device_type)
    inner = response.get("response")
    transports = inner.get("transports") if isinstance(inner, dict) else None
    info = {
        "fmt": str(getattr(verified.fmt, "value", verified.fmt)), "aaguid": verified.aaguid,
        "credentialType": "public-key",
        "credential": {"id": credential_id, "publicKey": verified.credential_public_key,
                       "counter": verified.sign_count, "transports": transports},
        "attestationObject": verified.attestation_object, "userVerified": verified.user_verified,
        "credentialDeviceType": device_type, "credentialBackedUp": verified.credential_backed_up,
        "origin": _client_origin(response), "rpID": rp_id,
    }
    return NewCredential(
        credential_id=credential_id, public_key=verified.credential_public_key, counter=verified.sign_count,
        device_type=device_type, backed_up=verified.credential_backed_up, aaguid=verified.aaguid,
        verification={"verified": True, "registrationInfo": info},
    )


def verify_assertion(
    response: dict[str, Any], *, challenge: str, origins: list[str], rp_id: str, require_uv: bool,
    public_key: bytes, counter: int,
) -> Assertion | None:
    """What the assertion proved, or ``None`` when it does not verify — including a counter that did not grow
    past the stored one (a cloned authenticator, WebAuthn §6.1.1)."""
    try:
        verified = verify_authentication_response(
            credential=response, expected_challenge=b64url_decode(challenge), expected_rp_id=rp_id,
            expected_origin=origins, credential_public_key=public_key,
            credential_current_sign_count=counter, require_user_verification=require_uv,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    info = {
        "newCounter": verified.new_sign_count, "credentialID": b64url(verified.credential_id),
        "userVerified": verified.user_verified,
        "credentialDeviceType": _device_type(verified.credential_backed_up, verified.credential_device_type),
        "credentialBackedUp": verified.credential_backed_up, "origin": _client_origin(response), "rpID": rp_id,
    }
    return Assertion(verified.new_sign_count, verified.user_verified,
                     {"verified": True, "authenticationInfo": info})
