"""Implementations of the CLI subcommands."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import secrets
import sys
from typing import Any

from ..auth import Tessera

DEFAULT_DATABASE = "sqlite:///tessera.db"


def load_app(spec: str) -> Tessera:
    """Import ``module:attribute`` (from the current directory too) and check it is a ``Tessera``."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise SystemExit(f"expected module:attribute, got {spec!r}")
    sys.path.insert(0, os.getcwd())
    obj: Any = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(obj, Tessera):
        raise SystemExit(f"{spec} is a {type(obj).__name__}, not a Tessera object")
    return obj


def default_app(database: str | None, base_url: str | None) -> Tessera:
    return Tessera(
        database=database or os.environ.get("TESSERA_DATABASE_URL") or DEFAULT_DATABASE,
        base_url=base_url,
        email_and_password={"enabled": True},
    )


def _auth_for(args: argparse.Namespace, base_url: str | None = None) -> Tessera:
    if getattr(args, "app", None):
        return load_app(args.app)
    return default_app(getattr(args, "database", None), base_url)


def serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise SystemExit("tessera serve needs uvicorn: pip install 'tessera-auth[server]'") from None
    from .site import site_app

    base_url = os.environ.get("TESSERA_URL") or f"http://{args.host}:{args.port}"
    auth = _auth_for(args, base_url)
    if not args.no_migrate and not args.app:
        from ..migrations import migrate

        applied = asyncio.run(migrate(auth, apply=True))
        for line in applied:
            print(f"migrate: {line}", file=sys.stderr)
        asyncio.run(auth.adapter.close())
    print(f"tessera: auth API at {base_url}{auth.base_path}  (page: {base_url}/)", file=sys.stderr)
    uvicorn.run(site_app(auth), host=args.host, port=args.port, log_level="info", lifespan="on")
    return 0


def migrate(args: argparse.Namespace) -> int:
    from ..migrations import migrate as run_migration

    auth = _auth_for(args)

    async def go() -> list[str]:
        try:
            return await run_migration(auth, apply=not args.dry_run)
        finally:
            await auth.adapter.close()

    lines = asyncio.run(go())
    if not lines:
        print("schema is up to date")
    for line in lines:
        print(line)
    return 0


def generate(args: argparse.Namespace) -> int:
    from ..migrations import generate as render

    auth = _auth_for(args)
    text = render(auth, dialect=args.dialect, alembic=args.alembic)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def secret(args: argparse.Namespace) -> int:
    print(secrets.token_hex(32))
    return 0
