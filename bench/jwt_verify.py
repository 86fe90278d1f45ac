"""Local JWT verification in process: tessera's ``Verifier`` against a server's token and JWKS.

    python -m bench.jwt_verify --token T --jwks-url http://127.0.0.1:3000/api/auth/jwks \
        --issuer http://127.0.0.1:3000 --audience http://127.0.0.1:3000 [--seconds 2]

Prints one JSON line per way of holding the keys: ``remote`` (``jwks_url``, fetched once and cached: what a
resource server does) with ``await verify()``, and ``local`` (a static ``KeySet`` from the same JWKS) with
``verify_sync()``. ``bench/jwt_verify_reference.mjs`` does the same with ``jose`` for Better Auth.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


async def _rate(fn: Callable[[], Awaitable[Any]], seconds: float) -> tuple[int, float, float]:
    """(operations, wall seconds, CPU seconds) of back-to-back ``fn()`` calls for about ``seconds``, after a short
    warm-up. CPU time (this process) is the steadier figure on a shared machine: waiting to be scheduled is not
    in it."""
    warm = time.perf_counter() + min(0.3, seconds / 4)
    while time.perf_counter() < warm:
        await fn()
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(100):
            await fn()
        n += 100
        now = time.perf_counter()
        if now >= deadline:
            return n, now - start, time.process_time() - cpu


async def measure(token: str, jwks_url: str, issuer: str, audience: str, seconds: float) -> list[dict[str, Any]]:
    from tessera.jwt import KeySet, Verifier, decode_unverified

    alg = decode_unverified(token)[0]["alg"]
    remote = Verifier(issuer=issuer, audience=audience, algorithms=[alg], jwks_url=jwks_url)
    with urllib.request.urlopen(jwks_url, timeout=10) as r:
        jwks = json.loads(r.read())
    local = Verifier(issuer=issuer, audience=audience, algorithms=[alg], keys=KeySet.from_jwks(jwks))
    await remote.verify(token)  # fetches and caches the JWKS; steady state from here on
    local.verify_sync(token)

    async def local_verify() -> Any:
        return local.verify_sync(token)

    out = []
    for label, fn in (("tessera Verifier, jwks_url (cached)", lambda: remote.verify(token)),
                      ("tessera Verifier, static KeySet", local_verify)):  # fmt: skip
        n, elapsed, cpu = await _rate(fn, seconds)
        out.append({"verifier": label, "alg": alg, "ops": n, "seconds": elapsed, "ops_per_s": n / elapsed,
                    "us_per_op": elapsed / n * 1e6, "cpu_us_per_op": cpu / n * 1e6})  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--token", required=True)
    ap.add_argument("--jwks-url", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--audience", required=True)
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()
    for row in asyncio.run(measure(args.token, args.jwks_url, args.issuer, args.audience, args.seconds)):
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
