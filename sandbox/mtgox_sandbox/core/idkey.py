"""The idkey of the private channel: 75 base64 characters without padding (56 bytes), as both
surviving samples are: the account's UUID (16 bytes, its private channel id), the issue time
(8 bytes, big-endian Unix seconds) and a MAC of those 24 bytes (32 bytes, HMAC-SHA256 under a
secret kept in the database, so keys survive a restart). Valid for the catalogue's
`idkey_lifetime_s` (24 h).

The PubNub era's private channel (stream/private_get) is the same account channel, opened by
an `auth` key and encrypted under a `cipher` key: both are MACs of the account's UUID under the
same secret, so they need no storage and survive restarts, and one cannot be made from the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
import uuid

from .db import Tx

_SECRET_ROW = "idkey_secret"  # noqa: S105 (the name of a meta row)


def _secret(tx: Tx, *, create: bool) -> bytes | None:
    value = tx.scalar("SELECT value FROM meta WHERE key = ?", (_SECRET_ROW,))
    if value is None:
        if not create:
            return None
        value = secrets.token_hex(32)
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (_SECRET_ROW, value))
    return bytes.fromhex(str(value))


def issue(tx: Tx, account_uuid: str) -> str:
    secret = _secret(tx, create=True)
    assert secret is not None
    head = uuid.UUID(account_uuid).bytes + struct.pack(">Q", tx.now)
    mac = hmac.new(secret, head, hashlib.sha256).digest()
    return base64.b64encode(head + mac).decode("ascii").rstrip("=")


def verify(tx: Tx, key: str, lifetime_s: int) -> str | None:
    """The private channel (account UUID) an idkey opens, or None (bad, forged or expired)."""
    try:
        raw = base64.b64decode(key + "=" * (-len(key) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    secret = _secret(tx, create=False)
    if len(raw) != 56 or secret is None:
        return None
    head, mac = raw[:24], raw[24:]
    if not hmac.compare_digest(mac, hmac.new(secret, head, hashlib.sha256).digest()):
        return None
    (issued,) = struct.unpack(">Q", head[16:])
    if not 0 <= tx.now - issued <= lifetime_s:
        return None
    return str(uuid.UUID(bytes=head[:16]))


def _tagged(secret: bytes, tag: bytes, account_uuid: str) -> str:
    return hmac.new(secret, tag + uuid.UUID(account_uuid).bytes, hashlib.sha256).hexdigest()[:32]


def pubnub_keys(tx: Tx, account_uuid: str) -> tuple[str, str]:
    """The (auth, cipher) keys of an account's PubNub channel: 32 hex digits each."""
    secret = _secret(tx, create=True)
    assert secret is not None
    return _tagged(secret, b"pubnub-auth:", account_uuid), _tagged(secret, b"pubnub-cipher:", account_uuid)


def pubnub_cipher(tx: Tx, channel: str, auth: str) -> str | None:
    """The cipher key of the PubNub channel `channel` when `auth` opens it, else None."""
    secret = _secret(tx, create=False)
    try:
        account_uuid = str(uuid.UUID(channel))
    except ValueError:
        return None
    if secret is None or not hmac.compare_digest(_tagged(secret, b"pubnub-auth:", account_uuid), auth):
        return None
    return _tagged(secret, b"pubnub-cipher:", account_uuid)
