"""Creating a session for a user and setting its cookies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..context import RequestContext
from ..crypto.random import generate_id
from ..db.adapter import Adapter
from ..db.hooks import HookVeto
from ..errors import APIError, BaseErrorCodes
from ..outage import outage_cause
from .model import SessionData

DONT_REMEMBER_LIFETIME = 86400
#: longer user agents are cut (real ones are a few hundred characters)
USER_AGENT_MAX_LENGTH = 4096


async def create_session(
    ctx: RequestContext,
    user: dict[str, Any],
    *,
    dont_remember: bool = False,
    extra: dict[str, Any] | None = None,
    adapter: Adapter | None = None,
    status_on_failure: int = 400,
) -> SessionData:
    auth = ctx.auth
    lifetime = DONT_REMEMBER_LIFETIME if dont_remember else auth.session_config.expires_in
    ip = auth.plugin_state["client_ip"].of(ctx.request) if ctx.is_http else None
    ctx.session_user = user
    try:
        row = await auth.store.create_session(
            user["id"],
            generate_id(32),
            expires_at=auth.now() + timedelta(seconds=lifetime),
            ip_address=ip,
            user_agent=recorded_user_agent(ctx.request.headers.get("user-agent")),
            extra=extra,
            adapter=adapter,
            user=user,
        )
    except HookVeto as exc:  # a session.create before-hook said no: the endpoint's own failure status
        raise APIError(status_on_failure, BaseErrorCodes.FAILED_TO_CREATE_SESSION) from exc
    except APIError:
        raise
    except Exception as exc:
        if outage_cause(exc) is not None:
            raise  # the store is unreachable: a 503, not "failed to create session"
        raise APIError(status_on_failure, BaseErrorCodes.FAILED_TO_CREATE_SESSION) from exc
    finally:
        ctx.session_user = None
    return SessionData(auth.store.public("session", row), auth.store.public("user", user))


def recorded_user_agent(value: str | None) -> str | None:
    """The ``User-Agent`` as the session row keeps it: a header the client chose must not fail the sign-in, so
    NUL characters (PostgreSQL cannot store them) are dropped and the length is capped inside every backend's
    column."""
    if value is None:
        return None
    return value.replace("\x00", "")[:USER_AGENT_MAX_LENGTH]


def set_session_cookies(ctx: RequestContext, data: SessionData, *, dont_remember: bool = False) -> None:
    """Set the signed token (and cache) cookies and record the session as this request's new session."""
    auth = ctx.auth
    auth.cookies.set_session(ctx.response, data.token, dont_remember=dont_remember)
    cache = auth.plugin_state.get("cookie_cache")
    if cache is not None:
        cache.write(ctx, data, dont_remember=dont_remember)
    ctx.new_session = data
    ctx.session_memo = data
