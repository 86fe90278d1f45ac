"""The client's IP address, believing forwarding headers only as far as configured.

Without ``trusted_proxies`` a forwarding header is believed only when it holds exactly one address (a
single trusted proxy that overwrites it) and, for the default ``X-Forwarded-For``, only from a peer on a
loopback or private address (a client connecting from a public address speaks for itself); a multi-hop chain
is not trusted, so a client cannot pick its own
rate-limit bucket by prepending addresses. With ``trusted_proxies`` the chain is walked right to left,
skipping trusted hops. IPv6 addresses are masked to ``ipv6_subnet`` and IPv4-mapped IPv6 folds to IPv4.
"""

from __future__ import annotations

import ipaddress
from functools import cached_property

from ..config import IPAddressConfig
from ..http import Request

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_DEFAULT_HEADERS = tuple(IPAddressConfig().ip_address_headers)


def normalise_ip(value: str, ipv6_subnet: int = 64) -> str | None:
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1 and "." in value:
        value = value.split(":", 1)[0]  # "1.2.3.4:5678"
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        network = ipaddress.IPv6Network(f"{ip}/{ipv6_subnet}", strict=False)
        return str(network.network_address) if ipv6_subnet < 128 else str(ip)
    return str(ip)


class ClientIP:
    def __init__(self, config: IPAddressConfig, *, production: bool) -> None:
        self.config = config
        self.production = production

    @cached_property
    def _trusted(self) -> tuple[IPNetwork, ...]:
        return tuple(ipaddress.ip_network(p, strict=False) for p in self.config.trusted_proxies)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self._trusted)

    def _peer_speaks_for_itself(self, request: Request) -> bool:
        """Without ``trusted_proxies``, is the default ``X-Forwarded-For`` the connecting client's own words?

        A reverse proxy that overwrites the header reaches the server from loopback or a private network; a
        peer on a public address is the client itself (or an unnamed proxy), and believing its header would let
        it pick a fresh rate-limit bucket per request by rotating ``X-Forwarded-For: 1.2.3.<n>`` (Better Auth's
        ``trusted-forwarded-ip-chains``, ASVS v5.0.0-4.1.3 / 15.3.4). Its own address is used instead — also
        when it sends no header, rather than the bucket shared by every client whose address is unknown, which
        one client could exhaust for all (ASVS v5.0.0-6.1.1). A header the deployment configured explicitly
        (``x-real-ip``, ``cf-connecting-ip``) is believed as configured.
        """
        if tuple(h.lower() for h in self.config.ip_address_headers) != _DEFAULT_HEADERS:
            return False
        peer = request.client_host
        if peer is None:
            return False
        try:
            ip = ipaddress.ip_address(peer)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return ip.is_global

    def of(self, request: Request) -> str | None:
        if self.config.disable_ip_tracking:
            return None
        if not self._trusted and self._peer_speaks_for_itself(request):
            return normalise_ip(request.client_host or "", self.config.ipv6_subnet)
        for header in self.config.ip_address_headers:
            raw = request.headers.get(header.lower())
            if not raw:
                continue
            hops = [h.strip() for h in raw.split(",") if h.strip()]
            if not hops:
                continue
            if not self._trusted:
                if len(hops) == 1 and (ip := normalise_ip(hops[0], self.config.ipv6_subnet)):
                    return ip
                continue
            peer = request.client_host
            if peer is not None and not self._is_trusted(peer):
                # the request did not come through a trusted proxy: its headers are the client's own words
                return normalise_ip(peer, self.config.ipv6_subnet)
            for hop in reversed(hops):
                ip = normalise_ip(hop, self.config.ipv6_subnet)
                if ip is None:
                    break
                if not self._is_trusted(ip):
                    return ip
        if self._trusted and request.client_host:
            return normalise_ip(request.client_host, self.config.ipv6_subnet)
        if not self.production:
            return "127.0.0.1"
        return None
