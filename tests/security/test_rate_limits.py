"""Rate limiting cannot be side-stepped: by forwarding headers, address spellings, or path spellings.

Better Auth changeset ``trusted-forwarded-ip-chains`` (#10203, security.md §2.7, B3/B4), IPv6 bucketing (B6),
CVE-2025-71399 (``//sign-in/email`` missed the path-keyed rules, §2.2, B5), changeset ``twenty-pears-bake``
(plugin request handlers ran before the limiter, B7). ASVS v5.0.0-4.1.3, 15.3.4, 6.3.1, 2.4.1.
"""

from __future__ import annotations

import json
from typing import Any

from tests._helpers import make_auth

from tessera import Plugin, Tessera
from tessera.http import Headers, Request, Response

XFF = "x-forwarded-for"
ORIGIN = "http://127.0.0.1:3000"


def limited(**options: Any) -> Tessera:
    options.setdefault("production", True)  # the limiter is on in production, as in Better Auth
    return make_auth(**options)


async def sign_in(auth: Tessera, *, peer: str | None, xff: str | None = None, path: str = "/sign-in/email",
                  email: str = "alice@example.com") -> Response:
    headers = [("content-type", "application/json"), ("origin", ORIGIN)]
    if xff is not None:
        headers.append((XFF, xff))
    body = json.dumps({"email": email, "password": "wrong-password-1"}).encode()
    return await auth.handle(Request("POST", "/api/auth" + path, Headers.from_pairs(headers), body=body,
                                     client_host=peer))


async def test_a_directly_connected_client_cannot_rotate_x_forwarded_for() -> None:
    """Changeset trusted-forwarded-ip-chains / ASVS v5.0.0-4.1.3 (found here for single-address headers): a client
    connecting from a public address that sends ``X-Forwarded-For: 1.2.3.<n>`` still gets its own bucket."""
    auth = limited()
    statuses = [(await sign_in(auth, peer="93.184.216.34", xff=f"1.2.3.{n}")).status for n in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    # rotating a whole chain does not help either
    auth = limited()
    statuses = [(await sign_in(auth, peer="93.184.216.35", xff=f"1.2.3.{n}, 198.51.100.7")).status for n in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


async def test_one_client_cannot_exhaust_the_bucket_of_every_client_without_a_header() -> None:
    """ASVS v5.0.0-6.1.1 (no malicious lockout; found here): in production, clients whose address was unknown all
    shared one bucket, so three bad sign-ins from anyone locked every header-less client out. A directly connected
    client is now keyed by its own address."""
    auth = limited()
    assert [(await sign_in(auth, peer="93.184.216.40")).status for _ in range(4)] == [401, 401, 401, 429]
    assert (await sign_in(auth, peer="93.184.216.41")).status == 401


async def test_behind_a_private_proxy_each_real_client_has_its_own_bucket() -> None:
    """A proxy on loopback or a private network that overwrites ``X-Forwarded-For`` is believed, so one noisy
    client does not lock out the others (ASVS v5.0.0-6.1.1: no malicious lockout)."""
    auth = limited()
    for proxy in ("10.0.0.5", "127.0.0.1"):
        assert [(await sign_in(auth, peer=proxy, xff="198.51.100.1")).status for _ in range(4)][-1] == 429
        assert (await sign_in(auth, peer=proxy, xff="198.51.100.2")).status == 401
        auth = limited()


async def test_explicitly_configured_proxies_and_headers_are_honoured() -> None:
    """B3/B4: with ``trusted_proxies`` the chain is walked right to left; a configured single header is believed."""
    auth = limited(advanced={"ip_address": {"trusted_proxies": ["203.0.113.0/24"]}})
    statuses = [(await sign_in(auth, peer="203.0.113.1", xff=f"6.6.6.{n}, 198.51.100.1")).status for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    auth = limited(advanced={"ip_address": {"ip_address_headers": ["cf-connecting-ip"]}})
    headers = [("content-type", "application/json"), ("origin", ORIGIN)]
    body = json.dumps({"email": "alice@example.com", "password": "wrong-password-1"}).encode()
    for ip, expected in [("198.51.100.1", 401)] * 3 + [("198.51.100.1", 429), ("198.51.100.2", 401)]:
        request = Request("POST", "/api/auth/sign-in/email",
                          Headers.from_pairs([*headers, ("cf-connecting-ip", ip)]), body=body, client_host="104.16.0.1")
        assert (await auth.handle(request)).status == expected


async def test_address_spellings_share_one_bucket() -> None:
    """B6: IPv4-mapped IPv6 folds to IPv4, and IPv6 is bucketed per /64, so respelling an address is no escape."""
    auth = limited()
    spellings = ["198.51.100.9", "::ffff:198.51.100.9", "::ffff:c633:6409"]
    assert [(await sign_in(auth, peer="10.0.0.5", xff=s)).status for s in spellings] == [401, 401, 401]
    assert (await sign_in(auth, peer="10.0.0.5", xff="198.51.100.9")).status == 429
    auth = limited()
    v6 = ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:0db8:0001:0002:0000:0000:0000:0003", "[2001:db8:1:2::4]"]
    assert [(await sign_in(auth, peer="10.0.0.5", xff=s)).status for s in v6] == [401, 401, 401, 429]


async def test_path_spellings_reach_neither_the_handler_nor_a_fresh_rule() -> None:
    """CVE-2025-71399: ``//sign-in/email`` and friends are 404s that never run the handler, and ``disabled_paths``
    cannot be dodged by respelling the path."""
    auth = limited(disabled_paths=["/sign-up/email"])
    for path in ("//sign-in/email", "///sign-in/email", "/sign-in//email", "/sign-in/email/", "/Sign-In/email",
                 "/./sign-in/email", "/sign-in/./email"):
        r = await sign_in(auth, peer="198.51.100.3", path=path)
        assert r.status == 404, path
    statuses = [(await sign_in(auth, peer="198.51.100.3")).status for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    body = json.dumps({"email": "e@example.com", "password": "correct-horse-battery", "name": "E"}).encode()
    for path in ("/sign-up/email", "//sign-up/email", "/sign-up//email", "/sign-up/email/", "/sign-up/./email"):
        request = Request("POST", "/api/auth" + path, Headers.from_pairs(
            [("content-type", "application/json"), ("origin", ORIGIN)]), body=body, client_host="198.51.100.4")
        assert (await auth.handle(request)).status == 404, path
    assert await auth.adapter.count("user") == 0


async def test_plugin_request_handlers_run_after_the_limiter() -> None:
    """Changeset twenty-pears-bake (B7): a limited request never reaches a plugin's ``on_request``."""
    seen: list[str] = []

    async def on_request(request: Request, _: Any) -> None:
        seen.append(request.path)

    auth = limited(plugins=[Plugin(id="probe", on_request=on_request)])
    statuses = [(await sign_in(auth, peer="198.51.100.5")).status for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    assert len(seen) == 3


async def test_a_guesser_spread_over_many_addresses_can_be_capped_per_account() -> None:
    """NIST SP 800-63B-4 §3.2.2 (at most 100 failures per account) and ASVS v5.0.0-6.3.1: with
    ``rate_limit.account_sign_in`` a per-address limit no longer bounds only each address. Known and unknown
    accounts are counted alike, so the 429 tells nothing; other accounts are untouched. Off by default."""
    auth = limited()
    statuses = [(await sign_in(auth, peer="10.0.0.5", xff=f"198.51.100.{n}")).status for n in range(8)]
    assert statuses == [401] * 8  # the default: Better Auth's per-address limits only
    auth = limited(rate_limit={"account_sign_in": {"window": 3600, "max": 5}})
    for email in ("alice@example.com", "nobody@example.com"):
        statuses = [(await sign_in(auth, peer="10.0.0.5", xff=f"198.51.100.{n}", email=email)).status
                    for n in range(7)]
        assert statuses == [401] * 5 + [429] * 2, email
    r = await sign_in(auth, peer="10.0.0.5", xff="198.51.100.99", email="ALICE@example.com")
    assert r.status == 429 and r.header("x-retry-after") is not None  # the account, however it is spelled
    assert (await sign_in(auth, peer="10.0.0.5", xff="198.51.100.99", email="bob@example.com")).status == 401
