"""The Signer: one API key's nonces, ordering lock and signatures, for HTTP and packed calls.

Expected signatures are computed here with `hmac` directly, from the documented messages
(form body for v0/v1, `path + NUL + body` for v2), not with the SDK's own signing code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

from mtgox_runtime import MemoryNonceStore, pack_call, unpack_call
from mtgox_runtime._auth import Credentials
from mtgox_runtime._nonce import KeyOrderingLock
from mtgox_runtime._signer import Signer
from tests.runtime.support import KEY, SECRET, SECRET_BYTES


def _b64_hmac(message: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET_BYTES, message, hashlib.sha512).digest()).decode()


def test_body_hmac_signs_the_form_with_the_next_nonce() -> None:
    signer = Signer(Credentials(KEY, SECRET), MemoryNonceStore(), use_tonce=False)
    body, signature = signer.sign_form("body_hmac", b"", signer.form_prefix("type=bid&amount_int=1"))
    prefix, nonce = body.decode().rsplit("=", 1)
    assert prefix == "type=bid&amount_int=1&nonce" and int(nonce) > 0
    assert signature == _b64_hmac(body)
    later, _ = signer.sign_form("body_hmac", b"", signer.form_prefix(""))
    assert later.startswith(b"nonce=") and int(later.decode()[6:]) > int(nonce)


def test_path_body_hmac_covers_the_path() -> None:
    signer = Signer(Credentials(KEY, SECRET), MemoryNonceStore(), use_tonce=False)
    body, signature = signer.sign_form("path_body_hmac", b"BTCUSD/money/order/add", signer.form_prefix("type=ask"))
    assert signature == _b64_hmac(b"BTCUSD/money/order/add\0" + body)
    assert signature != _b64_hmac(body)


def test_tonces_need_no_ordering_lock() -> None:
    with_nonce = Signer(Credentials(KEY, SECRET), MemoryNonceStore(), use_tonce=False)
    with_tonce = Signer(Credentials(KEY, SECRET), MemoryNonceStore(), use_tonce=True)
    assert isinstance(with_nonce.ordering_lock, KeyOrderingLock) and with_nonce.ordering_lock.key == KEY
    assert with_tonce.ordering_lock is None
    body, _ = with_tonce.sign_form("body_hmac", b"", with_tonce.form_prefix("a=1"))
    assert body.startswith(b"a=1&tonce=")


def test_sign_packed_is_the_streaming_call_format() -> None:
    signer = Signer(Credentials(KEY, SECRET), MemoryNonceStore(), use_tonce=False)
    call_json = b'{"call":"private/info","params":{},"item":"BTC","currency":"USD","id":"1","nonce":7}'
    packed = signer.sign_packed(call_json)
    raw = base64.b64decode(packed)
    assert raw[:16] == uuid.UUID(KEY).bytes
    assert raw[16:80] == hmac.new(SECRET_BYTES, call_json, hashlib.sha512).digest()
    assert raw[80:] == call_json
    assert packed == pack_call(KEY, SECRET, call_json)  # the key-and-secret form builds the same bytes
    assert unpack_call(packed) == (KEY, raw[16:80], call_json)
