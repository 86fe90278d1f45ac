"""The ``bearer`` plugin: sessions for clients that cannot keep cookies (mobile apps, CLIs, other servers).

``Authorization: Bearer <token>.<signature>`` (the value of the ``set-auth-token`` response header) is
accepted wherever the session cookie is, over HTTP and in ``auth.api.*`` calls. A bare session token is
accepted too unless ``require_signature=True``. No tables, no endpoints::

    auth = Tessera(plugins=[bearer(require_signature=True)])
    auth.plugin(BearerPlugin).options.require_signature  # typed access
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...hooks import Hook
from ..base import Plugin
from .config import BearerOptions
from .hooks import SET_AUTH_TOKEN, expose_session_token, session_from_bearer

__all__ = ["SET_AUTH_TOKEN", "BearerOptions", "BearerPlugin", "bearer"]


@dataclass
class BearerPlugin(Plugin):
    options: BearerOptions = field(default_factory=BearerOptions)


def bearer(*, require_signature: bool = False) -> BearerPlugin:
    options = BearerOptions(require_signature=require_signature)
    return BearerPlugin(
        id="bearer",
        before=(Hook(session_from_bearer(options), keeps_result=True),),
        after=(Hook(expose_session_token, keeps_result=True),),
        options=options,
    )
