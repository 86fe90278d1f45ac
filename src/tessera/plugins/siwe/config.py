"""Options of the siwe plugin: Better Auth's ``SIWEPluginOptions`` in snake_case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigError
from ..base import column_renames
from .schema import FIELDS

#: ``get_nonce()`` -> an ERC-4361 nonce (8-250 alphanumeric characters), sync or async
GetNonce = Callable[[], Any]
#: ``verify_message(message=, signature=, address=, chain_id=, cacao=)`` -> ``True`` only for a valid signature,
#: sync or async. Anything but ``True`` (``False``, ``None``, a truthy non-bool, an exception) refuses
VerifyMessage = Callable[..., Any]
#: ``ens_lookup(wallet_address=)`` -> ``{"name": …, "avatar": …}`` or ``None``, sync or async
EnsLookup = Callable[..., Any]


@dataclass(frozen=True)
class SiweOptions:
    #: the domain (``host[:port]``) messages must name; required
    domain: str = ""
    get_nonce: GetNonce | None = None
    verify_message: VerifyMessage | None = None
    #: new users get ``<address>@<email_domain_name>`` (lower case); without it ``<address>@siwe.placeholder.invalid``
    email_domain_name: str | None = None
    #: ``False`` requires an ``email`` in ``/siwe/verify``
    anonymous: bool = True
    ens_lookup: EnsLookup | None = None
    #: ``{"walletAddress": {"fields": {"address": "wallet_address"}}}``: other column names
    schema: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.domain, str) or not self.domain.strip():
            raise ConfigError("siwe(): domain is required (the host[:port] messages are signed for)")
        if not callable(self.get_nonce):
            raise ConfigError("siwe(): get_nonce is required (a function returning a fresh nonce)")
        if not callable(self.verify_message):
            raise ConfigError("siwe(): verify_message is required (a function checking the signature)")
        if self.ens_lookup is not None and not callable(self.ens_lookup):
            raise ConfigError("siwe(): ens_lookup must be a function")
        if not isinstance(self.anonymous, bool):
            raise ConfigError("siwe(): anonymous must be True or False")
        if self.email_domain_name is not None and (not isinstance(self.email_domain_name, str)
                                                   or not self.email_domain_name):
            raise ConfigError("siwe(): email_domain_name must be a non-empty string")
        self.columns()

    def columns(self) -> dict[str, str]:
        return column_renames("siwe", self.schema, "walletAddress", FIELDS)
