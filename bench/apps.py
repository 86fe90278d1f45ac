"""The ASGI apps the benchmark serves: tessera configured like the reference, and a bare ceiling.

Both are factories so uvicorn (``--factory``) and granian (``--factory``) build them in the worker:

* ``tessera()``: ``TESSERA_BENCH_DATABASE`` (a PostgreSQL URL), ``TESSERA_BENCH_PORT`` (for ``base_url``);
  the real default hasher (scrypt N=16384, r=16, p=1: Better Auth's cost), rate limiting off, production.
  Optional, mirroring the reference server's switches: ``TESSERA_BENCH_COOKIE_CACHE=1`` (compact, max_age 300),
  ``TESSERA_BENCH_REDIS`` (a Redis URL: ``secondary_storage=RedisStorage``, keys under
  ``TESSERA_BENCH_REDIS_PREFIX``), ``TESSERA_BENCH_PLUGINS=jwt`` and ``TESSERA_BENCH_APP_NAME`` (the PostgreSQL
  ``application_name`` and Redis client name, so server-side counters can attribute work to this server).
* ``bare()``: raw ASGI answering ``{"ok":true}`` to everything, the most a Python server stack can do.
"""

from __future__ import annotations

import os
from typing import Any

#: the reference server's fixed secret (public, NOT a real secret; see tests/reference/node/server.mjs)
SECRET = "tessera-conformance-secret-0123456789abcdef0123456789"


def build_tessera(
    database: str,
    port: int,
    *,
    cookie_cache: bool = False,
    redis_url: str | None = None,
    redis_prefix: str = "tessera-bench:",
    plugins: tuple[str, ...] = (),
    app_name: str = "tessera-bench",
) -> Any:
    from tessera import ScryptHasher, Tessera
    from tessera.adapters.sqlalchemy import SQLAlchemyAdapter

    storage = None
    if redis_url:
        from tessera.storage.redis import RedisStorage

        storage = RedisStorage(redis_url, key_prefix=redis_prefix, client_name=app_name)
    loaded = []
    for name in plugins:
        if name != "jwt":
            raise ValueError(f"bench/apps.py: unknown plugin {name!r} (known: jwt)")
        from tessera.plugins.jwt import jwt

        loaded.append(jwt())
    return Tessera(
        secret=SECRET,
        base_url=f"http://127.0.0.1:{port}",
        # at most 10 connections, like the reference's pg.Pool (max 10)
        database=SQLAlchemyAdapter(
            database, pool_size=10, max_overflow=0, connect_args={"server_settings": {"application_name": app_name}}
        ),
        secondary_storage=storage,
        email_and_password={"enabled": True, "password": ScryptHasher()},
        session={"cookie_cache": {"enabled": True, "max_age": 300, "strategy": "compact"}} if cookie_cache else None,
        rate_limit={"enabled": False},
        plugins=loaded,
        production=True,
    )


def tessera() -> Any:
    env = os.environ
    return build_tessera(
        env["TESSERA_BENCH_DATABASE"],
        int(env["TESSERA_BENCH_PORT"]),
        cookie_cache=env.get("TESSERA_BENCH_COOKIE_CACHE") == "1",
        redis_url=env.get("TESSERA_BENCH_REDIS") or None,
        redis_prefix=env.get("TESSERA_BENCH_REDIS_PREFIX", "tessera-bench:"),
        plugins=tuple(p for p in env.get("TESSERA_BENCH_PLUGINS", "").split(",") if p),
        app_name=env.get("TESSERA_BENCH_APP_NAME", "tessera-bench"),
    )


_OK = b'{"ok":true}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_OK)).encode())]


async def _bare(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _OK})


def bare() -> Any:
    return _bare


async def migrate(database: str) -> None:
    """Create tessera's tables in ``database`` (what ``tessera migrate`` does)."""
    from tessera.adapters.sqlalchemy.migrate import apply, plan_migration

    auth = build_tessera(database, 0, plugins=("jwt",))
    try:
        await apply(await plan_migration(auth.adapter.engine, auth.schema))
    finally:
        await auth.adapter.close()
