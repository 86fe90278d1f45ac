"""Columns the admin plugin adds, named and typed as Better Auth's ``admin()`` declares them."""

from __future__ import annotations

from ...db.schema import Field, TableExtension

SESSION_FIELDS = (Field("impersonatedBy", required=False, input=False),)


def admin_schema(default_role: str) -> tuple[TableExtension, ...]:
    # ``role``'s default is a callable, so it fills new rows (and the enumeration-safe answer to a taken address)
    # without a DDL default that Better Auth's table layout does not have
    user_fields = (
        Field("role", required=False, input=False, default=lambda: default_role),
        Field("banned", "boolean", required=False, default=False, input=False),
        Field("banReason", required=False, input=False),
        Field("banExpires", "date", required=False, input=False),
    )
    return (TableExtension("user", user_fields), TableExtension("session", SESSION_FIELDS))
