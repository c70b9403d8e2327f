"""Bitcoin addresses for deposits: real-looking base58check pay-to-pubkey-hash addresses."""

from __future__ import annotations

import hashlib
import secrets

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def new_address() -> str:
    """A random base58check pay-to-pubkey-hash address (starts with 1)."""
    payload = b"\x00" + secrets.token_bytes(20)
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(raw, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    leading = len(raw) - len(raw.lstrip(b"\x00"))
    return "1" * leading + out
