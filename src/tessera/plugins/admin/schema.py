"""Columns the admin plugin adds, named and typed as Better Auth's ``admin()`` declares them."""

from __future__ import annotations

from ...db.schema import Field, TableExtension

USER_FIELDS = (
    Field("role", required=False, input=False),
    Field("banned", "boolean", required=False, default=False, input=False),
    Field("banReason", required=False, input=False),
    Field("banExpires", "date", required=False, input=False),
)
SESSION_FIELDS = (Field("impersonatedBy", required=False, input=False),)


def admin_schema() -> tuple[TableExtension, ...]:
    return (TableExtension("user", USER_FIELDS), TableExtension("session", SESSION_FIELDS))
