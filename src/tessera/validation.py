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

    def validate(self, data: Any, where: Literal["body", "query"] = "body") -> dict[str, Any]:
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
        return out


def validation_error(issues: list[str]) -> APIError:
    return APIError(400, BaseErrorCodes.VALIDATION_ERROR, "; ".join(issues))
