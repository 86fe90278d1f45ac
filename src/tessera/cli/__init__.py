"""The ``tessera`` command: serve | migrate | generate | secret | jwks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tessera", description="Better Auth-compatible auth server")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run an auth server (SQLite by default, migrated on first start)")
    serve.add_argument("app", nargs="?", help="module:attribute naming your Tessera object")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--database", help="database URL (default: sqlite:///tessera.db)")
    serve.add_argument("--no-migrate", action="store_true", help="do not apply the schema on start")
    serve.set_defaults(run=commands.serve)

    migrate = sub.add_parser("migrate", help="show the schema migration plan and apply it")
    migrate.add_argument("app", nargs="?")
    migrate.add_argument("--database")
    migrate.add_argument("--dry-run", action="store_true", help="only show the plan")
    migrate.set_defaults(run=commands.migrate)

    generate = sub.add_parser("generate", help="print SQL DDL (per dialect) or an Alembic migration")
    generate.add_argument("app", nargs="?")
    generate.add_argument("--database", help="database URL (only used to build the default app)")
    generate.add_argument("--dialect", choices=["sqlite", "postgresql", "mysql"], default="sqlite")
    generate.add_argument("--alembic", action="store_true", help="emit an Alembic migration instead of SQL")
    generate.add_argument("--output", "-o", help="write to this file instead of stdout")
    generate.set_defaults(run=commands.generate)

    secret = sub.add_parser("secret", help="print a new random secret")
    secret.set_defaults(run=commands.secret)

    from ..plugins.jwt.cli import register as register_jwks

    register_jwks(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
