"""Error codes of the admin plugin, Better Auth's ``ADMIN_ERROR_CODES`` string for string."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class AdminErrorCodes(ErrorCodes):
    FAILED_TO_CREATE_USER = code("Failed to create user")
    USER_ALREADY_EXISTS = code("User already exists.")
    USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL = code("User already exists. Use another email.")
    YOU_CANNOT_BAN_YOURSELF = code("You cannot ban yourself")
    YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE = code("You are not allowed to change users role")
    YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS = code("You are not allowed to create users")
    YOU_ARE_NOT_ALLOWED_TO_LIST_USERS = code("You are not allowed to list users")
    YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS = code("You are not allowed to list users sessions")
    YOU_ARE_NOT_ALLOWED_TO_BAN_USERS = code("You are not allowed to ban users")
    YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS = code("You are not allowed to impersonate users")
    YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS = code("You are not allowed to revoke users sessions")
    YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS = code("You are not allowed to delete users")
    YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD = code("You are not allowed to set users password")
    BANNED_USER = code("You have been banned from this application")
    YOU_ARE_NOT_ALLOWED_TO_GET_USER = code("You are not allowed to get user")
    NO_DATA_TO_UPDATE = code("No data to update")
    YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS = code("You are not allowed to update users")
    YOU_CANNOT_REMOVE_YOURSELF = code("You cannot remove yourself")
    YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE = code("You are not allowed to set a non-existent role value")
    YOU_CANNOT_IMPERSONATE_ADMINS = code("You cannot impersonate admins")
    INVALID_ROLE_TYPE = code("Invalid role type")
    YOU_ARE_NOT_ALLOWED_TO_SET_USERS_EMAIL = code("You are not allowed to update users email")
    YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PHONE_NUMBER = code("You are not allowed to update users phone number")
    PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER = code(
        "Password cannot be updated through update-user. Use the set-user-password endpoint instead"
    )
    USER_ID_CANNOT_BE_UPDATED = code("User id cannot be updated")
    # upstream fix after 1.7.24 (better-auth PR #10825): a bearer-authenticated session cannot impersonate,
    # since the bearer token would keep overriding the impersonation cookie
    YOU_CANNOT_IMPERSONATE_WITH_BEARER = code(
        "Impersonation is not supported with bearer authentication. Use a cookie session instead"
    )
    # tessera's codes for Better Auth's code-less 500s of stop-impersonating: a missing or forged cookie is the
    # client's input, so a 400
    FAILED_TO_FIND_ADMIN_SESSION = code("Failed to find admin session")
    FAILED_TO_FIND_USER = code("Failed to find user")
