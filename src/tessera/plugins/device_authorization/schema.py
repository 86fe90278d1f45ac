"""The ``deviceCode`` table, field for field Better Auth 1.7's ``deviceAuthorization()`` schema, so a Node and a
Python deployment read and write the same rows."""

from __future__ import annotations

from collections.abc import Mapping

from ...db.schema import Field, Index, Table
from ...errors import ConfigError

FIELD_NAMES = (
    "deviceCode", "userCode", "userId", "expiresAt", "status", "lastPolledAt", "pollingInterval", "clientId", "scope",
)


def device_code_table(model_name: str | None = None, columns: Mapping[str, str] | None = None) -> Table:
    columns = columns or {}
    unknown = sorted(set(columns) - set(FIELD_NAMES))
    if unknown:
        raise ConfigError(f"device_authorization(): schema.deviceCode.fields: unknown field(s) {', '.join(unknown)}")
    return Table(
        "deviceCode",
        (
            # the device's secret: whoever holds it gets the session once approved
            Field("deviceCode", column=columns.get("deviceCode")),
            Field("userCode", column=columns.get("userCode")),
            # the user who claimed the code at ``GET /device`` (or the one ``/device/code`` pre-bound it to); no
            # foreign key, as in Better Auth: a row outlives nothing but its own expiry
            Field("userId", required=False, column=columns.get("userId")),
            Field("expiresAt", "date", column=columns.get("expiresAt")),
            # ``pending`` | ``approved`` | ``denied``
            Field("status", column=columns.get("status")),
            Field("lastPolledAt", "date", required=False, column=columns.get("lastPolledAt")),
            # milliseconds
            Field("pollingInterval", "number", required=False, column=columns.get("pollingInterval")),
            Field("clientId", required=False, column=columns.get("clientId")),
            Field("scope", required=False, column=columns.get("scope")),
        ),
        indexes=(Index(("deviceCode",), unique=True), Index(("userCode",), unique=True)),
        table_name=model_name,
    )
