"""The passkey plugin (``@better-auth/passkey``'s ``passkey()``): WebAuthn registration and sign-in under
``/passkey/*``, compatible with the official ``passkeyClient``::

    from tessera.plugins.passkey import passkey

    auth = Tessera(..., plugins=[passkey(rp_id="example.com", rp_name="Acme", origin="https://example.com")])

Needs py_webauthn: ``pip install 'tessera-auth[passkey]'`` (importing ``tessera`` alone never imports it).
Schema: the ``passkey`` table (``tessera generate`` / ``migrate`` emit it). Each ceremony's challenge is a
single-use verification row named by the signed ``better-auth-passkey`` cookie, as Better Auth keeps it, so a
ceremony begun on a Node instance can be finished on a Python one. See docs/passkey.md.
"""

from __future__ import annotations

from typing import Any

from ...db.hooks import DatabaseHooksConfig
from ..base import ContextPlugin, plugin_from_options
from .ceremony import decode_public_key, encode_public_key  # raises the ImportError naming the extra
from .config import PasskeyAdvanced, PasskeyAuthentication, PasskeyOptions, PasskeyRegistration
from .endpoints import build_endpoints
from .errors import PasskeyErrorCodes
from .registration import record_created_user
from .schema import passkey_schema

__all__ = [
    "PasskeyAdvanced",
    "PasskeyAuthentication",
    "PasskeyErrorCodes",
    "PasskeyOptions",
    "PasskeyPlugin",
    "PasskeyRegistration",
    "decode_public_key",
    "encode_public_key",
    "passkey",
]


class PasskeyPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(PasskeyPlugin).options`` is its ``PasskeyOptions``."""

    options: PasskeyOptions

    def __init__(self, options: PasskeyOptions) -> None:
        registration = options.registration
        hooks: DatabaseHooksConfig = {}
        if not registration.require_session and registration.after_verification is not None:
            # passkey-first sign-up attaches a passkey only to a user its after_verification created
            hooks = {"user": {"create": {"after": record_created_user}}}
        super().__init__(
            id="passkey",
            schema=passkey_schema(options.passkey_table),
            error_codes=PasskeyErrorCodes,
            database_hooks=hooks,
            init=self._init,
            options=options,
        )
        self.endpoints = build_endpoints(self)


def passkey(options: PasskeyOptions | None = None, /, **kwargs: Any) -> PasskeyPlugin:
    """``@better-auth/passkey``'s ``passkey()``. Keyword arguments are ``PasskeyOptions`` fields:
    ``passkey(rp_id="example.com", origin="https://example.com", authenticator_selection={...})``."""
    return plugin_from_options("passkey", PasskeyPlugin, PasskeyOptions, options, kwargs)
