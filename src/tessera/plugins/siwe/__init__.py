"""The siwe plugin (Better Auth's ``siwe()``): Sign-In With Ethereum (EIP-4361), compatible with the official
``siweClient``::

    from tessera.plugins.siwe import siwe

    auth = Tessera(..., plugins=[siwe(domain="example.com", get_nonce=make_nonce, verify_message=check_sig)])

``POST /siwe/nonce`` (alias ``/siwe/get-nonce``) issues a single-use nonce; ``POST /siwe/verify`` checks the
signed message (domain, nonce, address, chain, validity window; the signature by the application's
``verify_message``), finds or creates the wallet's user and signs in. Schema: the ``walletAddress`` table.
See docs/siwe.md.
"""

from __future__ import annotations

from typing import Any

from ..base import ContextPlugin, plugin_from_options
from .config import SiweOptions
from .endpoints import build_endpoints
from .errors import SiweErrorCodes
from .message import SiweMessage, normalize_siwe_domain, parse_siwe_message, to_checksum_address
from .schema import wallet_address_schema

__all__ = [
    "SiweErrorCodes",
    "SiweMessage",
    "SiweOptions",
    "SiwePlugin",
    "normalize_siwe_domain",
    "parse_siwe_message",
    "siwe",
    "to_checksum_address",
]


class SiwePlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(SiwePlugin).options`` is its ``SiweOptions``."""

    options: SiweOptions

    def __init__(self, options: SiweOptions) -> None:
        super().__init__(
            id="siwe",
            schema=wallet_address_schema(options.columns()),
            error_codes=SiweErrorCodes,
            init=self._init,
            options=options,
        )
        self.endpoints = build_endpoints(self)


def siwe(options: SiweOptions | None = None, /, **kwargs: Any) -> SiwePlugin:
    """Better Auth's ``siwe()`` plugin. Keyword arguments are ``SiweOptions`` fields:
    ``siwe(domain="example.com", get_nonce=fn, verify_message=fn, anonymous=False)``."""
    return plugin_from_options("siwe", SiwePlugin, SiweOptions, options, kwargs)
