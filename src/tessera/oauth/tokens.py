"""Provider tokens on the ``account`` row: encrypted at rest when asked, refreshed when they expire.

With ``account.encrypt_oauth_tokens`` the access and refresh tokens are sealed in Better Auth's format
(``crypto.symmetric``), so a database shared with a Better Auth deployment stays readable by both; rows written
before encryption was switched on are read as plain text. With ``secrets`` rotation the tokens are written
under the current version and read under the version their envelope names. ID tokens are stored as they are (as Better Auth does):
they are signed, short-lived, and carry no authority of their own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..context import AuthContext
from ..crypto.symmetric import ENVELOPE_PREFIX, DecryptionError, symmetric_decrypt, symmetric_encrypt
from ..db.adapter import Row
from .provider import OAuth2Tokens, OAuthProvider

#: an access token this close to expiry is refreshed before it is handed out (Better Auth: 5 s)
REFRESH_MARGIN = timedelta(seconds=5)


def is_likely_encrypted(value: str) -> bool:
    """Better Auth's test for a sealed token (rows from before encryption was switched on are plain)."""
    if value.startswith(ENVELOPE_PREFIX):
        return True
    return len(value) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in value)


def seal(auth: AuthContext, token: str | None) -> str | None:
    if token and auth.account_config.encrypt_oauth_tokens:
        return symmetric_encrypt(auth.keyring, token)
    return token


def unseal(auth: AuthContext, stored: str | None) -> str | None:
    if not stored or not auth.account_config.encrypt_oauth_tokens or not is_likely_encrypted(stored):
        return stored
    try:
        return symmetric_decrypt(auth.keyring, stored)
    except DecryptionError:
        # a plain token that merely looks like hex (written before encryption was enabled)
        return stored


def token_columns(auth: AuthContext, tokens: OAuth2Tokens, *, scope: str | None = None) -> dict[str, Any]:
    """The account columns for ``tokens``; absent values are left out so they never erase stored ones."""
    columns = {
        "accessToken": seal(auth, tokens.access_token),
        "refreshToken": seal(auth, tokens.refresh_token),
        "idToken": tokens.id_token,
        "accessTokenExpiresAt": tokens.access_token_expires_at,
        "refreshTokenExpiresAt": tokens.refresh_token_expires_at,
        "scope": scope,
    }
    return {k: v for k, v in columns.items() if v is not None}


def merge_scopes(stored: str | None, incoming: list[str] | None) -> str:
    existing = [s.strip() for s in (stored or "").split(",") if s.strip()]
    merged = list(dict.fromkeys([*existing, *(s.strip() for s in incoming or () if s.strip())]))
    return ",".join(merged)


def parse_stored_scopes(scope: str | None) -> list[str]:
    return [s.strip() for s in (scope or "").split(",") if s.strip()]


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at - now < REFRESH_MARGIN


async def refresh_account(auth: AuthContext, provider: OAuthProvider, account: Row) -> tuple[OAuth2Tokens, str]:
    """Refresh ``account``'s tokens at the provider and store them; returns the tokens and the refresh token used."""
    refresh_token = unseal(auth, account.get("refreshToken"))
    assert refresh_token
    tokens = await provider.refresh_access_token(refresh_token)
    update: dict[str, Any] = {
        "accessToken": seal(auth, tokens.access_token),
        "accessTokenExpiresAt": tokens.access_token_expires_at,
        "refreshToken": seal(auth, tokens.refresh_token) if tokens.refresh_token else account.get("refreshToken"),
        "refreshTokenExpiresAt": tokens.refresh_token_expires_at or account.get("refreshTokenExpiresAt"),
        "idToken": tokens.id_token or account.get("idToken"),
    }
    updated = await auth.store.update_account(account["id"], update)
    if updated is not None:
        account.update(updated)
    return tokens, refresh_token


async def valid_access_token(auth: AuthContext, provider: OAuthProvider, account: Row) -> dict[str, Any]:
    """``{accessToken, accessTokenExpiresAt, scopes, idToken}``, refreshing first when the token is (nearly) expired."""
    fresh: OAuth2Tokens | None = None
    if (
        account.get("refreshToken")
        and provider.supports_refresh
        and _expired(account.get("accessTokenExpiresAt"), auth.now())
    ):
        fresh, _ = await refresh_account(auth, provider, account)
    return {
        "accessToken": fresh.access_token if fresh else unseal(auth, account.get("accessToken")) or "",
        "accessTokenExpiresAt": (fresh.access_token_expires_at if fresh else None) or account.get("accessTokenExpiresAt"),
        "scopes": parse_stored_scopes(account.get("scope")),
        "idToken": (fresh.id_token if fresh else None) or account.get("idToken"),
    }
