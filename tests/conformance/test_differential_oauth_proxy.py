"""Differential cases with the oauth-proxy plugin on both servers (Better Auth's ``oAuthProxy({productionURL})``,
tessera's ``oauth_proxy(production_url=…)``): the preview's hand-over endpoints refusing what is not a live,
sealed hand-over — a missing or forged profile, an untrusted ``callbackURL`` — statuses, redirects and bodies.
The whole round trip (preview → provider → production → preview) is covered in tests/plugins/oauth_proxy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conformance_pair import Pair, Side, plugin_pair


@pytest.fixture(scope="session")
def proxy_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "oAuthProxy") as (p, _):
        yield p


def own_origin_masked(s: Side, r: httpx.Response) -> httpx.Response:
    """``r`` with the server's own origin in ``location`` replaced (the two servers listen on different ports)."""
    headers = [(k, v.replace(s.origin, "<server>") if k == "location" else v) for k, v in r.headers.items()]
    return httpx.Response(r.status_code, headers=headers, content=r.content, request=r.request)


def test_oauth_proxy_hand_over_refusals(proxy_pair: Pair) -> None:
    forged = "ab" * 40

    def scenario(s: Side) -> list[httpx.Response]:
        out = []
        for path in ("/callback/google/oauth-proxy", "/oauth-proxy-callback"):
            out.append(s.get(path, params={"callbackURL": "/dashboard"}))
            out.append(s.get(path, params={"callbackURL": "/dashboard", "profile": forged}))
            out.append(s.get(path, params={"callbackURL": "https://evil.example/steal", "profile": forged}))
            out.append(s.get(path))
        return [own_origin_masked(s, r) for r in out]

    proxy_pair.check("oauth-proxy: hand-over refusals", scenario)
