"""tessera: Better Auth-compatible authentication for Python, fast by construction."""

from .auth import API, Tessera
from .config import (
    AccountConfig,
    AdvancedConfig,
    ChangeEmailConfig,
    CookieCacheConfig,
    DeleteUserConfig,
    EmailAndPasswordConfig,
    EmailVerificationConfig,
    IPAddressConfig,
    OnAPIErrorConfig,
    RateLimitConfig,
    SessionConfig,
    UserConfig,
    VerificationConfig,
)
from .context import AuthContext, RequestContext
from .crypto.password import Argon2Hasher, PasswordHasher, ScryptHasher
from .db.adapter import Adapter, Join, SortBy, UniqueViolation, Where
from .db.schema import Field, Index, Reference, Table, TableExtension
from .endpoints import Endpoint, endpoint
from .errors import APIError, BaseErrorCodes, ConfigError, ErrorCode, ErrorCodes, Redirect, TesseraError
from .hooks import Hook, hook
from .http import Request, Response
from .plugins.base import Plugin
from .session.model import SessionData

__version__ = "0.1.0"

__all__ = [
    "API",
    "APIError",
    "AccountConfig",
    "Adapter",
    "AdvancedConfig",
    "Argon2Hasher",
    "AuthContext",
    "BaseErrorCodes",
    "ChangeEmailConfig",
    "ConfigError",
    "CookieCacheConfig",
    "DeleteUserConfig",
    "EmailAndPasswordConfig",
    "EmailVerificationConfig",
    "Endpoint",
    "ErrorCode",
    "ErrorCodes",
    "Field",
    "Hook",
    "IPAddressConfig",
    "Index",
    "Join",
    "OnAPIErrorConfig",
    "PasswordHasher",
    "Plugin",
    "RateLimitConfig",
    "Redirect",
    "Reference",
    "Request",
    "RequestContext",
    "Response",
    "ScryptHasher",
    "SessionConfig",
    "SessionData",
    "SortBy",
    "Table",
    "TableExtension",
    "Tessera",
    "TesseraError",
    "UniqueViolation",
    "UserConfig",
    "VerificationConfig",
    "Where",
    "endpoint",
    "hook",
]
