"""The ASGI apps the benchmark serves: tessera configured like the reference, and a bare ceiling.

Both are factories so uvicorn (``--factory``) and granian (``--factory``) build them in the worker:

* ``tessera()``: ``TESSERA_BENCH_DATABASE`` (a PostgreSQL URL), ``TESSERA_BENCH_PORT`` (for ``base_url``);
  the real default hasher (scrypt N=16384, r=16, p=1: Better Auth's cost), rate limiting off, production.
* ``bare()``: raw ASGI answering ``{"ok":true}`` to everything, the most a Python server stack can do.
"""

from __future__ import annotations

import os
from typing import Any

#: the reference server's fixed secret (public, NOT a real secret; see tests/reference/node/server.mjs)
SECRET = "tessera-conformance-secret-0123456789abcdef0123456789"


def build_tessera(database: str, port: int) -> Any:
    from tessera import ScryptHasher, Tessera
    from tessera.adapters.sqlalchemy import SQLAlchemyAdapter

    return Tessera(
        secret=SECRET,
        base_url=f"http://127.0.0.1:{port}",
        # at most 10 connections, like the reference's pg.Pool (max 10)
        database=SQLAlchemyAdapter(database, pool_size=10, max_overflow=0),
        email_and_password={"enabled": True, "password": ScryptHasher()},
        rate_limit={"enabled": False},
        production=True,
    )


def tessera() -> Any:
    return build_tessera(os.environ["TESSERA_BENCH_DATABASE"], int(os.environ["TESSERA_BENCH_PORT"]))


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

    auth = build_tessera(database, 0)
    try:
        await apply(await plan_migration(auth.adapter.engine, auth.schema))
    finally:
        await auth.adapter.close()
