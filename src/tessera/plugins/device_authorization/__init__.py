"""The device-authorization plugin (Better Auth's ``deviceAuthorization()``, RFC 8628): sign in on a device
without a keyboard or browser — a TV, a CLI — by approving it from a signed-in browser, compatible with the
official ``deviceAuthorizationClient``::

    from tessera.plugins.device_authorization import device_authorization

    auth = Tessera(..., plugins=[device_authorization(
        expires_in="30m", interval="5s", validate_client=lambda client_id: client_id in MY_CLIENTS,
        verification_uri="https://example.com/device",
    )])

``POST /device/code`` gives the device a device code and a user code; the person opens ``verification_uri``,
``GET /device?user_code=…`` (signed in) claims the code, ``POST /device/approve`` or ``/device/deny`` decides;
the device polls ``POST /device/token`` until it receives a session token. Rows live in the ``deviceCode``
table. See docs/device-authorization.md.
"""

from __future__ import annotations

from typing import Any

from ..base import ContextPlugin, RateLimitRule, plugin_from_options
from .config import DeviceAuthorizationOptions
from .endpoints import USER_CODE_ALPHABET, build_endpoints, normalize_user_code
from .errors import DeviceAuthorizationErrorCodes, OAuthError
from .schema import device_code_table

__all__ = [
    "USER_CODE_ALPHABET",
    "DeviceAuthorizationErrorCodes",
    "DeviceAuthorizationOptions",
    "DeviceAuthorizationPlugin",
    "OAuthError",
    "device_authorization",
    "normalize_user_code",
]


class DeviceAuthorizationPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(DeviceAuthorizationPlugin).options`` is its options."""

    options: DeviceAuthorizationOptions

    def __init__(self, options: DeviceAuthorizationOptions) -> None:
        model_name, columns = options.table_names()
        super().__init__(
            id="device-authorization",
            schema=(device_code_table(model_name, columns),),
            error_codes=DeviceAuthorizationErrorCodes,
            # Better Auth's rule: 5 user-code look-ups per expiry window for ``/device`` itself (guessing user
            # codes), nothing special for the device's polling
            rate_limit=(RateLimitRule("/device", window=max(1, options.expires_in_ms // 1000), max=5, exact=True),),
            init=self._init,
            options=options,
        )
        self.endpoints = build_endpoints(self)


def device_authorization(
    options: DeviceAuthorizationOptions | None = None, /, **kwargs: Any
) -> DeviceAuthorizationPlugin:
    """Better Auth's ``deviceAuthorization()`` plugin. Keyword arguments are ``DeviceAuthorizationOptions``
    fields: ``device_authorization(expires_in="10m", interval=5, user_code_length=8)``."""
    return plugin_from_options("device_authorization", DeviceAuthorizationPlugin, DeviceAuthorizationOptions,
                               options, kwargs)
