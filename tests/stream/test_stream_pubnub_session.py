"""The PubNub session without I/O: what it polls, how it reads answers (order by stamp, the
account channel decrypted, a timetoken reset taken as a reconnection), and what it refuses."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import mtgox
from mtgox import _endpoints as ep
from mtgox import stream as generated
from mtgox._catalogue import CATALOGUE
from mtgox_runtime.stream import PubNubSession, Reconnected, StreamSettings, StreamSpec
from mtgox_runtime.stream._pubnub import MAX_ANSWER_BYTES, Body, decrypt

SPEC = StreamSpec(
    generated.STREAM,
    parse=generated.parse_object,
    depth_endpoint=ep.V2_DEPTH_FULL,
    pubnub_private_endpoint=ep.V2_STREAM_PRIVATE_GET,
)
ID = {c.name: c.id for c in generated.STREAM.channels}
ACCESS = {"channel": "3e573970-2e25-4968-b7bb-68af0fcb0017", "auth": "a" * 32, "cipher": "c1pher"}


def session(**settings: Any) -> PubNubSession:
    return PubNubSession(
        SPEC,
        StreamSettings(transport="pubnub", **settings),
        base_url="http://127.0.0.1:8080/api",
        currencies=CATALOGUE.currencies,
        pairs=CATALOGUE.pairs,
    )


def encrypt(cipher: str, obj: object) -> str:
    key = hashlib.sha256(cipher.encode()).hexdigest()[:32].encode()
    padder = padding.PKCS7(128).padder()
    data = padder.update(json.dumps(obj).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(b"0123456789012345")).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def depth(price: int, total: int, stamp: int) -> dict[str, Any]:
    return {
        "channel": ID["depth.BTCUSD"],
        "channel_name": "depth.BTCUSD",
        "op": "private",
        "origin": "broadcast",
        "private": "depth",
        "stamp": stamp,
        "depth": {
            "price": "1",
            "type": 2,
            "type_str": "bid",
            "volume": "1",
            "price_int": str(price),
            "volume_int": "100000000",
            "item": "BTC",
            "currency": "USD",
            "now": str(stamp),
            "total_volume_int": str(total),
        },
    }


def test_it_polls_the_websocket_defaults_then_what_is_subscribed_then_the_account_channel() -> None:
    s = session()
    s.opened(0.0)
    poll = s.next_poll()
    assert poll is not None and not poll.confirm
    assert poll.channels == (ID["trade.BTC"], ID["ticker.BTCUSD"], ID["depth.BTCUSD"])
    assert poll.url.startswith(f"http://127.0.0.1:8080/subscribe/{generated.STREAM.pubnub_subscribe_key}/")
    assert poll.url.split("?")[0].endswith("/0/0") and "auth=" not in poll.url
    s.polled(poll, b'[[],"17000000000000000"]', 0.1)
    s.subscribe(0.2, channel="trade.lag")
    s.want_private(0.2)
    s.set_private(ACCESS, 0.3)
    confirm = s.next_poll()
    assert confirm is not None and confirm.confirm  # the new ones alone, from timetoken 0
    assert confirm.channels == (ID["trade.lag"], ACCESS["channel"]) and f"auth={ACCESS['auth']}" in confirm.url
    act = s.polled(confirm, b'[[],"17000000000000999"]', 0.4)
    assert act.private_live and s.private_live and s.timetoken == "17000000000000000"
    combined = s.next_poll()
    assert combined is not None and not combined.confirm and len(combined.channels) == 5
    assert combined.url.split("?")[0].endswith("/0/17000000000000000")
    s.unsubscribe(0.5, kind="ticker")
    assert ID["ticker.BTCUSD"] not in s.channel_ids()


def test_answers_are_read_in_stamp_order_and_the_account_channel_decrypted() -> None:
    s = session()
    s.opened(0.0)
    s.want_private(0.0)
    s.set_private(ACCESS, 0.0)
    poll = s.next_poll()
    assert poll is not None
    s.polled(poll, b'[[],"1"]', 0.0)
    own = {"channel": ACCESS["channel"], "op": "private", "private": "user_order", "stamp": 5}
    own["user_order"] = {"oid": "b1a5", "reason": "requested"}
    answer = [[depth(100, 10**8, 7), encrypt(ACCESS["cipher"], own), depth(101, 10**8, 6)], "2", "x,y,z"]
    s.polled(poll, json.dumps(answer).encode(), 1.0)
    got = list(s.events)
    assert isinstance(got[0], generated.UserOrderRemoved) and got[0].user_order.oid == "b1a5"
    assert [m.depth.price_int for m in got[1:] if isinstance(m, generated.Depth)] == [101, 100]
    assert s.timetoken == "2"
    # something that does not decrypt is dropped (and logged), the rest still delivered
    s.polled(poll, json.dumps([["bm90IGFlcw==", depth(102, 1, 8)], "3"]).encode(), 2.0)
    assert len(s.events) == 4


def test_an_early_empty_answer_is_a_timetoken_reset_and_books_resync() -> None:
    s = session()
    s.opened(0.0)
    book, _ = s.add_book("BTCUSD", 0.0)
    poll = s.next_poll()
    assert poll is not None
    s.polled(poll, b'[[],"1"]', 0.0)
    book.load_snapshot({"asks": [], "bids": []})
    assert book.synced
    later = s.next_poll()
    assert later is not None
    act = s.polled(later, b'[[],"9"]', later.started + 1.0)  # long before the 300 s idle answer
    assert act.snapshots == ["BTCUSD"]
    assert not s.books["BTCUSD"].synced
    assert isinstance(s.events[-1], Reconnected)
    quiet = s.next_poll()
    assert quiet is not None
    s.polled(quiet, b'[[],"10"]', quiet.started + 301.0)  # the idle answer: nothing was lost
    assert len(s.events) == 1 and s.timetoken == "10"


def test_what_it_refuses() -> None:
    s = session()
    poll = s.next_poll()
    assert poll is not None
    for body in (b"{}", b"[[], 5]", b"[1]", b"not json"):
        with pytest.raises(ValueError, match=r"PubNub|Expecting|JSON"):
            s.polled(poll, body, 0.0)
    with pytest.raises(mtgox.ConfigurationError, match="PubNub carries no calls"):
        s.begin_call("order/add", {}, 0.0)
    no_pubnub = StreamSpec(dataclasses.replace(generated.STREAM, pubnub_subscribe_key=None))
    with pytest.raises(mtgox.ConfigurationError, match="no PubNub transport"):
        PubNubSession(no_pubnub, StreamSettings(transport="pubnub"), base_url="http://127.0.0.1:1/api")
    with pytest.raises(ValueError, match="AES blocks"):
        decrypt("c", "QUJD")  # not whole AES blocks
    collected = Body()
    collected.add(b"x" * MAX_ANSWER_BYTES)
    with pytest.raises(ValueError, match="more than"):
        collected.add(b"x")
