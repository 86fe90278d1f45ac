"""In-process micro-benchmarks of the token toolkit (no network, memory adapter).

    python bench/jwt_micro.py            # prints µs per operation

What it shows: signing and verifying cost only the signature (keys are parsed once), and /token, /jwks and the
set-auth-jwt header add no database work once the keys are loaded.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tessera import ScryptHasher, Tessera
from tessera.http import Headers, Request
from tessera.jwt import KeySet, Verifier, encode, generate_jwk
from tessera.plugins.jwt import jwt
from tessera.ssr import ssr_token_cache

BASE = "http://127.0.0.1:3000"


def timeit(fn: Callable[[], object], n: int) -> float:
    for _ in range(min(n // 10, 200)):
        fn()
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(runs)


async def atimeit(fn: Callable[[], Awaitable[object]], n: int) -> float:
    for _ in range(min(n // 10, 200)):
        await fn()
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            await fn()
        runs.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(runs)


def jose() -> None:
    now = int(time.time())
    claims = {"sub": "user", "iat": now, "exp": now + 900, "iss": BASE, "aud": BASE, "name": "Alice"}
    for alg in ("EdDSA", "ES256", "RS256", "PS256"):
        key = generate_jwk(alg, kid="k")
        token = encode(claims, key)
        verifier = Verifier(issuer=BASE, audience=BASE, algorithms=[alg], keys=KeySet([key.public]))
        sign = timeit(lambda key=key: encode(claims, key), 2000)
        verify = timeit(lambda v=verifier, t=token: v.verify_sync(t), 2000)
        print(f"{alg:6}  sign {sign:7.1f} µs   verify (all checks) {verify:7.1f} µs")


async def endpoints() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ssr = ssr_token_cache()
        plain = Tessera(secret="b" * 40, base_url=BASE, email_and_password={"enabled": True, "password": ScryptHasher(n=1024, r=8)})
        auth = Tessera(secret="b" * 40, base_url=BASE, email_and_password={"enabled": True, "password": ScryptHasher(n=1024, r=8)},
                       plugins=[jwt(), ssr])
    cookies = {}
    for name, a in (("plain", plain), ("jwt", auth)):
        r = await a.api.sign_up_email(body={"email": "a@example.com", "password": "password123", "name": "A"}, as_response=True)
        cookies[name] = "; ".join(c.split(";")[0] for c in r.set_cookies.values())

    def req(path: str, cookie: str | None) -> Request:
        pairs = [("host", "127.0.0.1:3000")] + ([("cookie", cookie)] if cookie else [])
        return Request("GET", "/api/auth" + path, Headers.from_pairs(pairs))

    await auth.handle(req("/token", cookies["jwt"]))
    rows = [
        ("GET /get-session (no jwt plugin)", plain, "/get-session", cookies["plain"]),
        ("GET /get-session (+ set-auth-jwt)", auth, "/get-session", cookies["jwt"]),
        ("GET /token", auth, "/token", cookies["jwt"]),
        ("GET /jwks", auth, "/jwks", None),
    ]
    for label, a, path, cookie in rows:
        us = await atimeit(lambda a=a, p=path, c=cookie: a.handle(req(p, c)), 2000)
        print(f"{label:36} {us:7.1f} µs")
    memo_headers = {"cookie": cookies["jwt"]}
    await ssr.token_for(memo_headers)
    print(f"{'SSR token cache hit (memory)':36} {await atimeit(lambda: ssr.token_for(memo_headers), 5000):7.1f} µs")
    auth.adapter.operations.clear()  # type: ignore[attr-defined]
    for path in ("/token", "/jwks"):
        await auth.handle(req(path, cookies["jwt"]))
    print("database operations for one /token and one /jwks:", auth.adapter.operations)  # type: ignore[attr-defined]
    await auth.shutdown()


if __name__ == "__main__":
    jose()
    asyncio.run(endpoints())
