"""``tessera jwks export``: the value to put in ``TESSERA_JWKS`` (static keys; no key table needed).

    tessera jwks export                       # a new EdDSA key (``--alg ES256`` …)
    tessera jwks export myapp:auth            # the keys in the app's jwks table, the signing key first
    tessera jwks export --append              # $TESSERA_JWKS plus a new key, published but not signing yet
    tessera jwks export --public              # the public JWKS of $TESSERA_JWKS (or of the above), for verifiers

The value is a JWKS of private JWKs, each with ``kid`` and ``alg``, on one line (``--base64`` for .env files
that dislike quotes). The first key signs; every key is published at ``/jwks``. To rotate: ``--append``,
deploy, wait until caches of ``/jwks`` have expired, then move the new key first and deploy again; drop the
old one once the tokens it signed have expired.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
from typing import Any

from ... import _json
from ...crypto.random import generate_id
from ...jwt.jwk import SIGNING_ALGORITHMS, PrivateJWK, generate_jwk
from .config import STATIC_KEYS_ENV, load_static_keys


def register(subparsers: Any) -> None:
    """Add ``jwks`` to the ``tessera`` command (called by ``tessera.cli.build_parser``)."""
    jwks = subparsers.add_parser("jwks", help="JWT signing keys (static keys for TESSERA_JWKS)")
    actions = jwks.add_subparsers(dest="jwks_command", required=True)
    export = actions.add_parser("export", help=f"print a value for {STATIC_KEYS_ENV}")
    export.add_argument("app", nargs="?", help="module:attribute of a Tessera app: export its jwks table")
    export.add_argument("--database", help="database URL (export the jwks table of the default app)")
    export.add_argument("--alg", choices=SIGNING_ALGORITHMS, default="EdDSA", help="algorithm of a new key")
    export.add_argument("--modulus-length", type=int, default=2048, help="RSA key size")
    export.add_argument("--append", action="store_true", help=f"${STATIC_KEYS_ENV} plus one new key at the end")
    export.add_argument("--public", action="store_true", help="print the public JWKS instead")
    export.add_argument("--base64", action="store_true", help="base64url-encode the value")
    export.add_argument("--env", default=STATIC_KEYS_ENV, help="the variable --append/--public read (TESSERA_CONVEX_JWKS …)")
    export.add_argument("--plugin", default="jwt", help="with an app: the plugin whose keys to export (jwt, convex)")
    export.set_defaults(run=export_command)


def private_jwks(keys: list[PrivateJWK]) -> dict[str, Any]:
    return {"keys": [{"alg": k.alg, "kid": k.kid, **k.private_dict()} for k in keys]}


def public_jwks(keys: list[PrivateJWK]) -> dict[str, Any]:
    return {"keys": [k.public.to_dict() for k in keys]}


def _new_key(args: argparse.Namespace) -> PrivateJWK:
    return generate_jwk(args.alg, kid=generate_id(32), modulus_length=args.modulus_length)


def _from_database(args: argparse.Namespace) -> list[PrivateJWK]:
    from ...cli.commands import default_app, load_app

    auth = load_app(args.app) if args.app else default_app(args.database, None)
    from . import JWTPlugin

    try:
        plugin = auth.plugin(args.plugin)
    except KeyError:
        plugin = None
    if not isinstance(plugin, JWTPlugin):
        raise SystemExit(f"this app has no {args.plugin} plugin, so no jwks table to export")

    async def read() -> list[PrivateJWK]:
        try:
            ring = await plugin.manager.reload()
        finally:
            await auth.adapter.close()
        now = plugin.manager.now()
        current = ring.signing_record(now)
        records = sorted(ring.records, key=lambda r: r is not current)  # the signing key first
        skipped = [r.kid for r in records if r.signer is None]
        if skipped:
            print(f"skipped keys that do not decrypt with this secret: {', '.join(skipped)}", file=sys.stderr)
        return [r.signer for r in records if r.signer is not None]

    keys = asyncio.run(read())
    if not keys:
        raise SystemExit("the jwks table has no usable keys (run with --generate semantics: omit the app)")
    return keys


def export_command(args: argparse.Namespace) -> int:
    if args.app or args.database:
        keys = _from_database(args)
    elif args.append or (args.public and os.environ.get(args.env)):
        current = load_static_keys(os.environ.get(args.env) or None, env=None)
        if current is None:
            raise SystemExit(f"--append needs the current keys in ${args.env}")
        keys = list(current)
    else:
        keys = []
    if args.append or not keys:
        keys.append(_new_key(args))
    document = public_jwks(keys) if args.public else private_jwks(keys)
    value = _json.dumps_str(document)
    if args.base64:
        value = base64.urlsafe_b64encode(value.encode()).rstrip(b"=").decode()
    print(value)
    if not args.public and sys.stderr.isatty():
        print(f"\n# put it in the environment, e.g.  {STATIC_KEYS_ENV}='<the line above>'", file=sys.stderr)
    return 0
