"""The PubNub clients of Mt. Gox's last months against the sandbox's PubNub: npm `pubnub@3.5.48`
(the client cointhink's mtgox-orderbook used) and PyPI `pubnub==3.5.0` (the oldest 3.x that
runs on Python 3), installed by these tests into `.cache/interop` from the registries. Both
follow the public channels by their ids; the npm client's own `PUBNUB.secure` decrypts the
account channel (PubNub's legacy AES); the Python one opens it with its `auth_key`."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api
from .clients import Child, pubnub_node_client, pubnub_python_client
from .test_stream_pubnub import ID, PUBLIC, SUB

Message = dict[str, Any]


def message_of(kind: str) -> Any:
    def test(line: Message) -> bool:
        message = line.get("message")
        return line.get("kind") == "message" and isinstance(message, dict) and message.get("private") == kind

    return test


def connected(child: Child, n: int) -> None:
    for _ in range(n):
        child.until(lambda line: line.get("kind") in ("connect", "error"))


def test_npm_pubnub_follows_the_public_ids_and_decrypts_the_account_channel(
    sandbox: Sandbox, traders: tuple[Api, Api]
) -> None:
    trader, _ = traders
    access = trader.ok(2, "stream/private_get")
    public = pubnub_node_client(sandbox.port, SUB, PUBLIC)
    private = pubnub_node_client(sandbox.port, SUB, access["channel"], access["auth"], access["cipher"])
    try:
        connected(public, 3)
        assert private.until(lambda line: line.get("kind") in ("connect", "error"))["kind"] == "connect"
        oid = trader.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 10**8, "price_int": 10_000_000})
        depth = public.until(message_of("depth"))
        assert depth["channel"] == ID["depth.BTCUSD"]
        assert depth["message"]["depth"]["total_volume_int"] == "100000000"
        assert isinstance(depth["message"]["stamp"], int)
        assert public.until(message_of("ticker"))["message"]["ticker"]["sell"]["value_int"] == "10000000"
        statuses = [private.until(message_of("user_order"))["message"]["user_order"]["status"] for _ in range(4)]
        assert statuses == ["pending", "executing", "post-pending", "open"]
        trader.ok(2, "money/order/cancel", {"oid": oid})
        gone = private.until(message_of("user_order"))["message"]["user_order"]
        assert gone == {"oid": oid, "reason": "requested"}
    finally:
        public.close()
        private.close()


def test_npm_pubnub_with_a_wrong_auth_gets_nothing_of_the_account(sandbox: Sandbox, traders: tuple[Api, Api]) -> None:
    trader, _ = traders
    access = trader.ok(2, "stream/private_get")
    child = pubnub_node_client(sandbox.port, SUB, access["channel"], "0" * 32, access["cipher"])
    try:
        error = child.until(lambda line: line.get("kind") in ("connect", "error", "message"))
        assert error["kind"] == "error", error
        assert "Forbidden" in json.dumps(error)
    finally:
        child.close()


def _decrypt(cipher: str, text: str) -> Any:
    key = hashlib.sha256(cipher.encode()).hexdigest()[:32].encode()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(b"0123456789012345")).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plain = unpadder.update(decryptor.update(base64.b64decode(text)) + decryptor.finalize()) + unpadder.finalize()
    return json.loads(plain)


def test_pypi_pubnub_follows_the_public_ids_and_opens_the_account_channel_with_its_auth(
    sandbox: Sandbox, traders: tuple[Api, Api]
) -> None:
    trader, _ = traders
    access = trader.ok(2, "stream/private_get")
    origin = f"{sandbox.host}:{sandbox.port}"
    public = pubnub_python_client(origin, SUB, PUBLIC)
    private = pubnub_python_client(origin, SUB, access["channel"], access["auth"])
    try:
        connected(public, 3)
        connected(private, 1)
        trader.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 10**7, "price_int": 5_000_000})
        depth = public.until(message_of("depth"))["message"]
        assert depth["channel"] == ID["depth.BTCUSD"] and depth["depth"]["price_int"] == "5000000"
        assert isinstance(depth["stamp"], int)
        # its own AES needs PyCrypto's str keys; the ciphertext it received is PubNub's legacy AES
        line = private.until(lambda line: line.get("kind") == "message")
        assert _decrypt(access["cipher"], line["message"])["user_order"]["status"] == "pending"
    finally:
        public.close()
        private.close()
