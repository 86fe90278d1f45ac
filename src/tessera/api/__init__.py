"""Better Auth's core endpoints."""

from __future__ import annotations

from ..endpoints import Endpoint
from .email_verification import send_verification_email, verify_email
from .ok import ok
from .password import change_password, set_password
from .session import (
    get_session,
    list_sessions,
    revoke_other_sessions,
    revoke_session,
    revoke_sessions,
    sign_out,
)
from .sign_in import sign_in_email
from .sign_up import sign_up_email
from .user import update_user

CORE_ENDPOINTS: tuple[Endpoint, ...] = (
    sign_up_email,
    sign_in_email,
    sign_out,
    get_session,
    list_sessions,
    revoke_session,
    revoke_sessions,
    revoke_other_sessions,
    update_user,
    change_password,
    set_password,
    send_verification_email,
    verify_email,
    ok,
)
