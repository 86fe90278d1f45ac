#!/usr/bin/env python3
"""Per-request CPU of a session read, in process: no HTTP server, no load generator, one core.

    python bench/profile_session.py                          # µs of CPU per call, each layer
    python bench/profile_session.py --profile handle         # + a pyinstrument (or cProfile) tree
    python bench/profile_session.py --database postgresql://postgres@127.0.0.1:5432/test -n 20000
    python bench/profile_session.py --cookie-cache --profile asgi   # a cookie-cache hit (cache cookie sent)
    python bench/profile_session.py --redis redis://127.0.0.1:6379/13  # sessions in Redis (secondary storage)

Layers, each timed over ``-n`` sequential calls (process CPU time / calls):

* ``find_session``: ``auth.context.store.find_session(token)``, the one statement of a session read;
* ``api``: ``auth.api.get_session(headers=...)``, the endpoint as a server call;
* ``handle``: ``auth.handle(Request)``, the sans-I/O pipeline with a cookie, as the ASGI app runs it;
* ``asgi``: the ASGI app called with a scope, ``receive`` and ``send`` (no socket).

The database is the one ``bench/run.py`` uses by default (``tessera_bench_profile`` on the local PostgreSQL,
dropped and recreated). Sequential calls measure CPU per request, not throughput: under load the event loop
overlaps the round trips.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from bench.apps import SECRET, build_tessera, migrate

PASSWORD = "correct-horse-battery"


async def _recreate(admin: str, name: str) -> str:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin.rsplit("/", 1)[0] + "/" + name


async def _timed(label: str, n: int, call: Callable[[], Awaitable[Any]]) -> float:
    for _ in range(min(n, 500)):
        await call()
    start = time.process_time()
    for _ in range(n):
        await call()
    per_call = (time.process_time() - start) / n * 1e6
    print(f"{label:>14}: {per_call:8.1f} µs CPU/call")
    return per_call


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--database", help="use this database as is (tables must exist) instead of a fresh one")
    ap.add_argument("-n", type=int, default=5000)
    ap.add_argument("--profile", choices=("find_session", "api", "handle", "asgi"))
    ap.add_argument("--cookie-cache", action="store_true", help="compact cookie cache on; requests carry it")
    ap.add_argument("--redis", help="secondary storage on this Redis URL (keys under tessera-bench-profile:<pid>:)")
    args = ap.parse_args()

    from tessera.http import Headers, Request

    url = args.database or await _recreate(args.admin, "tessera_bench_profile")
    if not args.database:
        await migrate(url)
    prefix = f"tessera-bench-profile:{os.getpid()}:"
    auth = build_tessera(url, 3000, cookie_cache=args.cookie_cache, redis_url=args.redis, redis_prefix=prefix)
    assert SECRET
    try:
        email = "profile@example.com"
        with contextlib.suppress(Exception):
            await auth.api.sign_up_email(body={"email": email, "password": PASSWORD, "name": "P"})
        response = await auth.api.sign_in_email(body={"email": email, "password": PASSWORD}, as_response=True)
        cookie = "; ".join(v.split(";", 1)[0] for v in response.set_cookies.values())
        token = cookie.split("=", 1)[1].split(".", 1)[0]
        headers = {"cookie": cookie}
        pairs = [("cookie", cookie)]
        app = auth

        async def asgi_call() -> None:
            scope = {
                "type": "http", "method": "GET", "path": "/api/auth/get-session", "raw_path": b"",
                "query_string": b"", "headers": [(b"cookie", cookie.encode())], "scheme": "http",
                "server": ("127.0.0.1", 3000), "client": ("127.0.0.1", 5555), "root_path": "",
                "http_version": "1.1", "asgi": {"version": "3.0"},
            }

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                pass

            await app(scope, receive, send)

        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "find_session": lambda: auth.context.store.find_session(token),
            "api": lambda: auth.api.get_session(headers=headers),
            "handle": lambda: auth.handle(
                Request("GET", "/api/auth/get-session", Headers.from_pairs(pairs))
            ),
            "asgi": asgi_call,
        }
        assert await auth.context.store.find_session(token) is not None
        for label, call in calls.items():
            await _timed(label, args.n, call)
        if args.profile:
            call = calls[args.profile]
            try:
                from pyinstrument import Profiler  # type: ignore[import-not-found]
            except ImportError:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                prof.enable()
                for _ in range(args.n):
                    await call()
                prof.disable()
                pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
            else:
                profiler = Profiler(interval=0.0001, async_mode="disabled")
                profiler.start()
                for _ in range(args.n):
                    await call()
                profiler.stop()
                print(profiler.output_text(unicode=True, color=False, show_all=False))
    finally:
        if args.redis:
            from urllib.parse import urlsplit

            from bench.counting import delete_prefix

            parts = urlsplit(args.redis)
            db = int(parts.path.strip("/") or 0)
            delete_prefix(parts.hostname or "127.0.0.1", parts.port or 6379, db, prefix)
        await auth.adapter.close()


if __name__ == "__main__":
    asyncio.run(main())
