"""A real second process consumes the tokens: tessera served by uvicorn, ``Verifier`` on its ``/jwks`` elsewhere."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tessera.jwt import decode_unverified, encode, generate_jwk
from tessera.jwt.jwk import b64url_encode
from tests._uvicorn import child_env, serve

SERVER = """
from tessera import ScryptHasher, Tessera
from tessera.plugins.jwt import jwt
import os

auth = Tessera(
    secret="second-process-secret-0123456789abcdef",
    base_url=os.environ["BASE_URL"],
    email_and_password={"enabled": True, "password": ScryptHasher(n=1024, r=8)},
    plugins=[jwt()],
)
"""

CONSUMER = """
import asyncio, json, sys, time
from tessera.jwt import JWTError, Verifier

async def main():
    url, issuer = sys.argv[1], sys.argv[2]
    tokens = json.loads(sys.stdin.read())
    verifier = Verifier(issuer=issuer, audience=issuer, algorithms=["EdDSA"], jwks_url=url)
    out = {}
    for name, token in tokens.items():
        try:
            out[name] = "ok:" + (await verifier.verify(token))["sub"]
        except JWTError as exc:
            out[name] = exc.code
    for _ in range(1000):  # steady state: verification is CPU only
        await verifier.verify(tokens["good"])
    out["fetches"] = verifier.remote.fetches
    other = Verifier(issuer=issuer, audience="https://api.other.example", algorithms=["EdDSA"], jwks_url=url)
    later = Verifier(issuer=issuer, audience=issuer, algorithms=["EdDSA"], jwks_url=url, clock=lambda: time.time() + 901)
    for name, verifier in (("wrong_audience", other), ("expired", later)):
        try:
            await verifier.verify(tokens["good"])
            out[name] = "ok"
        except JWTError as exc:
            out[name] = exc.code
    print(json.dumps(out))

asyncio.run(main())
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    pytest.importorskip("uvicorn")
    with serve(tmp_path, SERVER) as base:
        yield base


def _forge(token: str, header: dict, payload: dict | None = None) -> str:  # type: ignore[type-arg]
    body, sig = token.split(".")[1:]
    new_head = b64url_encode(json.dumps(header).encode())
    new_body = b64url_encode(json.dumps(payload).encode()) if payload is not None else body
    return f"{new_head}.{new_body}.{sig}"


def test_a_second_process_verifies_against_jwks(server: str, tmp_path: Path) -> None:
    with httpx.Client(base_url=f"{server}/api/auth", headers={"origin": server}) as http:
        signed_up = http.post("/sign-up/email", json={"email": "p@example.com", "password": "password-123", "name": "P"})
        assert signed_up.status_code == 200
        token = http.get("/token").json()["token"]
        jwks = http.get("/jwks")
    assert jwks.headers["cache-control"].startswith("public, max-age=")
    head, claims = decode_unverified(token)
    public = jwks.json()["keys"][0]
    unsigned = _forge(token, {"alg": "HS256", "kid": head["kid"]}).rsplit(".", 1)[0]
    mac = hmac.new(json.dumps(public).encode(), unsigned.encode(), hashlib.sha256).digest()
    stranger = generate_jwk("EdDSA", kid="not-the-servers")
    tokens = {
        "good": token,
        "tampered": _forge(token, head, {**claims, "sub": "someone-else"}),
        "alg_none": _forge(token, {"alg": "none", "kid": head["kid"]}).rsplit(".", 1)[0] + ".",
        "hs256_public_key": f"{unsigned}.{b64url_encode(mac)}",
        "wrong_kid": encode(claims, stranger),
        "resigned_same_kid": encode(claims, generate_jwk("EdDSA", kid=head["kid"])),
    }
    (tmp_path / "consumer.py").write_text(CONSUMER)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "consumer.py"), f"{server}/api/auth/jwks", server],
        input=json.dumps(tokens), capture_output=True, text=True, env=child_env(), timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {
        "good": f"ok:{claims['sub']}",
        "tampered": "signature",
        "alg_none": "algorithm",
        "hs256_public_key": "algorithm",
        "wrong_kid": "unknown_key",
        "resigned_same_kid": "signature",
        "fetches": 1,  # one JWKS request for 1006 verifications
        "wrong_audience": "claim",
        "expired": "expired",
    }
