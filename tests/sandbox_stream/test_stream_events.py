"""The sandbox's plain websocket stream, end to end over real sockets, with a raw RFC 6455 client:
default subscriptions, subscribing by kind, name and idkey, what an HTTP order causes, in the
reference's order and shapes, and signed calls verified as HTTP ones are."""

from __future__ import annotations

import base64
import json
import time
import uuid
from decimal import Decimal

import pytest

from mtgox_sandbox.core.catalogue import default_catalogue_path, load
from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api
from .streams import Raw, packed_call, private

_STREAM = load(default_catalogue_path()).stream
assert _STREAM is not None
STREAM = _STREAM
ID = {c.name: c.id for c in STREAM.channels}


def acks(raw: Raw, n: int) -> list[str]:
    out = []
    for _ in range(n):
        message = raw.recv()
        assert message["op"] == "subscribe", message
        out.append(message["channel"])
    return out


def test_a_new_connection_gets_trades_ticker_and_depth_of_its_currency(sandbox: Sandbox) -> None:
    raw = Raw(sandbox, "/mtgox", "Currency=EUR,USD")
    # No permessage-deflate: the client offers it, the server (like Mt. Gox's) declines.
    assert raw.ws.response is not None and "Sec-WebSocket-Extensions" not in raw.ws.response.headers
    assert acks(raw, 5) == [
        ID["trade.BTC"],
        ID["ticker.BTCEUR"],
        ID["depth.BTCEUR"],
        ID["ticker.BTCUSD"],
        ID["depth.BTCUSD"],
    ]
    raw.close()
    for path in ("/", "/mtgox/"):
        other = Raw(sandbox, path)
        assert acks(other, 3) == [ID["trade.BTC"], ID["ticker.BTCUSD"], ID["depth.BTCUSD"]]
        other.close()


def test_channel_query_replaces_the_defaults_and_ops_subscribe_by_kind_and_name(sandbox: Sandbox) -> None:
    raw = Raw(sandbox, "/mtgox/", "Channel=depth.BTCEUR/ticker.LTC*")
    got = acks(raw, 1 + len([c for c in STREAM.channels if c.name.startswith("ticker.LTC")]))
    assert got[0] == ID["depth.BTCEUR"]
    assert {ID[n] for n in ID if n.startswith("ticker.LTC")} == set(got[1:])
    raw.send({"op": "mtgox.subscribe", "type": "lag"})
    assert acks(raw, 1) == [ID["trade.lag"]]
    raw.send({"op": "mtgox.subscribe", "channel": "trade.BTC"})
    assert acks(raw, 1) == [ID["trade.BTC"]]
    raw.send({"op": "unsubscribe", "channel": ID["trade.BTC"]})
    assert raw.recv() == {"op": "unsubscribe", "channel": ID["trade.BTC"]}
    raw.send({"op": "unsubscribe", "type": "lag"})
    assert raw.recv() == {"op": "unsubscribe", "channel": ID["trade.lag"]}
    raw.send({"op": "subscribe", "channel": ID["ticker.BTCUSD"]})  # the undocumented op, by uuid
    assert acks(raw, 1) == [ID["ticker.BTCUSD"]]
    raw.send("this is not json")
    remark = raw.recv()
    assert remark["op"] == "remark" and remark["success"] is False
    assert remark["debug"] == {"data_raw": "this is not json"}
    raw.close()


def test_an_http_trade_streams_depth_trade_then_its_zero_delta_depth_and_a_ticker(
    sandbox: Sandbox, traders: tuple[Api, Api]
) -> None:
    seller, buyer = traders
    raw = Raw(sandbox)
    acks(raw, 3)
    seller.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 100_000_000, "price_int": 10_000_000})
    rest = raw.until(private("depth"))["depth"]
    assert rest["type"] == 1 and rest["type_str"] == "ask"
    assert (rest["price_int"], rest["volume_int"], rest["total_volume_int"]) == ("10000000", "100000000", "100000000")
    assert rest["price"] == "100" and rest["volume"] == "1" and rest["currency"] == "USD" and rest["item"] == "BTC"
    ticker = raw.until(private("ticker"))
    assert ticker["channel_name"] == "ticker.BTCUSD" and ticker["ticker"]["sell"]["value_int"] == "10000000"

    buyer.ok(1, "BTCUSD/order/add", {"type": "bid", "amount_int": 40_000_000, "price_int": 10_000_000})
    trade_msg = raw.until(private("trade"))
    after = raw.recv()
    text = json.dumps(trade_msg)
    trade = trade_msg["trade"]
    assert trade_msg["channel"] == ID["trade.BTC"] and trade_msg["channel_name"] == "trade.BTC"
    assert trade_msg["origin"] == "broadcast"
    assert trade["amount"] == 0.4 and trade["price"] == 100 and '"amount": 0.4' in text
    assert (trade["amount_int"], trade["price_int"], trade["price_currency"]) == ("40000000", "10000000", "USD")
    assert (trade["trade_type"], trade["primary"], trade["properties"]) == ("bid", "Y", "limit")
    assert trade["date"] == int(trade["tid"]) // 1_000_000
    # The trade is followed by the zero-delta depth message of the level it consumed.
    assert after["private"] == "depth", after
    assert (after["depth"]["volume_int"], after["depth"]["total_volume_int"]) == ("0", "60000000")
    assert after["depth"]["type_str"] == "ask"
    raw.until(private("ticker"))
    raw.close()


def test_the_private_channel_carries_own_orders_wallet_and_trades(sandbox: Sandbox, traders: tuple[Api, Api]) -> None:
    seller, buyer = traders
    key = buyer.ok(2, "money/idkey")
    assert len(key) == 75
    raw = Raw(sandbox, query="Channel=trade.lag")
    acks(raw, 1)
    raw.send({"op": "mtgox.subscribe", "key": key})
    (channel,) = acks(raw, 1)
    assert channel == str(uuid.UUID(bytes=base64.b64decode(key + "=")[:16]))
    seller.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 50_000_000, "price_int": 9_000_000})
    oid = buyer.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 50_000_000, "price_int": 9_000_000})
    kinds: list[str] = []
    while len([k for k in kinds if k == "user_order"]) < 3:
        message = raw.recv()
        if message["op"] == "private" and message["channel"] == channel:
            kinds.append(message["private"])
            if message["private"] == "user_order":
                assert message["user_order"]["oid"] == oid
            if message["private"] == "wallet":
                wallet = message["wallet"]
                assert wallet["op"] in ("in", "spent", "fee")
                assert Decimal(wallet["balance"]["value"]) >= 0
        elif message["op"] == "private":
            assert message["private"] == "lag" and message["lag"]["age"] >= 0
    # pending, executing, then its fill: BTC in, USD spent, fee; the trade; the order completed.
    assert kinds == ["user_order", "user_order", "wallet", "wallet", "wallet", "trade", "user_order"]
    statuses = [m["user_order"].get("status") for m in raw.seen if m.get("private") == "user_order"]
    assert statuses == ["pending", "executing", None]
    assert raw.seen[-1]["user_order"] == {"oid": oid, "reason": "completed_active"}
    raw.send({"op": "mtgox.subscribe", "key": key[:-2] + ("AA" if key[-2:] != "AA" else "BB")})
    assert raw.recv()["message"] == "Invalid idkey"
    raw.close()


def test_signed_calls_are_verified_like_http_and_answered_by_id(sandbox: Sandbox, traders: tuple[Api, Api]) -> None:
    trader, _ = traders
    assert trader.key and trader.secret
    raw = Raw(sandbox, query="Channel=depth.BTCUSD")
    acks(raw, 1)
    nonce = time.time_ns() // 1000
    params = {"type": "bid", "amount_int": 10_000_000, "price_int": 5_000_000}
    raw.send(packed_call(trader.key, trader.secret, "order/add", params, "add-1", nonce=nonce))
    answer = raw.recv()  # the answer first, then what its transaction caused
    depth = raw.recv()
    assert depth["private"] == "depth" and depth["depth"]["total_volume_int"] == "10000000"
    assert answer["op"] == "result" and answer["id"] == "add-1"
    oid = answer["result"]
    assert uuid.UUID(oid)
    # A replayed nonce, a bad signature, an unknown method: remarks carrying the call's id.
    raw.send(packed_call(trader.key, trader.secret, "order/add", params, "again", nonce=nonce))
    remark = raw.recv()
    assert (remark["op"], remark["id"], remark["success"]) == ("remark", "again", False)
    assert remark["token"] == "login_error_invalid_nonce"
    raw.send(
        packed_call(trader.key, base64.b64encode(b"x" * 64).decode(), "private/info", [], "forged", nonce=nonce + 1)
    )
    assert raw.recv()["token"] == "login_error_invalid_rest_sign"
    raw.send(packed_call(trader.key, trader.secret, "no/such", {}, "nope", nonce=nonce + 2))
    assert raw.recv() == {"op": "remark", "success": False, "message": "Method not found", "id": "nope"}
    # String nonces and PHP's `params: []`, an alias with the pair, then a cancel by the stream.
    raw.send(packed_call(trader.key, trader.secret, "private/info", [], "info", nonce=str(nonce + 3)))
    assert raw.recv()["result"]["Wallets"]["USD"]["Balance"]["value_int"] == "10000000000"
    cancel = packed_call(trader.key, trader.secret, "BTCUSD/order/cancel", {"oid": oid}, "cancel", nonce=nonce + 4)
    raw.send(cancel)
    assert raw.recv()["result"]["oid"] == oid
    gone = raw.recv()
    assert gone["depth"]["volume_int"] == "-10000000" and gone["depth"]["total_volume_int"] == "0"
    raw.close()


@pytest.mark.parametrize("tonce_offset_s", [0, 3600])
def test_tonce_calls_follow_the_http_window(sandbox: Sandbox, traders: tuple[Api, Api], tonce_offset_s: int) -> None:
    trader, _ = traders
    assert trader.key and trader.secret
    raw = Raw(sandbox, query="Channel=trade.lag")
    acks(raw, 1)
    tonce = time.time_ns() // 1000 + tonce_offset_s * 1_000_000
    raw.send(packed_call(trader.key, trader.secret, "private/idkey", {}, "k", nonce=None, extra={"tonce": tonce}))
    answer = raw.recv()
    if tonce_offset_s:
        assert answer["token"] == "login_error_invalid_tonce"
    else:
        assert answer["op"] == "result" and len(answer["result"]) == 75
    raw.close()


def test_http_lists_the_channels_the_stream_serves(sandbox: Sandbox) -> None:
    api = Api(sandbox.base_url)
    assert api.public(2, "stream/list_public") == ID
    currency = api.public(2, "BTCEUR/money/currency")
    assert (currency["ticker_channel"], currency["depth_channel"]) == (ID["ticker.BTCEUR"], ID["depth.BTCEUR"])
    api.close()


def test_an_idkey_still_opens_the_private_channel_after_a_restart(sandbox: Sandbox, traders: tuple[Api, Api]) -> None:
    trader, _ = traders
    key = trader.ok(2, "money/idkey")
    sandbox.restart()
    raw = Raw(sandbox, query="Channel=trade.lag")
    acks(raw, 1)
    raw.send({"op": "mtgox.subscribe", "key": key})
    assert acks(raw, 1) == [str(uuid.UUID(bytes=base64.b64decode(key + "=")[:16]))]
    raw.close()
