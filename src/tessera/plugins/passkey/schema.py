"""The ``passkey`` table, field for field ``@better-auth/passkey`` 1.7's schema, so a Node and a Python
deployment read and write the same rows."""

from __future__ import annotations

from ...db.schema import Field, Reference, Table


def passkey_schema(table_name: str | None = None) -> tuple[Table, ...]:
    table = Table(
        "passkey",
        (
            Field("name", required=False),
            # the credential's COSE public key, standard base64 with padding (``base64.encode`` in Better Auth)
            Field("publicKey"),
            Field("userId", index=True, references=Reference("user")),
            # base64url without padding, as the browser reports ``credential.id``. Better Auth declares a plain
            # index; here it is unique, so two users can never hold one credential even when registrations race
            # (WebAuthn §7.1 step 26)
            Field("credentialID", unique=True),
            Field("counter", "number"),
            # ``singleDevice`` | ``multiDevice``
            Field("deviceType"),
            Field("backedUp", "boolean"),
            # comma-separated ``AuthenticatorTransport`` values (``internal,hybrid``)
            Field("transports", required=False),
            Field("createdAt", "date", required=False),
            Field("aaguid", required=False),
        ),
        table_name=table_name,
    )
    return (table,)
