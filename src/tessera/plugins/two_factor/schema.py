"""The ``twoFactor`` table and ``user.twoFactorEnabled``, field for field Better Auth 1.7's ``twoFactor()``
schema, so a Node and a Python deployment read and write the same rows."""

from __future__ import annotations

from ...db.schema import Field, Reference, Table, TableExtension

USER_FIELDS = (Field("twoFactorEnabled", "boolean", required=False, default=False, input=False),)


def two_factor_schema(table_name: str | None = None) -> tuple[Table | TableExtension, ...]:
    table = Table(
        "twoFactor",
        (
            # the TOTP secret, symmetric-encrypted (``$ba$<v>$<hex>`` or bare hex), indexed as Better Auth does
            Field("secret", index=True, returned=False),
            # the backup codes: an encrypted JSON array (or plain JSON with ``store_backup_codes="plain"``)
            Field("backupCodes", returned=False),
            Field("userId", index=True, returned=False, references=Reference("user")),
            Field("verified", "boolean", required=False, default=True, input=False),
            Field("failedVerificationCount", "number", required=False, default=0, input=False, returned=False),
            Field("lockedUntil", "date", required=False, input=False, returned=False),
        ),
        table_name=table_name,
    )
    return (TableExtension("user", USER_FIELDS), table)
