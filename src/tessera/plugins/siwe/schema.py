"""The ``walletAddress`` table, field for field Better Auth 1.7.24's siwe schema."""

from __future__ import annotations

from collections.abc import Mapping

from ...db.schema import Field, Index, Reference, Table

FIELDS = ("userId", "address", "chainId", "isPrimary", "createdAt")


def wallet_address_schema(columns: Mapping[str, str]) -> tuple[Table, ...]:
    table = Table(
        "walletAddress",
        (
            Field("userId", index=True, references=Reference("user"), column=columns.get("userId")),
            # ERC-55 checksummed, as Better Auth stores it
            Field("address", column=columns.get("address")),
            Field("chainId", "number", column=columns.get("chainId")),
            Field("isPrimary", "boolean", required=False, default=False, column=columns.get("isPrimary")),
            Field("createdAt", "date", column=columns.get("createdAt")),
        ),
        # Better Auth declares no key here; a unique (address, chainId) makes two first sign-ins of one wallet
        # racing each other end with one user, not two
        indexes=(Index(("address", "chainId"), unique=True),),
    )
    return (table,)
