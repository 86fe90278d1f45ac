"""Redis (and Valkey, and Redis Cluster) secondary storage on redis-py's asyncio client.

Keys carry a prefix (default ``better-auth:``, the one ``@better-auth/redis-storage`` uses) so a Node deployment
and tessera can share one database. Every compound operation is a single Lua script over a single key, hence
atomic on a standalone server and on a cluster alike: ``increment`` sets the TTL in the same step as creating the
key, and ``compare_and_set`` is the primitive under lost-update-free list maintenance.

URLs: ``redis://``, ``rediss://``, ``unix://``, ``valkey://`` and ``valkeys://``. For a Redis (or Valkey) Cluster,
``redis+cluster://host:port,host:port/`` (also ``rediss+cluster``, ``valkey+cluster``, ``valkeys+cluster``; every
listed node is a seed, the rest is discovered), or ``cluster=True`` with a plain URL, or ``client=`` an existing
``redis.asyncio.RedisCluster`` (not valkey-py's ``ValkeyCluster``: it is refused). Behind Redis Sentinel,
``redis+sentinel://host:port,host:port/<service>[/<db>]`` (also ``rediss+sentinel``, ``valkey+sentinel``,
``valkeys+sentinel``; every ``host:port`` a sentinel): redis-py's ``master_for``, so every command, script and
subscription goes to the current master, and works as on a standalone server but without the session-read lane
(whose connection would stay on one address). What changes on a cluster:

* ``get_session`` (on a standalone server: one script per read, and the reads started in the same event-loop
  turn leave in one write, on the session-read connection of ``redis_lane.py`` or else as a redis-py pipeline,
  so a busy process pays one write and one wake-up for all of them) cannot be one
  script: a session (``<token>``) and its user's marker
  (``revoked-sessions-before-<userId>``) hash to different slots, and neither name may change (Better Auth's
  layout). The storage remembers which user each token belongs to (a token's user never changes), so it reads
  both keys at once, in parallel, on the nodes that hold them: one round trip. Only the first read of a token
  in a process is two (value, then marker);
* ``get_many`` is a multi-get per slot (redis-py's ``mget_nonatomic``), sent to the nodes in parallel;
* pub/sub uses plain ``PUBLISH``/``SUBSCRIBE``, which a cluster broadcasts to every node: a subscription is one
  connection to any node (replicas too), unaffected by resharding. Sharded pub/sub (``SPUBLISH``, Redis 7.0+ and
  Valkey 7.2+) would save the cluster bus that broadcast, but the revocation feed is a single low-volume channel
  (so one shard would carry it all anyway) and sharded subscriptions must be moved by the client whenever the
  channel's slot migrates.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

try:
    import redis.asyncio as aioredis
    from redis.asyncio.connection import parse_url
    from redis.asyncio.sentinel import Sentinel
    from redis.exceptions import NoScriptError, ResponseError
except ImportError as exc:  # pragma: no cover - depends on installed extras
    raise ImportError(
        "tessera.storage.RedisStorage needs redis-py: pip install 'tessera-auth[redis]'"
    ) from exc

from .. import _json
from .base import Event
from .redis_lane import LaneDown, LaneTimeout, SessionReadLane

#: redis-py waits forever by default: a server that stops answering (a network partition, a paused VM) would
#: hold every request. Connecting and each reply are bounded instead; the request then answers 503. A URL query
#: (``?socket_timeout=5``) or a keyword argument overrides them.
DEFAULT_TIMEOUTS: dict[str, float] = {"socket_connect_timeout": 2.0, "socket_timeout": 2.0}

_INCREMENT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""

_GET_AND_DELETE = """
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v
"""

# ARGV: expected-present ("1"/"0"), expected, value-present, value, ttl (0: none)
_COMPARE_AND_SET = """
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if ARGV[3] == '1' then
  local ttl = tonumber(ARGV[5])
  if ttl > 0 then redis.call('SET', KEYS[1], ARGV[4], 'EX', ttl) else redis.call('SET', KEYS[1], ARGV[4]) end
else
  redis.call('DEL', KEYS[1])
end
return 1
"""

# the session value, and the revoked-sessions-before marker of its user (standalone servers only: the marker
# key is derived inside the script, which Redis Cluster forbids)
_GET_SESSION = """
local v = redis.call('GET', KEYS[1])
if not v then return {false, false} end
local ok, doc = pcall(cjson.decode, v)
if ok and type(doc) == 'table' and type(doc.session) == 'table' and type(doc.session.userId) == 'string' then
  return {v, redis.call('GET', ARGV[1] .. doc.session.userId)}
end
return {v, false}
"""

_SCHEMES = {"valkey": "redis", "valkeys": "rediss"}
#: how many token -> user id pairs a cluster storage remembers for one-round-trip session reads
_OWNER_HINTS = 10_000


def connect(url: str, *, cluster: bool | None = None, **options: Any) -> Any:
    """A redis-py asyncio client for ``url``: ``Redis``; ``RedisCluster`` for a ``+cluster`` scheme (every
    listed ``host:port`` a seed node; credentials and query options as in a plain URL) or ``cluster=True``; the
    master of a Sentinel-monitored service for a ``+sentinel`` scheme (``sentinel_kwargs=``: see
    ``connect_sentinel``)."""
    scheme, sep, rest = url.partition("://")
    base_scheme, _, variant = scheme.partition("+")
    url = f"{_SCHEMES.get(base_scheme, base_scheme)}{sep}{rest}"
    if variant == "sentinel":
        return connect_sentinel(url, **options)
    if variant != "cluster" and not cluster:
        return aioredis.Redis.from_url(url, **options)
    parts = urlsplit(url)
    auth, _, hosts = parts.netloc.rpartition("@")
    first, *others = _hosts(hosts)
    nodes = [aioredis.cluster.ClusterNode(name, port) for name, port in others]
    netloc = f"{auth}@{_netloc(*first)}" if auth else _netloc(*first)
    return aioredis.RedisCluster.from_url(parts._replace(netloc=netloc).geturl(), startup_nodes=nodes or None, **options)


def connect_sentinel(url: str, *, sentinel_kwargs: dict[str, Any] | None = None, **options: Any) -> Any:
    """The master of a Sentinel-monitored service, ``redis[s]://[[user]:password@]host:port[,host:port...]/
    <service>[/<db>][?options]`` (every ``host:port`` a sentinel; default port 26379).

    Credentials, the database, TLS (``rediss``) and query options are for the master, as in a plain URL. The
    sentinels are reached with the same ``socket_*`` options and TLS setting, and without credentials unless
    ``sentinel_kwargs`` (redis-py's: ``{"password": ...}``, any connection option) or the query options
    ``sentinel_username``/``sentinel_password`` give them. Every connection asks the sentinels for the master's
    address first, and a connection to a master demoted by a failover is dropped at its first ``READONLY``
    reply (redis-py's ``SentinelManagedConnection``), so commands follow the master."""
    parts = urlsplit(url)
    auth, _, hosts = parts.netloc.rpartition("@")
    service, _, db = parts.path.strip("/").partition("/")
    if not service:
        raise ValueError("a Sentinel URL names its service: redis+sentinel://host:port/<service>[/<db>]")
    # the master's options, parsed by redis-py as for a plain URL on one host
    kwargs: dict[str, Any] = dict(parse_url(parts._replace(
        netloc=f"{auth}@sentinel" if auth else "sentinel", path=f"/{db or 0}"
    ).geturl()))
    for name in ("host", "port"):
        kwargs.pop(name, None)
    tls = kwargs.pop("connection_class", None) is not None
    extra: dict[str, Any] = {
        name.removeprefix("sentinel_"): kwargs.pop(name)
        for name in ("sentinel_username", "sentinel_password") if name in kwargs
    }
    kwargs.update(options)
    own: dict[str, Any] = {k: v for k, v in kwargs.items() if k.startswith("socket_")}
    if tls:
        own["ssl"] = True
    sentinel = Sentinel(
        _hosts(hosts, default_port=26379), sentinel_kwargs={**own, **extra, **(sentinel_kwargs or {})}, **kwargs
    )
    return sentinel.master_for(service, ssl=tls)


def _hosts(hosts: str, default_port: int = 6379) -> list[tuple[str, int]]:
    """``host:port,host:port`` (IPv6 hosts in brackets) as ``(host, port)`` pairs."""
    pairs = []
    for host in hosts.split(","):
        if host.strip():
            name, colon, port = host.strip().rpartition(":")
            if not colon or name.endswith(":") or (name.startswith("[") and not name.endswith("]")):
                name, port = host.strip(), ""  # no port, or a bare IPv6 address
            pairs.append((name.strip("[]"), int(port or default_port)))
    return pairs


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class ClusterInit:
    """Initializes a ``RedisCluster`` once, before its first command (``if init.pending: await init()``).

    redis-py (8.1) loses commands when a fresh ``RedisCluster`` is first used by many tasks at once: they race
    into its lazy initialization, connections are dropped mid-command and retried (so an INCR can count twice).
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.cluster = isinstance(client, aioredis.RedisCluster)
        self.pending = self.cluster
        self._lock = asyncio.Lock()

    async def __call__(self) -> None:
        async with self._lock:
            if self.pending:
                await self.client.initialize()
                self.pending = False


def _bounded(url: str, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with ``DEFAULT_TIMEOUTS`` where neither they nor the URL's query set a timeout."""
    query = {name for name, _ in parse_qsl(urlsplit(url).query)}
    return {**{k: v for k, v in DEFAULT_TIMEOUTS.items() if k not in query}, **options}


def _owner(raw: str) -> str | None:
    """``session.userId`` of a session value (``None`` when it has none)."""
    try:
        user_id = _json.loads(raw)["session"]["userId"]
    except (ValueError, KeyError, TypeError):
        return None
    return user_id if isinstance(user_id, str) else None


def _text(value: Any) -> str | None:
    if value is None or value is False:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisStorage:
    """``RedisStorage("redis://localhost:6379/0")``, or ``RedisStorage(client=existing_client)``."""

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        key_prefix: str = "better-auth:",
        cluster: bool | None = None,
        **client_options: Any,
    ) -> None:
        if (url is None) == (client is None):
            raise ValueError("RedisStorage needs exactly one of url= or client=")
        #: the sentinels' clients behind a ``+sentinel`` URL's client, closed with it (a client= is the caller's)
        self._sentinel: Any = None
        if client is None:
            assert url is not None
            client_options.setdefault("decode_responses", True)
            client = connect(url, cluster=cluster, **_bounded(url, client_options))
            self._sentinel = getattr(getattr(client, "connection_pool", None), "sentinel_manager", None)
        elif hasattr(client, "nodes_manager") and not isinstance(client, aioredis.RedisCluster):
            # valkey-py's ValkeyCluster: taken for a single server it fails at the first cross-slot step
            raise TypeError(
                "RedisStorage(client=...) takes redis-py's RedisCluster for a cluster, not "
                f"{type(client).__module__}.{type(client).__qualname__}: pass a valkey+cluster:// URL instead"
            )
        self.client = client
        self.cluster = isinstance(client, aioredis.RedisCluster)
        self.prefix = key_prefix
        self._increment = client.register_script(_INCREMENT)
        self._getdel_script = client.register_script(_GET_AND_DELETE)
        self._cas = client.register_script(_COMPARE_AND_SET)
        self._get_session = client.register_script(_GET_SESSION)
        self._has_getdel = True
        self._init = ClusterInit(client)
        #: token -> user id, so a cluster session read fetches value and marker at once (insertion-ordered, FIFO)
        self._owners: dict[str, str] = {}
        #: session reads waiting for this loop turn's pipeline: (key, marker prefix key, the reader's future)
        self._reads: list[tuple[str, str, asyncio.Future[Any]]] | None = None
        self._flushes: set[asyncio.Task[None]] = set()
        #: a dedicated connection for session reads (standalone servers, plain TCP or a Unix socket; not a
        #: Sentinel-managed master, whose address may change: its connection class is not one the lane takes)
        self._lane = None if self.cluster else SessionReadLane.for_client(client)

    def _k(self, key: str) -> str:
        return self.prefix + key

    # -- SecondaryStorage --------------------------------------------------------------------------------

    async def get(self, key: str) -> str | None:
        if self._init.pending:
            await self._init()
        return _text(await self.client.get(self._k(key)))

    async def set(self, key: str, value: str, ttl: int | None = None) -> None:
        if self._init.pending:
            await self._init()
        if ttl is None:
            await self.client.set(self._k(key), value)
        elif ttl > 0:
            await self.client.set(self._k(key), value, ex=ttl)
        else:
            await self.client.delete(self._k(key))

    async def delete(self, key: str) -> None:
        if self._init.pending:
            await self._init()
        await self.client.delete(self._k(key))

    async def get_and_delete(self, key: str) -> str | None:
        if self._init.pending:
            await self._init()
        if self._has_getdel:
            try:
                return _text(await self.client.getdel(self._k(key)))
            except ResponseError as exc:  # servers before 6.2
                if "unknown command" not in str(exc).lower():
                    raise
                self._has_getdel = False
        return _text(await self._getdel_script(keys=[self._k(key)]))

    async def increment(self, key: str, ttl: int) -> int:
        if self._init.pending:
            await self._init()
        return int(await self._increment(keys=[self._k(key)], args=[max(int(ttl), 1)]))

    # -- AtomicStorage -----------------------------------------------------------------------------------

    async def compare_and_set(self, key: str, expected: str | None, value: str | None, ttl: int | None) -> bool:
        if self._init.pending:
            await self._init()
        if value is not None and ttl is not None and ttl <= 0:
            value = None  # already expired
        args = [
            "0" if expected is None else "1", expected or "",
            "0" if value is None else "1", value or "", max(int(ttl or 0), 0),
        ]
        return bool(await self._cas(keys=[self._k(key)], args=args))

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        if self._init.pending:
            await self._init()
        if not keys:
            return []
        full = [self._k(k) for k in keys]
        values = await (self.client.mget_nonatomic(full) if self.cluster else self.client.mget(full))
        return [_text(v) for v in values]

    async def get_session(self, token: str, marker_prefix: str) -> tuple[str | None, str | None]:
        if self._init.pending:
            await self._init()
        if not self.cluster:
            loop = asyncio.get_running_loop()
            future: asyncio.Future[Any] = loop.create_future()
            reads = self._reads
            if reads is None:
                reads = self._reads = []
                loop.call_soon(self._flush_reads)  # after every task runnable now has queued its read
            reads.append((self._k(token), self._k(marker_prefix), future))
            value, marker = await future
            return _text(value), _text(marker)
        owner = self._owners.get(token)
        if owner is not None:
            # the two keys live on (possibly) different nodes: ask both at once
            raw, marker = (_text(v) for v in await asyncio.gather(
                self.client.get(self._k(token)), self.client.get(self._k(marker_prefix + owner))
            ))
            if raw is None:
                self._owners.pop(token, None)
                return None, None
            if _owner(raw) == owner:
                return raw, marker
        else:
            raw = _text(await self.client.get(self._k(token)))
            if raw is None:
                return None, None
        user_id = _owner(raw)
        if user_id is None:
            return raw, None
        self._remember(token, user_id)
        return raw, _text(await self.client.get(self._k(marker_prefix + user_id)))

    def _flush_reads(self) -> None:
        reads, self._reads = self._reads, None
        if reads:
            task = asyncio.ensure_future(self._read_sessions(reads))
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)

    async def _read_sessions(self, reads: list[tuple[str, str, asyncio.Future[Any]]]) -> None:
        """One ``EVALSHA`` per read, all in one write and one wake-up (on the session lane when there is one,
        else a redis-py pipeline; a lone read through redis-py is sent as is).

        Commands are not merged: every read is its own script call, as if it had been sent alone.
        """
        try:
            results = await self._session_replies(reads)
        except BaseException as exc:
            for _, _, future in reads:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, _, future), result in zip(reads, results, strict=True):
            if future.done():
                continue  # its reader was cancelled
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _session_replies(self, reads: list[tuple[str, str, asyncio.Future[Any]]]) -> list[Any]:
        lane = self._lane
        if lane is not None and lane.available:
            try:
                replies = await lane.evalsha(self._get_session.sha, [(key, marker) for key, marker, _ in reads])
            except LaneTimeout:
                raise  # an outage (a 503): redis-py would wait as long again for the same server
            except LaneDown:
                pass  # redis-py reads them, and reports the outage if it is one
            else:
                return await self._repeat_failed(reads, replies, Exception)
        if len(reads) == 1:
            key, marker, _ = reads[0]
            return [await self._get_session(keys=[key], args=[marker])]
        pipe = self.client.pipeline(transaction=False)
        for key, marker, _ in reads:
            pipe.evalsha(self._get_session.sha, 1, key, marker)
        return await self._repeat_failed(reads, await pipe.execute(raise_on_error=False), NoScriptError)

    async def _repeat_failed(
        self, reads: list[tuple[str, str, asyncio.Future[Any]]], results: list[Any], kind: type[Exception]
    ) -> list[Any]:
        """Each error reply of ``kind`` read again through redis-py's script call, which loads the script the
        server lost (``NOSCRIPT``) and raises what is still wrong; the lane repeats every error reply."""
        for i, result in enumerate(results):
            if isinstance(result, kind):
                key, marker, _ = reads[i]
                try:
                    results[i] = await self._get_session(keys=[key], args=[marker])
                except Exception as exc:
                    results[i] = exc
        return results

    def _remember(self, token: str, user_id: str) -> None:
        self._owners.pop(token, None)
        self._owners[token] = user_id
        if len(self._owners) > _OWNER_HINTS:
            del self._owners[next(iter(self._owners))]

    # -- PubSubStorage -----------------------------------------------------------------------------------

    async def publish(self, channel: str, message: str) -> None:
        if self._init.pending:
            await self._init()
        await self.client.publish(self._k(channel), message)

    async def subscribe(self, channel: str) -> _RedisSubscription:
        connection = None
        if self.cluster:
            # PUBLISH reaches every node of a cluster: listen on one connection to any of them
            await self._init()
            node = self.client.get_random_node()
            connection = aioredis.Redis(
                connection_pool=aioredis.ConnectionPool(connection_class=node.connection_class, **node.connection_kwargs)
            )
        pubsub = (connection or self.client).pubsub()
        # heartbeats go through the server on a channel only this subscription listens to (a pub/sub PING is
        # answered in different shapes by RESP2 and RESP3, which redis-py does not parse when decoding)
        ping_channel = self._k(f"{channel}:ping:{secrets.token_hex(8)}")
        await pubsub.subscribe(self._k(channel), ping_channel)
        return _RedisSubscription(self.client, pubsub, self._k(channel), ping_channel, connection)

    async def close(self) -> None:
        if self._lane is not None:
            await self._lane.close()
        try:
            await self.client.aclose()
        finally:
            if self._sentinel is not None:
                await self._sentinel.aclose()


class _RedisSubscription:
    """Wraps redis-py's ``PubSub``. redis-py re-subscribes by itself after a reconnect; every subscribe
    confirmation of the channel is therefore reported as ``live`` (messages may have been missed before it)."""

    def __init__(self, client: Any, pubsub: Any, channel: str, ping_channel: str, connection: Any = None) -> None:
        self._client = client
        self._connection = connection  # a cluster subscription's own connection to one node
        self._pubsub = pubsub
        self._channel = channel
        self._ping_channel = ping_channel

    async def receive(self, timeout: float) -> Event | None:
        deadline = time.monotonic() + timeout
        while True:
            message = await self._pubsub.get_message(timeout=max(deadline - time.monotonic(), 0.0))
            if message is None:
                return None
            kind, channel = message.get("type"), _text(message.get("channel"))
            if channel == self._ping_channel:
                if kind == "message":
                    return Event("pong")
            elif kind == "message":
                return Event("message", _text(message.get("data")))
            elif kind == "subscribe":
                return Event("live")

    async def ping(self) -> None:
        await self._client.publish(self._ping_channel, "ping")

    async def close(self) -> None:
        try:
            await self._pubsub.aclose()
        finally:
            if self._connection is not None:
                await self._connection.aclose(close_connection_pool=True)
