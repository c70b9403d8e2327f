"""Which hosts are this machine: the sandbox listens on, and operates for, loopback only by default."""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    """`localhost` or a loopback IP address, nothing merely named like one (`evil.localhost`)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
