"""Provider logout on sign-out (OpenID Connect RP-Initiated Logout), as Better Auth 1.7's ``/sign-out`` does it.

After the session is gone, the user's accounts are looked at, most recently updated first; the first provider
that builds an end-session URL (``OAuthProvider.end_session_url``; generic OAuth providers with an
``end_session_endpoint``) is where the browser goes next: sign-out answers ``{success, url, redirect}`` and,
unless ``disableRedirect``, a ``Location``. The ``callbackURL`` of the body (checked against the trusted origins
like every ``callbackURL``) becomes ``post_logout_redirect_uri``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from ..context import RequestContext
from .linking import runtime

logger = logging.getLogger("tessera.oauth")

_EPOCH = datetime.min.replace(tzinfo=UTC)


def _updated(account: dict[str, Any]) -> datetime:
    value = account.get("updatedAt")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return _EPOCH


async def provider_logout_url(ctx: RequestContext, user_id: str, body: dict[str, Any]) -> str | None:
    """The end-session URL of the user's most recently used provider that offers one, or ``None``."""
    providers = runtime(ctx.auth).providers
    if not any(p.offers_logout for p in providers.values()):
        return None  # no database read for deployments without provider logout
    accounts = [a for a in await ctx.auth.store.find_accounts(user_id) if a.get("providerId") in providers]
    callback = body.get("callbackURL")
    api_url = f"{ctx.base_url}{ctx.auth.base_path}"
    post_logout = urljoin(api_url, callback) if isinstance(callback, str) and callback else None
    state = body.get("state") if isinstance(body.get("state"), str) else None
    seen: set[str] = set()
    for account in sorted(accounts, key=_updated, reverse=True):
        provider = providers[account["providerId"]]
        if provider.id in seen or not provider.offers_logout:
            continue
        seen.add(provider.id)
        try:
            url = await provider.end_session_url(
                id_token=account.get("idToken"), post_logout_redirect_uri=post_logout, state=state, base_url=api_url
            )
        except Exception:
            logger.exception("provider %r: could not build the logout URL", provider.id)
            continue
        if url:
            return url
    return None
