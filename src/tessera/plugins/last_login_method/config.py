"""Options of the last-login-method plugin: Better Auth's ``LastLoginMethodOptions`` in snake_case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import ConfigError

#: ``custom_resolve_method(ctx)`` -> the method name, or ``None`` to fall back to the default resolution;
#: synchronous, as Better Auth's. ``ctx`` is the ``RequestContext`` (``ctx.endpoint.path``, ``.name``,
#: ``ctx.params``, ``ctx.body``)
ResolveMethod = Callable[[Any], "str | None"]
#: ``before_store_cookie(ctx, method)`` -> ``True`` to set the cookie, sync or async; an exception counts as
#: ``False`` (the sign-in goes on either way)
BeforeStoreCookie = Callable[[Any, str], Any]

DEFAULT_COOKIE_NAME = "better-auth.last_used_login_method"
FIELD = "lastLoginMethod"


@dataclass(frozen=True)
class LastLoginMethodOptions:
    #: the cookie's name, as is (no prefix, no ``__Secure-``), readable by scripts (not ``HttpOnly``)
    cookie_name: str = DEFAULT_COOKIE_NAME
    #: the cookie's ``Max-Age`` in seconds (30 days)
    max_age: int = 2_592_000
    custom_resolve_method: ResolveMethod | None = None
    #: also keep the method in the user row's ``lastLoginMethod`` column (added to the schema)
    store_in_database: bool = False
    before_store_cookie: BeforeStoreCookie | None = None
    #: ``{"user": {"lastLoginMethod": "<column name>"}}``: the column the field is stored in
    schema: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.cookie_name, str) or not self.cookie_name or any(
            c in self.cookie_name for c in ' ;,="\t\r\n()<>@:\\/[]?{}'
        ):
            raise ConfigError("last_login_method(): cookie_name must be a valid cookie name")
        if isinstance(self.max_age, bool) or not isinstance(self.max_age, int) or self.max_age < 1:
            raise ConfigError("last_login_method(): max_age must be a positive number of seconds")
        for name in ("custom_resolve_method", "before_store_cookie"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ConfigError(f"last_login_method(): {name} must be a function")
        unknown = set(self.schema) - {"user"} or set(self.schema.get("user", {})) - {FIELD}
        if unknown:
            raise ConfigError(f"last_login_method(): schema: unknown {', '.join(sorted(unknown))}")

    @property
    def column(self) -> str | None:
        """The column of ``lastLoginMethod`` when renamed."""
        return self.schema.get("user", {}).get(FIELD) or None
