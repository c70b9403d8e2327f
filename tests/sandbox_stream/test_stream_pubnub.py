"""PubNub as Mt. Gox used it, served by the sandbox on its own port: the subscribe long-poll on
the public channels by their Mt. Gox ids (messages with a top-level `stamp`), the account's
channel from `stream/private_get` (its `auth` needed, its messages PubNub's legacy AES), PubNub's
answers and refusals, and the bounds of what a poller can make the sandbox hold."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mtgox_sandbox.core.catalogue import default_catalogue_path, load
from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.stream.pubnub import encrypt

from ..sandbox.sandbox_helpers import Api

_STREAM = load(default_catalogue_path()).stream
assert _STREAM is not None and _STREAM.transports.pubnub is not None
SUB = _STREAM.transports.pubnub.subscribe_key
ID = {c.name: c.id for c in _STREAM.channels}
PUBLIC = ",".join(ID[n] for n in ("depth.BTCUSD", "ticker.BTCUSD", "trade.BTC"))


def decrypt(cipher: str, text: str) -> Any:
    """PubNub's legacy AES, written from its description (not the sandbox's code)."""
    key = hashlib.sha256(cipher.encode()).hexdigest()[:32].encode()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(b"0123456789012345")).decryptor()
    padded = decryptor.update(base64.b64decode(text)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return json.loads(unpadder.update(padded) + unpadder.finalize())


def poll(sandbox: Sandbox, channels: str, token: str, **query: str) -> httpx.Response:
    url = f"{sandbox.url}/subscribe/{SUB}/{channels}/0/{token}"
    return httpx.get(url, params=query, timeout=30, headers={"Accept-Encoding": "identity"})


def background(sandbox: Sandbox, channels: str, token: str, **query: str) -> Future[httpx.Response]:
    pool = ThreadPoolExecutor(1)
    future = pool.submit(poll, sandbox, channels, token, **query)
    pool.shutdown(wait=False)
    return future


def test_a_long_poll_on_the_public_ids_delivers_a_new_orders_depth_with_its_stamp(
    sandbox: Sandbox, traders: tuple[Api, Api]
) -> None:
    trader, _ = traders
    first = poll(sandbox, PUBLIC, "0")
    assert first.status_code == 200
    messages, token = first.json()[:2]
    assert messages == [] and len(token) == 17
    waiting = background(sandbox, PUBLIC, token)
    trader.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 10**8, "price_int": 10_000_000})
    answer = waiting.result(timeout=30)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/javascript")
    messages, next_token, names = answer.json()
    assert int(next_token) > int(token)
    depth = next(m for m in messages if m["private"] == "depth")
    assert depth["channel"] == ID["depth.BTCUSD"] and depth["depth"]["total_volume_int"] == "100000000"
    assert isinstance(depth["stamp"], int) and abs(depth["stamp"] - int(depth["depth"]["now"])) < 10_000_000
    assert names.split(",") == [m["channel"] for m in messages]  # the third element names each one's channel
    stamps = [m["stamp"] for m in messages]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    # the next poll from the last timetoken gets only what came after it
    waiting = background(sandbox, PUBLIC, next_token)
    trader.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 10**8, "price_int": 10_100_000})
    later = waiting.result(timeout=30).json()[0]
    assert [m["depth"]["price_int"] for m in later if m["private"] == "depth"] == ["10100000"]


def test_private_get_and_the_private_long_poll_deliver_aes_user_orders(
    sandbox: Sandbox, traders: tuple[Api, Api]
) -> None:
    trader, _ = traders
    access = trader.ok(2, "stream/private_get")
    assert set(access) == {"sub", "channel", "auth", "cipher"} and access["sub"] == SUB
    assert access["channel"] == trader.ok(2, "money/info")["Id"]
    assert trader.ok(2, "stream/private_get") == access  # the same keys each time
    token = poll(sandbox, access["channel"], "0", auth=access["auth"]).json()[1]
    waiting = background(sandbox, access["channel"], token, auth=access["auth"])
    oid = trader.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 10**7, "price_int": 5_000_000})
    messages, _ = waiting.result(timeout=30).json()
    assert all(isinstance(m, str) for m in messages)  # base64 text, not JSON objects
    plain = [decrypt(access["cipher"], m) for m in messages]
    assert [m["user_order"]["status"] for m in plain] == ["pending", "executing", "post-pending", "open"]
    assert {m["user_order"]["oid"] for m in plain} == {oid}
    assert all(m["channel"] == access["channel"] and isinstance(m["stamp"], int) for m in plain)
    # the sandbox's cipher agrees with the one written here from PubNub's description
    assert decrypt(access["cipher"], encrypt(access["cipher"], '{"a":"\\u00e9"}')) == {"a": "é"}


def test_the_private_channel_needs_its_auth(sandbox: Sandbox, traders: tuple[Api, Api]) -> None:
    trader, other = traders
    access = trader.ok(2, "stream/private_get")
    for auth in (None, "0" * 32, other.ok(2, "stream/private_get")["auth"]):
        refused = poll(sandbox, access["channel"], "0", **({"auth": auth} if auth else {}))
        assert refused.status_code == 403
        body = refused.json()
        assert body["error"] is True and body["status"] == 403 and body["payload"]["channels"] == [access["channel"]]
    mixed = poll(sandbox, f"{ID['trade.BTC']},{access['channel']}", "0", auth="wrong")
    assert mixed.status_code == 403


def test_refusals_gzip_jsonp_time_and_leave(sandbox: Sandbox) -> None:
    bad_key = httpx.get(f"{sandbox.url}/subscribe/sub-c-nope/{ID['trade.BTC']}/0/0")
    assert bad_key.status_code == 400 and bad_key.json()["message"] == "Invalid Subscribe Key"
    assert poll(sandbox, "not-a-channel", "0").status_code == 400
    assert poll(sandbox, ID["trade.BTC"], "12ab").status_code == 400
    too_many = poll(sandbox, ",".join(f"c{i}" for i in range(70)), "0")
    assert too_many.status_code == 400 and too_many.json()["message"] == "At most 64 channels in one subscribe"
    ids = ",".join(f"{i:08d}-0000-4000-8000-000000000000" for i in range(40))
    assert poll(sandbox, ids, "0").status_code == 414  # the request's own limit comes first
    zipped = httpx.get(f"{sandbox.url}/subscribe/{SUB}/{PUBLIC}/0/0", headers={"Accept-Encoding": "gzip"})
    assert zipped.status_code == 200 and zipped.json()[0] == []  # httpx undoes the gzip
    raw = httpx.get(f"{sandbox.url}/time/0", headers={"Accept-Encoding": "gzip"})
    assert len(raw.json()) == 1 and len(str(raw.json()[0])) == 17
    wrapped = httpx.get(f"{sandbox.url}/subscribe/{SUB}/{ID['trade.BTC']}/cb_1/0").text
    assert wrapped.startswith("cb_1([[],") and wrapped.endswith("])")
    assert httpx.get(f"{sandbox.url}/subscribe/{SUB}/{ID['trade.BTC']}/alert(1);x/0").status_code == 400
    leave = httpx.get(f"{sandbox.url}/v2/presence/sub-key/{SUB}/channel/{ID['trade.BTC']}/leave")
    assert leave.json()["action"] == "leave"
    assert gzip.decompress(gzip.compress(b"x")) == b"x"


def test_a_slow_poller_loses_the_oldest_messages_not_the_server_its_memory(
    sandbox: Sandbox, traders: tuple[Api, Api]
) -> None:
    from mtgox_sandbox.stream import pubnub

    trader, _ = traders
    token = poll(sandbox, ID["depth.BTCUSD"], "0").json()[1]
    for i in range(60):  # depth messages of ~300 bytes: well under the 256 KiB backlog
        trader.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 10**6, "price_int": 1_000_000 + i})
    messages = poll(sandbox, ID["depth.BTCUSD"], token).json()[0]
    assert [m["depth"]["price_int"] for m in messages] == [str(1_000_000 + i) for i in range(60)]
    assert pubnub.BACKLOG_BYTES <= 1 << 20 and pubnub.ANSWER_BYTES <= 1 << 20
