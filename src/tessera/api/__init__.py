"""Better Auth's core endpoints."""

from __future__ import annotations

from ..endpoints import Endpoint
from ..oauth.endpoints import OAUTH_ENDPOINTS
from .accounts import list_user_accounts, unlink_account, verify_password
from .change_email import change_email
from .delete_user import delete_user, delete_user_callback
from .email_verification import send_verification_email, verify_email
from .error_page import error_page
from .ok import ok
from .password import change_password, set_password
from .password_reset import request_password_reset, request_password_reset_callback, reset_password
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
    request_password_reset,
    request_password_reset_callback,
    reset_password,
    change_email,
    delete_user,
    delete_user_callback,
    list_user_accounts,
    unlink_account,
    verify_password,
    ok,
    error_page,
    *OAUTH_ENDPOINTS,
)
