"""The have-i-been-pwned plugin (Better Auth's ``haveIBeenPwned()``): a new password that appears in a known
breach is refused with ``400 PASSWORD_COMPROMISED``::

    from tessera.plugins.have_i_been_pwned import have_i_been_pwned

    auth = Tessera(..., plugins=[have_i_been_pwned()])

As in Better Auth, the check sits in the password hasher: when an endpoint in ``paths`` (sign-up, change-password,
the reset flows, the admin's create-user and set-user-password, set-password) hashes a new password, the Pwned
Passwords range API is asked first, with only five hex digits of the password's SHA-1. So it runs after the
endpoint's own checks (length, a valid token or code), and a refused password spends no token and writes nothing.
No endpoints, no tables. See docs/have-i-been-pwned.md.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from ...context import AuthContext
from ...crypto.password import PasswordHasher
from ...db.hooks import current_request
from ...errors import APIError
from ..base import ContextPlugin, plugin_from_options
from .config import DEFAULT_API_URL, DEFAULT_PATHS, HaveIBeenPwnedOptions
from .errors import HaveIBeenPwnedErrorCodes
from .range import PwnedPasswords, PwnedPasswordsUnavailable

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_PATHS",
    "HaveIBeenPwnedErrorCodes",
    "HaveIBeenPwnedOptions",
    "HaveIBeenPwnedPlugin",
    "PwnedPasswords",
    "PwnedPasswordsUnavailable",
    "have_i_been_pwned",
]

logger = logging.getLogger("tessera")


class BreachCheckingHasher:
    """The application's ``PasswordHasher``, asking the plugin first when a checked endpoint hashes a password."""

    def __init__(self, inner: PasswordHasher, plugin: HaveIBeenPwnedPlugin) -> None:
        self.inner = inner
        self._plugin = plugin

    async def hash(self, password: str) -> str:
        ctx = current_request.get()
        if ctx is not None and ctx.endpoint.path in self._plugin.paths:
            await self._plugin.reject_if_compromised(password)
        return await self.inner.hash(password)

    async def verify(self, stored: str, password: str) -> bool:
        return await self.inner.verify(stored, password)

    def needs_rehash(self, stored: str) -> bool:
        return self.inner.needs_rehash(stored)

    def __getattr__(self, name: str) -> Any:  # ``hash_sync``, a custom hasher's own methods
        return getattr(self.inner, name)


class HaveIBeenPwnedPlugin(ContextPlugin):
    """The plugin object; ``auth.plugin(HaveIBeenPwnedPlugin).options`` is its ``HaveIBeenPwnedOptions``."""

    options: HaveIBeenPwnedOptions

    def __init__(self, options: HaveIBeenPwnedOptions) -> None:
        self.paths = options.checked_paths
        self.service = PwnedPasswords(options.api_url, options.timeout)
        super().__init__(
            id="have-i-been-pwned",
            error_codes=HaveIBeenPwnedErrorCodes,
            init=self._wrap_hasher,
            shutdown=self._close,
            options=options,
        )

    def _wrap_hasher(self, context: AuthContext) -> None:
        self._init(context)
        if not self.options.enabled:
            return
        config = context.email_and_password
        context.email_and_password = replace(config, password=BreachCheckingHasher(config.password, self))

    async def _close(self, context: AuthContext) -> None:
        await self.service.aclose()

    async def reject_if_compromised(self, password: str) -> None:
        """``400 PASSWORD_COMPROMISED`` when the service knows ``password``; when it cannot be asked,
        ``503 PASSWORD_CHECK_UNAVAILABLE`` (or, with ``fail_open``, nothing but a warning)."""
        try:
            compromised = await self.service.is_compromised(password)
        except PwnedPasswordsUnavailable as exc:
            if self.options.fail_open:
                logger.warning("have_i_been_pwned: password not checked, the service is unavailable (%s)", exc)
                return
            logger.warning("have_i_been_pwned: new password refused unchecked, the service is unavailable (%s)", exc)
            raise APIError(503, HaveIBeenPwnedErrorCodes.PASSWORD_CHECK_UNAVAILABLE) from None
        if compromised:
            codes = HaveIBeenPwnedErrorCodes
            message = self.options.custom_password_compromised_message or codes.PASSWORD_COMPROMISED.message
            raise APIError(400, codes.PASSWORD_COMPROMISED, message)


def have_i_been_pwned(options: HaveIBeenPwnedOptions | None = None, /, **kwargs: Any) -> HaveIBeenPwnedPlugin:
    """Better Auth's ``haveIBeenPwned()`` plugin. Keyword arguments are ``HaveIBeenPwnedOptions`` fields:
    ``have_i_been_pwned(custom_password_compromised_message="...", timeout=3.0, fail_open=False)``."""
    return plugin_from_options("have_i_been_pwned", HaveIBeenPwnedPlugin, HaveIBeenPwnedOptions, options, kwargs)
