"""Differential cases with the siwe plugin on both servers (Better Auth's ``siwe()``, tessera's ``siwe()``):
nonces, first and repeated wallet sign-ins, another chain, replays and every refusal — statuses, body shapes,
error codes and cookies. Both servers accept ``signed-by:<lowercase address>`` as a signature."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import Pair, Side, jar_from, plugin_pair

DOMAIN = "example.com"


@pytest.fixture(scope="session")
def siwe_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "siwe") as (p, _):
        yield p


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def message(address: str, nonce: str, *, domain: str = DOMAIN, chain_id: object = 1, extra: str = "") -> str:
    return (f"{domain} wants you to sign in with your Ethereum account:\n{address}\n\nSign in\n\n"
            f"URI: https://{domain}\nVersion: 1\nChain ID: {chain_id}\nNonce: {nonce}\n"
            f"Issued At: 2026-01-01T00:00:00.000Z{extra}")


def nonce(s: Side) -> str:
    r = post(s, "/siwe/nonce", {})
    assert r.status_code == 200, r.text
    return str(r.json()["nonce"])


def verify(s: Side, address: str, *, sig: str | None = None, **kwargs: object) -> httpx.Response:
    text = message(address, nonce(s), **kwargs)  # type: ignore[arg-type]
    return post(s, "/siwe/verify", {"message": text, "signature": sig or f"signed-by:{address.lower()}"})


def test_siwe_sign_in_and_again(siwe_pair: Pair) -> None:
    wallet = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"

    def scenario(s: Side) -> list[httpx.Response]:
        first = verify(s, wallet)
        out = [post(s, "/siwe/nonce", {}), post(s, "/siwe/get-nonce"), first,
               s.get("/get-session", jar=jar_from(first))]
        out.append(verify(s, wallet.upper().replace("0X", "0x")))
        out.append(verify(s, wallet, chain_id=137))
        return out

    siwe_pair.check("siwe: sign-in and again", scenario)


def test_siwe_replay(siwe_pair: Pair) -> None:
    wallet = "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"

    def scenario(s: Side) -> list[httpx.Response]:
        body = {"message": message(wallet, nonce(s)), "signature": f"signed-by:{wallet}"}
        return [post(s, "/siwe/verify", body), post(s, "/siwe/verify", body)]

    siwe_pair.check("siwe: replay", scenario)


def test_siwe_refusals(siwe_pair: Pair) -> None:
    wallet = "0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb"

    def scenario(s: Side) -> list[httpx.Response]:
        return [
            verify(s, wallet, domain="evil.example"),
            verify(s, wallet, chain_id=0),
            verify(s, wallet, chain_id="one"),
            verify(s, "0x1234"),
            verify(s, wallet, extra="\nExpiration Time: 2000-01-01T00:00:00Z"),
            verify(s, wallet, extra="\nNot Before: 2999-01-01T00:00:00Z"),
            verify(s, wallet, sig="signed-by:someone-else"),
            post(s, "/siwe/verify", {"message": message(wallet, "neverissued1"), "signature": "x"}),
            post(s, "/siwe/verify", {"message": message(wallet, "short"), "signature": "x"}),
            post(s, "/siwe/verify", {}),
            post(s, "/siwe/verify", {"message": "", "signature": "x"}),
            post(s, "/siwe/verify", {"message": "m", "signature": "s", "email": "nope"}),
            post(s, "/siwe/nonce", {"extra": 1}),
        ]

    siwe_pair.check("siwe: refusals", scenario)
