"""Options of the username plugin: Better Auth's ``UsernameOptions`` in snake_case, and the checks they drive."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ...errors import ConfigError, ErrorCode
from .errors import UsernameErrorCodes

#: ``validator(value)`` -> whether ``value`` is acceptable, sync or async
Validator = Callable[[str], bool | Awaitable[bool]]
#: ``normalize(value)`` -> what is stored and looked up
Normalizer = Callable[[str], str]
Order = Literal["pre-normalization", "post-normalization"]

_DEFAULT_PATTERN = re.compile(r"[a-zA-Z0-9_.]+")
_ORDERS = ("pre-normalization", "post-normalization")


def default_username_validator(username: str) -> bool:
    """Better Auth's ``/^[a-zA-Z0-9_.]+$/``."""
    return _DEFAULT_PATTERN.fullmatch(username) is not None


def js_length(value: str) -> int:
    """``value.length`` as JavaScript counts it (UTF-16 code units), so limits match Better Auth's."""
    return len(value.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class ValidationOrder:
    """Whether each value is validated as sent (``"pre-normalization"``, the default) or once normalised."""

    username: Order = "pre-normalization"
    display_username: Order = "pre-normalization"


@dataclass(frozen=True)
class UsernameOptions:
    min_username_length: int = 3
    max_username_length: int = 30
    #: default: letters, digits, ``_`` and ``.`` only
    username_validator: Validator | None = None
    #: default: any display username is accepted
    display_username_validator: Validator | None = None
    #: default: lower-case; ``False`` keeps usernames as sent
    username_normalization: Normalizer | Literal[False] | None = None
    #: default (and ``False``): display usernames are kept as sent
    display_username_normalization: Normalizer | Literal[False] | None = None
    validation_order: ValidationOrder = ValidationOrder()
    #: refuse ``/update-user`` changing a username once set
    immutable_username: bool = False
    #: add the ``displayUsername`` field (Better Auth's ``displayUsername: false`` leaves it out)
    display_username: bool = True

    def __post_init__(self) -> None:
        order: Any = self.validation_order
        if isinstance(order, Mapping):
            unknown = set(order) - {"username", "displayUsername", "display_username"}
            if unknown:
                raise ConfigError(f"username(): validation_order: unknown keys {sorted(unknown)}")
            order = ValidationOrder(
                order.get("username", "pre-normalization"),
                order.get("displayUsername", order.get("display_username", "pre-normalization")),
            )
            object.__setattr__(self, "validation_order", order)
        if not isinstance(order, ValidationOrder) or order.username not in _ORDERS or (
            order.display_username not in _ORDERS
        ):
            raise ConfigError("username(): validation_order values are 'pre-normalization' or 'post-normalization'")
        low, high = self.min_username_length, self.max_username_length
        if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in (low, high)) or low > high:
            raise ConfigError("username(): min/max_username_length must be positive, min not above max")
        for name in ("username_validator", "display_username_validator"):
            if getattr(self, name) is not None and not callable(getattr(self, name)):
                raise ConfigError(f"username(): {name} must be a function")
        for name in ("username_normalization", "display_username_normalization"):
            value = getattr(self, name)
            if value is not None and value is not False and not callable(value):
                raise ConfigError(f"username(): {name} must be a function or False")

    def normalize(self, username: str) -> str:
        if self.username_normalization is False:
            return username
        if self.username_normalization is not None:
            return self.username_normalization(username)
        return username.lower()

    def normalize_display(self, display_username: str) -> str:
        if self.display_username_normalization:
            return self.display_username_normalization(display_username)
        return display_username

    async def username_error(self, username: str) -> ErrorCode | None:
        """Better Auth's ``validateUsernameValue``: the code a username is refused with, ``None`` if it is fine."""
        value = self.normalize(username) if self.validation_order.username == "post-normalization" else username
        length = js_length(value)
        if length < self.min_username_length:
            error: ErrorCode = UsernameErrorCodes.USERNAME_TOO_SHORT
            return error
        if length > self.max_username_length:
            error = UsernameErrorCodes.USERNAME_TOO_LONG
            return error
        validator = self.username_validator or default_username_validator
        if not await _truthy(validator(value)):
            error = UsernameErrorCodes.INVALID_USERNAME
            return error
        return None

    async def display_username_ok(self, display_username: str) -> bool:
        if self.display_username_validator is None:
            return True
        value = display_username
        if self.validation_order.display_username == "post-normalization":
            value = self.normalize_display(display_username)
        return await _truthy(self.display_username_validator(value))


async def _truthy(value: Any) -> bool:
    return bool(await value if inspect.isawaitable(value) else value)
