"""Options of the device-authorization plugin: Better Auth's ``deviceAuthorization()`` options in snake_case.

Checked when the plugin is made, as Better Auth's zod schema does, so a bad time span or code length is a
``ConfigError`` at startup rather than a failure on the first request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import ConfigError

#: ``generate_device_code()`` / ``generate_user_code()`` -> str, sync or async
GenerateCode = Callable[[], Any]
#: ``validate_client(client_id)`` -> bool, sync or async
ValidateClient = Callable[[str], Any]
#: ``on_device_auth_request(client_id, scope)``, sync or async; ``scope`` is ``None`` when none was asked for
OnDeviceAuthRequest = Callable[[str, str | None], Any]

#: the longest code Better Auth allows (an indexed VARCHAR on MySQL with utf8mb4)
MAX_CODE_LENGTH = 191

_SECOND = 1000
_UNITS_MS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), _SECOND),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60 * _SECOND),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600 * _SECOND),
    **dict.fromkeys(("d", "day", "days"), 86400 * _SECOND),
    **dict.fromkeys(("w", "week", "weeks"), 7 * 86400 * _SECOND),
    **dict.fromkeys(("mo", "month", "months"), 30 * 86400 * _SECOND),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), 365.25 * 86400 * _SECOND),
}
_SPAN = re.compile(r"^(\d+|\d+\.\d+) ?([a-z]+)$", re.IGNORECASE)


def span_ms(value: int | float | str, name: str) -> int:
    """Milliseconds from a number of seconds or Better Auth's ``ms()`` time string (``"30m"``, ``"5s"``)."""
    if isinstance(value, bool):
        raise ConfigError(f"device_authorization(): {name} must be seconds or a time string like '30m'")
    if isinstance(value, int | float):
        millis = float(value) * _SECOND
    elif isinstance(value, str):
        match = _SPAN.match(value.strip())
        unit = _UNITS_MS.get(match.group(2).lower()) if match else None
        if match is None or unit is None:
            raise ConfigError(
                f"device_authorization(): {name}: invalid time string {value!r}; use formats like '30m', '5s', '1h'"
            )
        millis = float(match.group(1)) * unit
    else:
        raise ConfigError(f"device_authorization(): {name} must be seconds or a time string like '30m'")
    if millis <= 0:
        raise ConfigError(f"device_authorization(): {name} must be positive")
    return round(millis)


@dataclass(frozen=True)
class DeviceAuthorizationOptions:
    #: how long a device code (and its user code) can be used: seconds or a time string
    expires_in: int | float | str = "30m"
    #: the least time between two polls of ``/device/token``: seconds or a time string
    interval: int | float | str = "5s"
    #: characters of a default device code (``[A-Za-z0-9]``), at most 191
    device_code_length: int = 40
    #: characters of a default user code (``ABCDEFGHJKLMNPQRSTUVWXYZ23456789``), at most 191
    user_code_length: int = 8
    generate_device_code: GenerateCode | None = None
    generate_user_code: GenerateCode | None = None
    #: refuse unknown clients at ``/device/code`` and ``/device/token`` (``invalid_client``)
    validate_client: ValidateClient | None = None
    on_device_auth_request: OnDeviceAuthRequest | None = None
    #: where people enter the user code: an absolute URL or a path resolved against the base URL; ``/device``
    verification_uri: str | None = None
    #: Better Auth's ``schema`` option: ``{"deviceCode": {"modelName": "device_codes", "fields": {"userCode":
    #: "user_code"}}}`` renames the table and its columns
    schema: Mapping[str, Any] | None = None
    #: the parsed ``expires_in`` and ``interval``, in milliseconds
    expires_in_ms: int = field(init=False, default=0)
    interval_ms: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "expires_in_ms", span_ms(self.expires_in, "expires_in"))
        object.__setattr__(self, "interval_ms", span_ms(self.interval, "interval"))
        for name in ("device_code_length", "user_code_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_CODE_LENGTH:
                raise ConfigError(f"device_authorization(): {name} must be an integer from 1 to {MAX_CODE_LENGTH}")
        for name in ("generate_device_code", "generate_user_code", "validate_client", "on_device_auth_request"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ConfigError(f"device_authorization(): {name} must be a function")
        if self.verification_uri is not None and not isinstance(self.verification_uri, str):
            raise ConfigError("device_authorization(): verification_uri must be a URL or a path")
        self.table_names()  # a malformed ``schema`` fails here, when the plugin is made

    def table_names(self) -> tuple[str | None, dict[str, str]]:
        """The ``deviceCode`` table's name and its renamed columns, from ``schema``."""
        if self.schema is None:
            return None, {}
        if not isinstance(self.schema, Mapping) or set(self.schema) - {"deviceCode"}:
            raise ConfigError("device_authorization(): schema may only configure deviceCode")
        table = self.schema.get("deviceCode") or {}
        if not isinstance(table, Mapping) or set(table) - {"modelName", "model_name", "fields"}:
            raise ConfigError("device_authorization(): schema.deviceCode takes modelName and fields")
        model_name = table.get("modelName", table.get("model_name"))
        if model_name is not None and (not isinstance(model_name, str) or not model_name):
            raise ConfigError("device_authorization(): schema.deviceCode.modelName must be a non-empty string")
        fields = table.get("fields") or {}
        if not isinstance(fields, Mapping) or not all(isinstance(v, str) and v for v in fields.values()):
            raise ConfigError("device_authorization(): schema.deviceCode.fields maps field names to column names")
        return model_name, dict(fields)
