"""Everything the sandbox streams reads as its typed class with the SDK's generated parser
(`mtgox.stream.parse_message`, from the catalogue): no message of the sandbox is `Unknown`,
none carries fields the catalogue does not describe, and amounts are exact."""

from __future__ import annotations

import json
from decimal import Decimal

from mtgox import stream
from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api
from .streams import Raw, packed_call


def test_every_kind_of_sandbox_message_parses_into_its_typed_class(sandbox: Sandbox, traders: tuple[Api, Api]) -> None:
    seller, buyer = traders
    assert buyer.key and buyer.secret
    raw = Raw(sandbox, query="Currency=USD")
    raw.send({"op": "mtgox.subscribe", "type": "lag"})
    raw.send({"op": "mtgox.subscribe", "key": buyer.ok(2, "money/idkey")})
    seller.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 123_456_789, "price_int": 12_345_678})
    buyer.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 100_000_000, "price_int": 12_345_678})
    raw.send({"op": "unsubscribe", "type": "lag"})
    raw.send("not json")
    raw.send(packed_call(buyer.key, buyer.secret, "private/orders", {}, "orders", nonce=buyer.nonce()))
    raw.until(lambda m: m.get("op") == "result")
    texts = [json.dumps(m) for m in raw.seen]
    parsed = [stream.parse_message(t) for t in texts]
    kinds = {type(p).__name__ for p in parsed}
    unknown = [p for p in parsed if isinstance(p, stream.Unknown)]
    assert unknown == []
    wanted = {"Subscribed", "Unsubscribed", "Depth", "Trade", "Ticker", "Lag", "UserOrder", "UserOrderRemoved"}
    assert wanted | {"Wallet", "Remark", "Result"} <= kinds
    assert all(not p.extra for p in parsed if isinstance(p, stream.ChannelMessage))
    trade = next(p for p in parsed if isinstance(p, stream.Trade))
    assert trade.trade.amount == Decimal("1") and trade.trade.price == Decimal("123.45678")
    raw.close()
