"""Which hosts are this machine: the sandbox listens on, and operates for, loopback only by default."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .types import Scope, header


def where(client: tuple[str, int] | list[object] | None) -> str:
    """A connection's peer as the access log shows it: `HOST:PORT`, or `-` when unknown."""
    return f"{client[0]}:{client[1]}" if client else "-"


def is_loopback_host(host: str) -> bool:
    """`localhost` or a loopback IP address, nothing merely named like one (`evil.localhost`)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hostname(authority: str) -> str:
    """`127.0.0.1:8000` -> `127.0.0.1`, `[::1]:80` -> `::1`, `localhost` -> `localhost`."""
    return urlsplit("//" + authority).hostname or ""


def local_request(scope: Scope) -> bool:
    """A loopback client, asking by a loopback name, from a page of this sandbox or no page at all:
    who may see accounts and operate the exchange (the dashboard's operator panel, `/_sandbox/`).
    The Host check stops DNS rebinding; the Origin check, a page elsewhere using a local browser."""
    client = scope.get("client")
    if not client or not is_loopback_host(str(client[0])):
        return False
    host = header(scope, b"host")
    if host is not None and not is_loopback_host(_hostname(host)):
        return False
    origin = header(scope, b"origin")
    return origin is None or (host is not None and urlsplit(origin).netloc == host)


def peer_of(host: str | None) -> str:
    """Who a connection counts against in per-peer limits: its IPv4 address (an IPv4-mapped IPv6
    one too), or its IPv6 /64 (a host is usually given a whole /64, so one address each would be
    no limit at all); anything else as it is."""
    if not host:
        return ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
