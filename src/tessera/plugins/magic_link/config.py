"""Options of the magic-link plugin: Better Auth's ``MagicLinkOptions`` in snake_case."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ...errors import ConfigError

#: ``send_magic_link(email=, url=, token=, metadata=, request=)``, sync or async. The link (and the token in
#: it) is a credential: hand it to the mail transport only, never to a log
SendMagicLink = Callable[..., Any]
#: ``generate_token(email)`` -> the token mailed in the link, sync or async
GenerateToken = Callable[[str], Any]
#: ``hash(token)`` -> what is stored instead of the token, async (Better Auth's ``custom-hasher``)
TokenHasher = Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class CustomHasher:
    """``store_token=CustomHasher(hash=fn)``: Better Auth's ``{type: "custom-hasher", hash}``."""

    hash: TokenHasher


StoreToken = Literal["plain", "hashed"] | CustomHasher


@dataclass(frozen=True)
class MagicLinkRateLimit:
    window: int = 60
    max: int = 5


def hash_token(token: str) -> str:
    """Better Auth's ``defaultKeyHasher``: base64url (unpadded) of SHA-256 of the token."""
    digest = hashlib.sha256(token.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class MagicLinkOptions:
    #: called with the link to mail; required
    send_magic_link: SendMagicLink | None = None
    #: seconds a link stays valid
    expires_in: int = 300
    #: refuse to create an account for an unknown address (``?error=new_user_signup_disabled``)
    disable_sign_up: bool = False
    #: how the token is kept in the verification table: ``"plain"``, ``"hashed"`` (SHA-256) or a
    #: ``CustomHasher``; the link always carries the token itself
    store_token: StoreToken = "plain"
    generate_token: GenerateToken | None = None
    #: for ``/sign-in/magic-link`` and ``/magic-link/verify``
    rate_limit: MagicLinkRateLimit = MagicLinkRateLimit()

    def __post_init__(self) -> None:
        if not callable(self.send_magic_link):
            raise ConfigError("magic_link(): send_magic_link is required (a function mailing the link)")
        if isinstance(self.rate_limit, Mapping):
            try:
                object.__setattr__(self, "rate_limit", MagicLinkRateLimit(**self.rate_limit))
            except TypeError as exc:
                raise ConfigError(f"magic_link(): rate_limit: {exc}") from None
        object.__setattr__(self, "store_token", checked_store_token("magic_link", self.store_token))
        if not isinstance(self.expires_in, int) or self.expires_in < 1:
            raise ConfigError("magic_link(): expires_in must be a positive number of seconds")
        if self.rate_limit.window < 1 or self.rate_limit.max < 1:
            raise ConfigError("magic_link(): rate_limit window and max must be positive")

    async def stored(self, token: str) -> str:
        """What the verification row is named after: the token, its SHA-256, or the custom hash."""
        return await stored_token(self.store_token, token)


def checked_store_token(factory: str, value: Any) -> StoreToken:
    """``store_token`` as given (Better Auth's ``{"type": "custom-hasher", "hash": fn}`` becomes a
    ``CustomHasher``), or a ``ConfigError`` naming the plugin factory."""
    if isinstance(value, Mapping):
        if value.get("type") != "custom-hasher" or not callable(value.get("hash")):
            raise ConfigError(f"{factory}(): store_token must be 'plain', 'hashed' or a CustomHasher")
        value = CustomHasher(value["hash"])
    if value not in ("plain", "hashed") and not isinstance(value, CustomHasher):
        raise ConfigError(f"{factory}(): store_token must be 'plain', 'hashed' or a CustomHasher")
    return value  # type: ignore[no-any-return]


async def stored_token(store_token: StoreToken, token: str) -> str:
    """``token`` as ``store_token`` keeps it: itself (``"plain"``), its SHA-256 (``"hashed"``), or the custom
    hash (also the one-time-token plugin's rule)."""
    if store_token == "hashed":
        return hash_token(token)
    if isinstance(store_token, CustomHasher):
        return str(await store_token.hash(token))
    return token
