"""Answers first: a signed stream call's `op:result` leaves before the messages its transaction
caused, on that connection, as Mt. Gox queued an order and answered before the engine ran it;
the owner's `user_order` statuses follow the reference's progression."""

from __future__ import annotations

import time
import uuid

from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api
from .streams import Raw, packed_call


def _subscribed(raw: Raw, n: int) -> None:
    for _ in range(n):
        assert raw.recv()["op"] == "subscribe"


def test_an_order_that_fills_at_once_is_answered_before_its_first_fill(
    sandbox: Sandbox, traders: tuple[Api, Api]
) -> None:
    seller, buyer = traders
    assert buyer.key and buyer.secret
    seller.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 50_000_000, "price_int": 10_000_000})
    raw = Raw(sandbox)  # trade.BTC, ticker.BTCUSD, depth.BTCUSD
    _subscribed(raw, 3)
    raw.send({"op": "mtgox.subscribe", "key": buyer.ok(2, "money/idkey")})
    _subscribed(raw, 1)
    nonce = time.time_ns() // 1000
    params = {"type": "bid", "amount_int": 50_000_000, "price_int": 10_000_000}
    raw.send(packed_call(buyer.key, buyer.secret, "order/add", params, "buy", nonce=nonce))
    answer = raw.recv()
    assert answer["op"] == "result" and answer["id"] == "buy", answer
    oid = answer["result"]
    assert uuid.UUID(oid)
    # Then everything the order caused, the first fill message among them, in commit order.
    rest = [raw.recv() for _ in range(10)]
    kinds = [m["private"] for m in rest]
    assert kinds == [
        "user_order",  # pending
        "user_order",  # executing
        "wallet",
        "wallet",
        "wallet",
        "trade",  # public
        "trade",  # own copy
        "depth",  # the zero-delta depth of the consumed level
        "user_order",  # completed_active
        "ticker",
    ], kinds
    orders = [m["user_order"] for m in rest if m["private"] == "user_order"]
    assert [o.get("status", o.get("reason")) for o in orders] == ["pending", "executing", "completed_active"]
    assert {o["oid"] for o in orders} == {oid}
    raw.close()


def test_a_resting_order_goes_pending_executing_post_pending_open(sandbox: Sandbox, traders: tuple[Api, Api]) -> None:
    trader, _ = traders
    assert trader.key and trader.secret
    raw = Raw(sandbox, query="Channel=depth.BTCUSD")
    _subscribed(raw, 1)
    raw.send({"op": "mtgox.subscribe", "key": trader.ok(2, "money/idkey")})
    _subscribed(raw, 1)
    params = {"type": "bid", "amount_int": 10_000_000, "price_int": 5_000_000}
    raw.send(packed_call(trader.key, trader.secret, "order/add", params, "rest", nonce=time.time_ns() // 1000))
    assert raw.recv()["op"] == "result"
    seen = [raw.recv() for _ in range(5)]
    statuses = [m["user_order"]["status"] for m in seen if m["private"] == "user_order"]
    assert statuses == ["pending", "executing", "post-pending", "open"]
    assert [m["private"] for m in seen].index("depth") == 2  # the book shows it before it is open
    raw.close()


def test_messages_of_other_transactions_wait_behind_a_call_but_none_are_lost(
    sandbox: Sandbox, traders: tuple[Api, Api]
) -> None:
    trader, other = traders
    assert trader.key and trader.secret
    raw = Raw(sandbox, query="Channel=depth.BTCUSD")
    _subscribed(raw, 1)
    nonce = time.time_ns() // 1000
    for i in range(20):
        params = {"type": "bid", "amount_int": 10_000_000, "price_int": 1_000_000 + i}
        raw.send(packed_call(trader.key, trader.secret, "order/add", params, f"c{i}", nonce=nonce + i))
        other.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 10_000_000, "price_int": 2_000_000 + i})
    results: list[str] = []
    depths: dict[str, int] = {}
    while len(results) < 20 or sum(depths.values()) < 40:
        message = raw.recv()
        if message["op"] == "result":
            results.append(message["id"])
        else:
            price = message["depth"]["price_int"]
            depths[price] = depths.get(price, 0) + 1
    assert results == [f"c{i}" for i in range(20)]
    assert len(depths) == 40 and set(depths.values()) == {1}
    raw.close()
