"""When the database or the secondary storage cannot be reached: a 503, not a 500.

A connection refused, reset or timed out, a server shutting down or starting up, a pool with no connection to
lend, a replica that refuses writes after a failover: none of these is a bug in the request, and each passes by
itself. Such an error anywhere in an exception's chain (drivers are wrapped by SQLAlchemy, tessera wraps some
in its own errors) becomes ``503 {"message": "Service Unavailable", "code": "SERVICE_UNAVAILABLE"}`` with
``Retry-After``, and one warning line, at most once a second however many requests fail, instead of a traceback
per request. Nothing is granted meanwhile: a session that cannot be read is not a session.

The drivers are recognised by module and class name, so this module imports none of them.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import time

from .errors import APIError

logger = logging.getLogger("tessera")

RETRY_AFTER_SECONDS = 1
LOG_INTERVAL_SECONDS = 1.0

_REDIS = frozenset({
    "ConnectionError", "TimeoutError", "BusyLoadingError", "ClusterDownError", "TryAgainError",
    "MasterDownError", "ReadOnlyError", "MaxConnectionsError", "SlotNotCoveredError",
})
_ASYNCPG = frozenset({
    "ConnectionDoesNotExistError", "ConnectionFailureError", "PostgresConnectionError",
    "CannotConnectNowError", "AdminShutdownError", "CrashShutdownError", "TooManyConnectionsError",
    "ReadOnlySQLTransactionError", "ConnectionRejectionError",
})
_SQLALCHEMY = frozenset({"DisconnectionError", "TimeoutError"})  # TimeoutError: the pool lent nothing in time
#: MySQL/MariaDB client and server errors that mean "no usable connection": can't connect, gone away, lost,
#: too many connections, shutting down, killed, read-only
_MYSQL_ERRNOS = frozenset({1040, 1053, 1290, 1836, 1927, 2002, 2003, 2005, 2006, 2013, 2055, 4031})
_MYSQL_MODULES = ("asyncmy", "aiomysql", "pymysql", "MySQLdb")


def _is_outage(exc: BaseException) -> bool:
    if isinstance(exc, APIError):
        return False
    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc)
    module = type(exc).__module__
    names = {cls.__name__ for cls in type(exc).__mro__}
    if module.startswith(("redis", "valkey")):  # valkey-py, redis-py's fork, keeps its class names
        return bool(names & _REDIS)
    if module.startswith("asyncpg"):
        return bool(names & _ASYNCPG)
    if module.startswith("sqlalchemy"):
        return bool(names & _SQLALCHEMY) or bool(getattr(exc, "connection_invalidated", False))
    if module.startswith(_MYSQL_MODULES):
        errno = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        return errno in _MYSQL_ERRNOS
    return False


def outage_cause(exc: BaseException) -> BaseException | None:
    """The error in ``exc``'s chain (itself, its cause, its context, ...) that says a backend is unreachable."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if _is_outage(current):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


class _Throttle:
    def __init__(self) -> None:
        self.last = 0.0
        self.suppressed = 0

    def warn(self, where: str, cause: BaseException) -> None:
        now = time.monotonic()
        if now - self.last < LOG_INTERVAL_SECONDS:
            self.suppressed += 1
            return
        also = f" (and {self.suppressed} more since the last report)" if self.suppressed else ""
        self.last, self.suppressed = now, 0
        # the class only: a driver's message can quote the statement and its parameters (tokens)
        kind = f"{type(cause).__module__}.{type(cause).__qualname__}"
        logger.warning("backend unavailable during %s: %s; answered 503%s", where, kind, also)


_throttle = _Throttle()


def unavailable(exc: BaseException, where: str) -> APIError | None:
    """The 503 to answer for ``exc`` when a backend is unreachable (logged, throttled), else ``None``."""
    cause = outage_cause(exc)
    if cause is None:
        return None
    _throttle.warn(where, cause)
    return APIError(
        503, "SERVICE_UNAVAILABLE", "Service Unavailable", headers=[("retry-after", str(RETRY_AFTER_SECONDS))]
    )
