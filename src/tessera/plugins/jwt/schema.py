"""The ``jwks`` table, column for column Better Auth's, so both can read and write the same rows."""

from __future__ import annotations

from collections.abc import Mapping

from ...db.schema import Field, Table, utcnow


def jwks_table(model_name: str | None = None, fields: Mapping[str, str] | None = None) -> Table:
    columns = fields or {}
    return Table(
        "jwks",
        (
            # public JWK JSON (no kid/alg); ``kid`` is the row id
            Field("publicKey", column=columns.get("publicKey")),
            # private JWK JSON, by default a JSON-quoted XChaCha20-Poly1305 ciphertext of it
            Field("privateKey", returned=False, column=columns.get("privateKey")),
            Field("createdAt", "date", default=utcnow, column=columns.get("createdAt")),
            Field("expiresAt", "date", required=False, column=columns.get("expiresAt")),
            Field("alg", required=False, column=columns.get("alg")),
            Field("crv", required=False, column=columns.get("crv")),
        ),
        table_name=model_name,
    )
