"""Where a request comes from: the client's address, behind the reverse proxies Pacte is told
of, and whether it is on the internal network (PACTE_INTERNAL_NETWORKS)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

DEFAULT_INTERNAL_NETWORKS = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"


def _from_proxy(request: HttpRequest) -> bool:
    """Does the connection come from a proxy whose X-Forwarded-For is believed
    (PACTE_PROXY_IPS, `*` for any)?"""
    spec = str(getattr(settings, "PACTE_PROXY_IPS", "127.0.0.1") or "127.0.0.1").strip()
    if spec == "*":
        return True
    try:
        address = ipaddress.ip_address(str(request.META.get("REMOTE_ADDR", "")).split("%")[0])
        networks = _networks(spec)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The client's address: the connection's, or — behind PACTE_PROXY_COUNT reverse proxies
    that each append to X-Forwarded-For, reached from one of PACTE_PROXY_IPS — the one the
    farthest trusted proxy saw. A client that reaches Pacte directly is its own address,
    whatever X-Forwarded-For it sends."""
    count = int(getattr(settings, "PACTE_PROXY_COUNT", 0))
    if count > 0 and _from_proxy(request):
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a
        ]
        if len(forwarded) >= count:
            return str(forwarded[-count])[:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


@lru_cache(maxsize=8)
def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    )


def internal_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """PACTE_INTERNAL_NETWORKS: addresses or networks, separated by commas (by default the
    loopback and the private ranges)."""
    spec = str(getattr(settings, "PACTE_INTERNAL_NETWORKS", "") or DEFAULT_INTERNAL_NETWORKS)
    return _networks(spec)


def is_internal(request: HttpRequest) -> bool:
    """Does the request come from the internal network? An address that cannot be read does
    not."""
    try:
        address = ipaddress.ip_address(client_address(request).split("%")[0])
    except ValueError:
        return False
    return any(address in network for network in internal_networks())
