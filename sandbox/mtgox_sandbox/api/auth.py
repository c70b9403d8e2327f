"""Mt. Gox authentication, verified exactly as the exchange did.

For a private endpoint, in this order (the first failure answers 403 with its token):

1. `Rest-Key` present (`login_error_missing_rest_key`) and a known key (`login_error_invalid_rest_key`);
2. `Rest-Sign`, with every white-space character removed (a Perl client wrapped it at 76
   characters), base64-decodes to HMAC-SHA512(secret bytes, message)
   (`login_error_invalid_rest_sign`), compared in constant time against the **raw** body bytes
   as received, never a re-encoding. The message is the body for v0 and v1 (auth style
   `body`), and `path + NUL + body` for v2 (`path_nul_body`), where path is everything after
   `/api/2/` exactly as sent (its case included);
3. the body's `tonce` (when present) lies within +-tonce_window_seconds of the exchange's clock
   and was not used before by this key (`login_error_invalid_tonce`); otherwise its `nonce` is
   an integer larger than every nonce this key used before (`login_error_invalid_nonce`).
   Nonces live in SQLite, so a restart keeps them; used tonces are kept in SQLite too, for
   the window only (older ones are pruned, as the window alone refuses them);
4. the key holds one of the endpoint's `rights` (`permission_denied`, also 403).

The nonce is consumed by any request that passes steps 1-3, even one that then fails (a
refused order cannot be replayed).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import sqlite3
from dataclasses import dataclass

from ..core.db import Tx
from .errors import auth_error, permission_denied

MAX_NONCE = 2**63 - 1
_PRUNE_EVERY_US = 1_000_000


@dataclass(frozen=True)
class KeyInfo:
    key: str
    account_id: int
    secret: bytes
    rights: frozenset[str]


def signature_ok(secret: bytes, message: bytes, rest_sign: str) -> bool:
    compact = "".join(rest_sign.split())
    try:
        given = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, hmac.digest(secret, message, "sha512"))


def sign(secret_b64: str, message: bytes) -> str:
    """The Rest-Sign a client sends (for tests, the fixture and the market maker)."""
    return base64.b64encode(hmac.new(base64.b64decode(secret_b64), message, hashlib.sha512).digest()).decode()


def _integer(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    if not text.isdigit() or not text.isascii() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= MAX_NONCE else None


class Authenticator:
    def __init__(self, tonce_window_seconds: int) -> None:
        self.window_us = tonce_window_seconds * 1_000_000
        self._keys: dict[str, KeyInfo] = {}
        self._last_prune = 0

    def lookup(self, tx: Tx, key: str) -> KeyInfo | None:
        info = self._keys.get(key)
        if info is not None:
            return info
        row = tx.one("SELECT account_id, secret, rights FROM api_keys WHERE key = ?", (key,))
        if row is None:
            return None
        rights = frozenset(r for r in str(row[2]).split(",") if r)
        info = KeyInfo(key, int(row[0]), bytes(row[1]), rights)
        self._keys[key] = info
        return info

    def authenticate(
        self, tx: Tx, rest_key: str | None, rest_sign: str | None, message: bytes, fields: dict[str, str]
    ) -> KeyInfo:
        """Steps 1-3; raises the 403 SandboxError of the first failure."""
        key = (rest_key or "").strip()
        if not key:
            raise auth_error("login_error_missing_rest_key")
        info = self.lookup(tx, key)
        if info is None:
            raise auth_error("login_error_invalid_rest_key")
        if not rest_sign or not signature_ok(info.secret, message, rest_sign):
            raise auth_error("login_error_invalid_rest_sign")
        if "tonce" in fields:
            self._tonce(tx, info, _integer(fields["tonce"]))
        else:
            self._nonce(tx, info, _integer(fields.get("nonce")))
        return info

    def _nonce(self, tx: Tx, info: KeyInfo, nonce: int | None) -> None:
        if nonce is None:
            raise auth_error("login_error_invalid_nonce")
        cur = tx.execute(
            "UPDATE api_keys SET last_nonce = ? WHERE key = ? AND last_nonce < ?", (nonce, info.key, nonce)
        )
        if cur.rowcount != 1:
            raise auth_error("login_error_invalid_nonce")

    def _tonce(self, tx: Tx, info: KeyInfo, tonce: int | None) -> None:
        now_us = tx.now_us
        if tonce is None or abs(tonce - now_us) > self.window_us:
            raise auth_error("login_error_invalid_tonce")
        if now_us - self._last_prune > _PRUNE_EVERY_US:
            tx.execute("DELETE FROM used_tonces WHERE tonce < ?", (now_us - self.window_us,))
            self._last_prune = now_us
        try:
            tx.execute("INSERT INTO used_tonces (key, tonce) VALUES (?, ?)", (info.key, tonce))
        except sqlite3.IntegrityError:
            raise auth_error("login_error_invalid_tonce") from None

    @staticmethod
    def check_rights(info: KeyInfo, rights: tuple[str, ...]) -> None:
        if rights and not info.rights.intersection(rights):
            raise permission_denied(rights)
