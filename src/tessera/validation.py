"""Request body and query validation with Better Auth's (zod v4) error messages.

A failure is ``400 {"message": "[body.email] Invalid email address; …", "code": "VALIDATION_ERROR"}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import APIError, BaseErrorCodes

Kind = Literal["string", "boolean", "number", "integer", "object", "array", "any", "email"]

# zod v4's default email pattern (ASCII only: a full-width "@" or homoglyph never passes)
EMAIL_RE = re.compile(
    r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$"
)
_MISSING = object()


def received(value: Any) -> str:
    if value is _MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass(frozen=True)
class F:
    """One field: its kind, whether it may be absent or null, and an optional default."""

    kind: Kind = "string"
    optional: bool = False
    nullable: bool = False
    default: Any = _MISSING
    max_length: int | None = None
    #: for query strings: accept any non-empty string as ``True`` (zod ``coerce.boolean``)
    coerce_bool: bool = False

    def check(self, value: Any) -> tuple[Any, str | None]:
        if value is _MISSING:
            if self.default is not _MISSING:
                return self.default, None
            if self.optional:
                return _MISSING, None
            return None, f"Invalid input: expected {self._expected()}, received undefined"
        if value is None and (self.nullable or (self.optional and self.kind != "boolean")):
            return None, None
        if self.coerce_bool:
            return (bool(value) if not isinstance(value, list) else bool(value[-1])), None
        kind = self.kind
        ok = {
            "string": isinstance(value, str),
            "email": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "object": isinstance(value, dict),
            "array": isinstance(value, list),
            "any": True,
        }[kind]
        if not ok:
            return None, f"Invalid input: expected {self._expected()}, received {received(value)}"
        if kind == "email" and not EMAIL_RE.match(value):
            return None, "Invalid email address"
        if self.max_length is not None and isinstance(value, str) and len(value) > self.max_length:
            return None, f"Too big: expected string to have <={self.max_length} characters"
        return value, None

    def _expected(self) -> str:
        return {"email": "string", "integer": "int"}.get(self.kind, self.kind)


@dataclass(frozen=True)
class Shape:
    """An object schema. Unknown keys are kept in the result for endpoints that accept extra fields."""

    fields: Mapping[str, F] = field(default_factory=dict)
    #: Better Auth's sign-up body is ``object & record``: an absent body reports both
    record: bool = False
    #: ``False`` for a pure ``z.record`` (update-user): only the record issue is reported
    object: bool = True
    #: every field optional without a default: an empty object validates to an empty object (most queries)
    _empty_ok: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        empty_ok = all(spec.optional and spec.default is _MISSING for spec in self.fields.values())
        object.__setattr__(self, "_empty_ok", empty_ok)

    def validate(self, data: Any, where: Literal["body", "query"] = "body") -> dict[str, Any]:
        if not data and self._empty_ok and type(data) is dict:
            return {}
        if not isinstance(data, dict):
            kind = received(_MISSING if data is None else data)
            issues = [f"[{where}] Invalid input: expected object, received {kind}"] if self.object else []
            if self.record:
                issues.append(f"[{where}] Invalid input: expected record, received {kind}")
            raise validation_error(issues)
        out: dict[str, Any] = dict(data)
        issues = []
        for name, spec in self.fields.items():
            value, problem = spec.check(data.get(name, _MISSING))
            if problem:
                issues.append(f"[{where}.{name}] {problem}")
            elif value is _MISSING:
                out.pop(name, None)
            else:
                out[name] = value
        if issues:
            raise validation_error(issues)
        nul = _nul_path(out)
        if nul is not None:
            raise validation_error([f"[{where}{nul}] {NUL_MESSAGE}"])
        return out


NUL_MESSAGE = "Invalid input: NUL characters are not allowed"


def _nul_path(data: dict[str, Any]) -> str | None:
    """Where the first string (key or value) holding U+0000 sits, as ``.a.b[0]``; ``None`` when none does.

    No credential, address or name contains a NUL, and PostgreSQL can neither store nor even compare one (the
    statement fails): refusing it here, for every field of every body and query, keeps it from reaching any
    adapter as a write or a lookup.
    """
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    return path
                stack.append((f"{path}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return None


# What every SQL backend holds, MySQL being the narrowest: strings that are keys, indexed or sorted are
# VARCHAR(255), other strings TEXT (65,535 bytes); ``number`` is INTEGER, ``bigint`` BIGINT. A value outside
# these fails the statement on some backend; the store refuses it on all of them, as a 400.
KEYED_STRING_CHARS = 255
TEXT_BYTES = 65_535
_INT_RANGES = {"number": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}


def column_issue(kind: str, keyed: bool, value: Any) -> str | None:
    """Why ``value`` cannot be stored in a column of this ``kind`` on every backend, or ``None``."""
    if isinstance(value, str):
        if "\x00" in value:
            return NUL_MESSAGE
        if keyed and len(value) > KEYED_STRING_CHARS:
            return f"Too big: expected string to have <={KEYED_STRING_CHARS} characters"
        if len(value) > TEXT_BYTES // 4 and len(value.encode("utf-8", "surrogatepass")) > TEXT_BYTES:
            return f"Too big: expected string to have <={TEXT_BYTES} bytes"
        return None
    limits = _INT_RANGES.get(kind)
    if limits is None or isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return "Invalid input: expected int, received number"
    if isinstance(value, int):
        low, high = limits
        if value > high:
            return f"Too big: expected number to be <={high}"
        if value < low:
            return f"Too small: expected number to be >={low}"
    return None


def validation_error(issues: list[str]) -> APIError:
    return APIError(400, BaseErrorCodes.VALIDATION_ERROR, "; ".join(issues))
