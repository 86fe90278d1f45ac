"""What crosses between the deployments, sealed with keys derived from the shared secret (one per purpose, as
Better Auth 1.7.24 derives them since CVE-2026-110864: a value sealed for one purpose never opens as another).

* ``oauth-proxy-package`` — the ``state`` sent to the provider: ``{state, stateCookie, isOAuthProxy}``, where
  ``stateCookie`` is the preview's flow (its ``auth-state:`` row) sealed under ``oauth-proxy-state``. The
  production server reads the PKCE verifier, nonce and return URL from it without sharing a database.
* ``oauth-proxy-profile`` — the production server's answer, in the ``profile`` query parameter of the preview's
  ``/callback/:id/oauth-proxy``: the identity and tokens, the preview's ``state``, and a ``timestamp`` (ms).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...crypto.keyring import Keyring
from ...crypto.purpose import purpose_keyring
from ...oauth.provider import OAuth2Tokens, UserInfo

PACKAGE = "oauth-proxy-package"
STATE = "oauth-proxy-state"
PROFILE = "oauth-proxy-profile"


def keyrings(base: Keyring) -> dict[str, Keyring]:
    return {purpose: purpose_keyring(base, purpose) for purpose in (PACKAGE, STATE, PROFILE)}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def build_payload(
    info: UserInfo, tokens: OAuth2Tokens, provider_id: str, *, state: str, callback_url: str,
    new_user_url: str | None, error_url: str | None, disable_sign_up: bool, timestamp_ms: int,
) -> dict[str, Any]:
    """Better Auth's passthrough payload (``JSON.stringify`` drops what is undefined)."""
    account = {
        "accountId": info.id, "providerId": provider_id, "accessToken": tokens.access_token,
        "refreshToken": tokens.refresh_token, "idToken": tokens.id_token,
        "accessTokenExpiresAt": _iso(tokens.access_token_expires_at),
        "refreshTokenExpiresAt": _iso(tokens.refresh_token_expires_at),
        "scope": ",".join(tokens.scopes) or None,
    }
    user = {"id": info.id, "email": info.email, "name": info.name or "", "image": info.image,
            "emailVerified": info.email_verified}
    payload: dict[str, Any] = {
        "userInfo": {k: v for k, v in user.items() if v is not None},
        "profile": info.data,
        "scopes": tokens.scopes,
        "account": {k: v for k, v in account.items() if v is not None},
        "state": state,
        "callbackURL": callback_url,
        "newUserURL": new_user_url,
        "errorURL": error_url,
        "disableSignUp": disable_sign_up,
        "timestamp": timestamp_ms,
    }
    return {k: v for k, v in payload.items() if v is not None}


class InvalidPayload(ValueError):
    pass


def read_payload(data: Any) -> tuple[UserInfo, OAuth2Tokens, dict[str, Any]]:
    """The identity, tokens and the rest of a decrypted payload; ``InvalidPayload`` when it is not one."""
    if not isinstance(data, dict):
        raise InvalidPayload
    user, account = data.get("userInfo"), data.get("account")
    if not isinstance(user, dict) or not isinstance(account, dict):
        raise InvalidPayload
    account_id, provider_id = account.get("accountId"), account.get("providerId")
    if not _str(account_id) or not _str(provider_id) or str(user.get("id", account_id)) != account_id:
        raise InvalidPayload
    email, verified = user.get("email"), user.get("emailVerified")
    if not _str(email) or not isinstance(verified, bool) or not isinstance(user.get("name", ""), str):
        raise InvalidPayload
    timestamp = data.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
        raise InvalidPayload
    if not _str(data.get("state")) or not _str(data.get("callbackURL")):
        raise InvalidPayload
    scopes = data.get("scopes")
    if scopes is None:
        scope = account.get("scope")
        scopes = [s for s in scope.split(",") if s] if isinstance(scope, str) else []
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise InvalidPayload
    profile = data.get("profile")
    info = UserInfo(
        id=account_id, email=email, name=_str(user.get("name")), image=_str(user.get("image")),
        email_verified=verified, data=profile if isinstance(profile, dict) else {},
    )
    tokens = OAuth2Tokens(
        access_token=_str(account.get("accessToken")), refresh_token=_str(account.get("refreshToken")),
        id_token=_str(account.get("idToken")), access_token_expires_at=_date(account.get("accessTokenExpiresAt")),
        refresh_token_expires_at=_date(account.get("refreshTokenExpiresAt")), scopes=list(scopes),
    )
    return info, tokens, data
