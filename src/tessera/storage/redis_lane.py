"""The session read's own Redis connection: RESP spoken directly, replies parsed by hiredis.

A session read from Redis is one ``EVALSHA``. Through redis-py it costs more CPU than the round trip itself: a
connection is taken from the pool and given back, the command goes through retry and timeout wrappers, and the
reply through the response callbacks, for every read. For this one command none of that varies, so
``SessionReadLane`` does it once: a connection of its own (same host, port or socket, credentials and database
as the client's pool), commands packed into one write per batch and replies matched in order.

It is an optimisation only. Anything it does not handle goes to redis-py: a TLS or custom connection class, a
credential provider, a missing hiredis (``for_client`` answers ``None``); a reply that is an error (``NOSCRIPT``
after a server restart, for one) is handed back for the caller to repeat through redis-py, and a lane that
cannot connect, or loses its connection, fails its batch with ``LaneDown`` and stays out of the way for a
second. Outages are therefore reported by redis-py, as before.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

try:
    import hiredis
except ImportError:  # pragma: no cover - hiredis comes with the redis extra
    hiredis = None  # type: ignore[assignment]

import redis.asyncio as aioredis
from redis.asyncio.connection import Connection, UnixDomainSocketConnection

RETRY_AFTER_SECONDS = 1.0
#: connection options the lane reproduces; any other non-default option sends every read through redis-py
_UNDERSTOOD = frozenset({
    "host", "port", "path", "db", "username", "password", "socket_timeout", "socket_connect_timeout",
    "socket_keepalive", "socket_keepalive_options", "retry_on_timeout", "retry_on_error", "retry",
    "health_check_interval", "client_name", "encoding", "encoding_errors", "decode_responses", "parser_class",
    "lib_name", "lib_version", "protocol", "himport_registry", "maint_notifications_pool_handler",
    "maint_notifications_config", "orig_host_address", "orig_socket_timeout", "orig_socket_connect_timeout",
    "socket_type", "event_dispatcher",
})


class LaneDown(Exception):
    """The lane could not run the batch; the caller reads through redis-py instead."""


class LaneTimeout(LaneDown, TimeoutError):
    """The server did not answer within ``socket_timeout``: asking it again through redis-py would wait as long
    again, so the caller reports the outage instead."""


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(value), value)


class _Batch:
    __slots__ = ("future", "remaining", "replies")

    def __init__(self, future: asyncio.Future[list[Any]], size: int) -> None:
        self.future = future
        self.remaining = size
        self.replies: list[Any] = []


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        assert hiredis is not None
        self.reader = hiredis.Reader()
        self.batches: deque[_Batch] = deque()
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        reader = self.reader
        reader.feed(data)
        batches = self.batches
        while (reply := reader.gets()) is not False:
            if not batches:  # a reply nobody asked for: the stream is out of step
                self.fail(LaneDown("unexpected reply"))
                return
            batch = batches[0]
            batch.replies.append(reply)
            batch.remaining -= 1
            if batch.remaining == 0:
                batches.popleft()
                if not batch.future.done():
                    batch.future.set_result(batch.replies)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail_pending(LaneDown(f"connection lost: {exc!r}" if exc else "connection closed"))

    def fail(self, exc: Exception) -> None:
        self.closed = True
        self._fail_pending(exc)
        if self.transport is not None:
            self.transport.abort()

    def _fail_pending(self, exc: Exception) -> None:
        while self.batches:
            batch = self.batches.popleft()
            if not batch.future.done():
                batch.future.set_exception(exc)

    def send(self, payload: bytes, size: int) -> asyncio.Future[list[Any]]:
        assert self.transport is not None
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self.batches.append(_Batch(future, size))
        self.transport.write(payload)
        return future


class SessionReadLane:
    """``EVALSHA`` batches on a dedicated connection; ``for_client(client)`` or ``None`` when unsupported."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.timeout: float | None = options.get("socket_timeout")
        self._protocol: _Protocol | None = None
        self._connecting: asyncio.Future[_Protocol] | None = None
        self._down_until = 0.0

    @classmethod
    def for_client(cls, client: Any) -> SessionReadLane | None:
        if hiredis is None or type(client) is not aioredis.Redis:
            return None
        pool = client.connection_pool
        if pool.connection_class not in (Connection, UnixDomainSocketConnection):
            return None  # TLS, or a connection class of the application's
        options = dict(pool.connection_kwargs)
        if any(value is not None for key, value in options.items() if key not in _UNDERSTOOD):
            return None  # e.g. a credential_provider or a redis_connect_func: let redis-py connect
        return cls(options)

    @property
    def available(self) -> bool:
        protocol = self._protocol
        if protocol is not None and not protocol.closed:
            return True
        return time.monotonic() >= self._down_until

    async def evalsha(self, sha: str, calls: Sequence[tuple[str, str]]) -> list[Any]:
        """The replies of ``EVALSHA sha 1 key arg`` for each ``(key, arg)``, in order; error replies are
        ``hiredis.ReplyError`` values. ``LaneDown`` when the batch could not be run here."""
        protocol = self._protocol
        if protocol is None or protocol.closed:
            protocol = await self._connect()
        head = b"*5\r\n$7\r\nEVALSHA\r\n" + _bulk(sha.encode()) + b"$1\r\n1\r\n"
        payload = b"".join(head + _bulk(key.encode()) + _bulk(arg.encode()) for key, arg in calls)
        future = protocol.send(payload, len(calls))
        if self.timeout is None:
            return await future
        timer = asyncio.get_running_loop().call_later(
            self.timeout, protocol.fail, LaneTimeout(f"no reply within {self.timeout} s")
        )
        try:
            return await future
        finally:
            timer.cancel()

    async def _connect(self) -> _Protocol:
        if time.monotonic() < self._down_until:
            raise LaneDown("reconnecting later")
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._open())
        connecting = self._connecting
        try:
            return await asyncio.shield(connecting)
        except Exception as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            down = LaneTimeout if isinstance(exc, TimeoutError) else LaneDown
            raise down(f"cannot connect: {exc!r}") from exc
        finally:
            if self._connecting is connecting and connecting.done():
                self._connecting = None

    async def _open(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        options = self.options
        protocol = _Protocol()
        timeout = options.get("socket_connect_timeout") or self.timeout or 5.0
        if options.get("path"):
            opening = loop.create_unix_connection(lambda: protocol, options["path"])
        else:
            opening = loop.create_connection(lambda: protocol, options.get("host", "localhost"),
                                             int(options.get("port", 6379)))
        await asyncio.wait_for(opening, timeout)
        try:
            await self._handshake(protocol, timeout)
        except BaseException:
            protocol.fail(LaneDown("handshake failed"))
            raise
        self._protocol = protocol
        return protocol

    async def _handshake(self, protocol: _Protocol, timeout: float) -> None:
        options = self.options
        handshake: list[list[bytes]] = []
        password, username = options.get("password"), options.get("username")
        if password is not None:
            handshake.append([b"AUTH", *([username.encode()] if username else []), str(password).encode()])
        if int(options.get("db") or 0):
            handshake.append([b"SELECT", str(int(options["db"])).encode()])
        if options.get("client_name"):  # named like the pool's connections, for CLIENT LIST and monitoring
            handshake.append([b"CLIENT", b"SETNAME", str(options["client_name"]).encode()])
        if handshake:
            payload = b"".join(b"*%d\r\n" % len(cmd) + b"".join(_bulk(part) for part in cmd) for cmd in handshake)
            replies = await asyncio.wait_for(protocol.send(payload, len(handshake)), timeout)
            for reply in replies:
                if isinstance(reply, Exception):
                    raise LaneDown(f"handshake refused: {reply}")

    async def close(self) -> None:
        connecting, self._connecting = self._connecting, None
        if connecting is not None and not connecting.done():
            connecting.cancel()
        protocol, self._protocol = self._protocol, None
        if protocol is not None and protocol.transport is not None:
            protocol.closed = True
            protocol.transport.close()
