"""`mtgox.stream.parse_message` on every message shape of the reference (tests/data/stream/),
compared with exact Decimals and strings; Unknown and InvalidMessageError at the edges."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from mtgox import types
from mtgox.stream import (
    Depth,
    FlatTicker,
    InvalidMessageError,
    Lag,
    Remark,
    Result,
    StreamMessage,
    Subscribed,
    Ticker,
    Trade,
    Unknown,
    Unsubscribed,
    UserOrder,
    UserOrderRemoved,
    Wallet,
    parse_message,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "stream"
PRIVATE = "6d2b9f1c-3a4e-4b7f-9c1d-2e5f8a0b7c3d"


def parsed(name: str) -> StreamMessage:
    return parse_message((DATA / name).read_text(encoding="utf-8"))


def us(micros: int) -> datetime:
    return datetime.fromtimestamp(micros // 1_000_000, UTC).replace(microsecond=micros % 1_000_000)


def test_every_example_file_parses_to_a_typed_message() -> None:
    names = sorted(p.name for p in DATA.glob("*.json"))
    assert len(names) >= 26
    for name in names:
        msg = parsed(name)
        assert not isinstance(msg, Unknown), (name, msg)
        # bytes parse the same as text
        assert parse_message((DATA / name).read_bytes()) == msg


@pytest.mark.parametrize("name", ["ticker_2013.json", "ticker_2012.json", "ticker_2012_no_display_short.json"])
def test_ticker_with_value_objects(name: str) -> None:
    msg = parsed(name)
    assert isinstance(msg, Ticker)
    t = msg.ticker
    assert isinstance(t, types.Ticker)
    assert (t.buy.value, t.buy.value_int, t.buy.currency) == (Decimal("92.49001"), 9249001, "USD")
    assert str(t.sell.value) == "92.50000"  # the literal text, trailing zeros kept
    assert (t.vol.value, t.vol.value_int, t.vol.currency) == (Decimal("41235.50312041"), 4123550312041, "BTC")
    assert t.vol.display == "41235.50312041\u00a0BTC"
    assert msg.channel == "d5f06780-30a8-4a48-a2f8-7ed181b4a13f" and msg.origin == "broadcast"
    if name == "ticker_2013.json":
        assert (msg.channel_name, t.item, t.now) == ("ticker.BTCUSD", "BTC", us(1385000000123456))
        assert t.buy.display_short == "$92.49"
    else:  # 2012: no channel_name, no item, no now
        assert (msg.channel_name, t.item, t.now) == (None, None, None)
    if name == "ticker_2012_no_display_short.json":
        assert t.buy.display_short is None and t.buy.display == "$92.49001"
    assert msg.extra == {} and t.extra == {}


def test_ticker_2011_flat_floats_are_exact_decimals() -> None:
    msg = parsed("ticker_2011.json")
    assert isinstance(msg, FlatTicker)
    t = msg.ticker
    assert isinstance(t, types.V0Ticker)
    assert (t.buy, t.high, t.low, t.sell, t.vol) == (
        Decimal("0.9515"),
        Decimal("1"),
        Decimal("0.91"),
        Decimal("0.9697"),
        Decimal("34349"),
    )
    assert str(t.buy) == "0.9515" and t.last is None


def test_depth_2013() -> None:
    msg = parsed("depth_2013.json")
    assert isinstance(msg, Depth) and msg.channel_name == "depth.BTCUSD"
    d = msg.depth
    assert (d.price, str(d.price), d.price_int) == (Decimal("92.5"), "92.5", 9250000)
    assert (d.type, d.type_str, d.currency, d.item) == (2, "bid", "USD", "BTC")
    assert (d.volume, d.volume_int, d.total_volume_int) == (Decimal("-1.5"), -150000000, 4200000000)
    assert d.now == us(1385000000123456)


def test_depth_2012_without_channel_name_and_zero_delta_after_trade() -> None:
    msg = parsed("depth_2012.json")
    assert isinstance(msg, Depth) and msg.channel_name is None
    assert (msg.depth.type_str, msg.depth.volume, msg.depth.total_volume_int) == ("ask", Decimal("7.25"), 1900000000)
    zero = parsed("depth_zero_delta_after_trade.json")
    assert isinstance(zero, Depth)
    assert (zero.depth.volume_int, zero.depth.total_volume_int) == (0, 150000000)


def test_depth_2011_negative_delta_without_now_or_total() -> None:
    msg = parsed("depth_2011_negative_delta.json")
    assert isinstance(msg, Depth)
    assert (msg.depth.volume, msg.depth.volume_int) == (Decimal("-2.71"), -271000000)
    assert (msg.depth.now, msg.depth.total_volume_int) == (None, None)


def test_pubnub_stamp() -> None:
    msg = parsed("pubnub_depth_with_stamp.json")
    assert isinstance(msg, Depth)
    assert msg.stamp == us(1386500000123456)
    assert msg.depth.total_volume_int == 1000000


def test_trade_2013_floats_are_decimals_of_their_literal_text() -> None:
    msg = parsed("trade_2013.json")
    assert isinstance(msg, Trade) and msg.channel_name == "trade.BTC"
    t = msg.trade
    assert isinstance(t.amount, Decimal) and isinstance(t.price, Decimal)
    assert (str(t.amount), str(t.price)) == ("0.5", "92.50000")  # a float would say 92.5
    assert (t.amount_int, t.price_int, t.tid) == (50000000, 9250000, "1385000000123456")
    assert (t.primary, t.properties, t.trade_type, t.price_currency) == ("Y", "limit", "bid", "USD")
    assert t.date == datetime(2013, 11, 21, 2, 13, 20, tzinfo=UTC)
    assert t.extra == {"type": "trade"}  # kept, not dropped


def test_trade_float_that_a_float_would_round() -> None:
    msg = parsed("trade_2012_mixed_currency_copy.json")
    assert isinstance(msg, Trade)
    t = msg.trade
    assert str(t.amount) == "0.10000000149011612" and t.amount_int == 10000000  # *_int is the truth
    assert (str(t.price), t.price_int, t.price_currency) == ("1002.123", 1002123, "JPY")
    assert (t.primary, t.properties) == ("N", "limit,mixed_currency")


def test_trade_2011_without_primary_and_properties() -> None:
    msg = parsed("trade_2011.json")
    assert isinstance(msg, Trade)
    assert (msg.trade.primary, msg.trade.properties, msg.trade.trade_type) == (None, None, None)
    assert (msg.trade.amount, msg.trade.price) == (Decimal("2.71"), Decimal("14.43"))


def test_own_trade_on_the_private_channel() -> None:
    msg = parsed("trade_own_private_channel.json")
    assert isinstance(msg, Trade) and msg.channel == PRIVATE and msg.channel_name is None
    assert msg.trade.properties == "market"


def test_lag() -> None:
    msg = parsed("lag.json")
    assert isinstance(msg, Lag) and msg.channel_name == "trade.lag"
    assert (msg.lag.qid, msg.lag.stamp, msg.lag.age) == (
        "3f2c1a7e-8b9d-4c0e-a1f2-b3c4d5e6f708",
        "1385000000123456",
        47058,
    )
    empty = parsed("lag_empty_stamp.json")
    assert isinstance(empty, Lag) and empty.lag.stamp == ""


def test_user_order_both_shapes() -> None:
    msg = parsed("user_order_open.json")
    assert isinstance(msg, UserOrder) and msg.channel == PRIVATE
    o = msg.user_order
    assert (o.oid, o.type, o.status, o.currency, o.item) == (
        "b1a5c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",
        "bid",
        "open",
        "USD",
        "BTC",
    )
    assert (o.amount.value, o.amount.value_int) == (Decimal("1.00000000"), 100000000)
    assert o.effective_amount is not None and o.effective_amount.value_int == 75000000
    assert o.invalid_amount is not None and o.invalid_amount.value_int == 25000000
    assert o.price is not None and (str(o.price.value), o.price.value_int) == ("92.50000", 9250000)
    assert (o.priority, o.actions) == ("1385000000123456", [])
    market = parsed("user_order_market_executing.json")
    assert isinstance(market, UserOrder)
    assert (market.user_order.price, market.user_order.status) == (None, "executing")
    removed = parsed("user_order_removed.json")
    assert isinstance(removed, UserOrderRemoved)
    assert (removed.user_order.oid, removed.user_order.reason) == ("b1a5c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d", "requested")
    assert removed.origin is None


def test_wallet() -> None:
    msg = parsed("wallet_spent.json")
    assert isinstance(msg, Wallet)
    w = msg.wallet
    assert (w.op, w.ref) == ("spent", None)
    assert (str(w.amount.value), w.amount.value_int, w.balance.value_int) == ("46.25000", 4625000, 95375000)
    assert w.info == "BTC bought: [tid:1385000000123456] 0.50000000\u00a0BTC at $92.50000"


def test_subscription_acks() -> None:
    sub, unsub = parsed("subscribe.json"), parsed("unsubscribe.json")
    assert isinstance(sub, Subscribed) and sub.channel == "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe"
    assert isinstance(unsub, Unsubscribed) and unsub.channel == "dbf1dee9-4f2e-4a08-8cb7-748919a71b21"
    assert sub.extra == {} and sub == Subscribed(channel=sub.channel)
    assert not isinstance(parsed("unsubscribe.json"), Subscribed)  # both read StreamChannelAck, as two classes
    assert sub != Unsubscribed(channel=sub.channel)


def test_results() -> None:
    idkey = parsed("result_idkey.json")
    assert isinstance(idkey, Result) and idkey.id == "idkey"
    assert isinstance(idkey.result, str) and len(idkey.result) == 75
    add = parsed("result_order_add.json")
    assert isinstance(add, Result) and add.result == "b1a5c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"
    lag = parsed("result_order_lag.json")
    assert isinstance(lag, Result)
    assert lag.result == {"lag": 940123, "lag_secs": Decimal("0.940123"), "lag_text": "0.940123 seconds", "length": "3"}
    assert types.Lag.from_wire(lag.result).lag_secs == Decimal("0.940123")


def test_remarks_with_and_without_id() -> None:
    with_id = parsed("remark_with_id.json")
    assert isinstance(with_id, Remark)
    assert (with_id.success, with_id.message) == (False, "Order not found")
    assert with_id.id == "order_cancel:b1a5c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"
    without = parsed("remark_without_id.json")
    assert isinstance(without, Remark) and without.id is None
    assert without.debug == {"data_raw": "ping"}


def test_unknown_fields_are_kept_at_every_level() -> None:
    msg = parse_message(
        '{"op":"private","private":"lag","channel":"c","shiny":1,'
        '"lag":{"qid":"q","stamp":"1","age":2,"new_field":[1.5]}}'
    )
    assert isinstance(msg, Lag)
    assert msg.extra == {"shiny": 1}
    assert msg.lag.extra == {"new_field": [Decimal("1.5")]}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"op":"private","private":"debug","debug":{}}', "unknown channel data kind 'debug'"),
        ('{"op":"error","message":"x"}', "unknown op 'error'"),
        ("{}", "unknown op None"),
        ('{"op":["private"]}', "unknown op ['private']"),
        ('{"op":"private","private":{"k":1}}', "unknown channel data kind {'k': 1}"),
        ('{"op":"private","private":"depth","depth":{"price":"x"}}', "message.depth.price: expected a decimal number"),
        ('{"op":"private","private":"user_order","user_order":{"oid":"o"}}', "message.user_order: missing field"),
        ('{"op":"private","private":"ticker","ticker":{"buy":1}}', "message.ticker: missing field"),
        ('{"op":"private","private":"trade","trade":{"amount":1e999}}', "message.trade"),
        ('{"op":"subscribe"}', "missing field 'channel'"),
        ('{"op":"private","private":"lag","channel":{},"lag":{"qid":"q","stamp":"","age":1}}', "message.channel"),
    ],
)
def test_a_valid_object_the_catalogue_does_not_describe_is_unknown(text: str, reason: str) -> None:
    msg = parse_message(text)
    assert isinstance(msg, Unknown)
    assert reason in msg.reason
    assert msg.raw == json.loads(text, parse_float=Decimal)


@pytest.mark.parametrize(
    "text", ["", "ping", "[1, 2]", '"op"', "3", "null", '{"op": "x"', b"\xff\xfe", "NaN", '{"a": Infinity}']
)
def test_not_a_json_object_raises_a_typed_error(text: str | bytes) -> None:
    with pytest.raises(InvalidMessageError) as info:
        parse_message(text)
    assert info.value.kind == "invalid_message"


def test_importing_the_stream_module_needs_no_websocket_library() -> None:
    import subprocess
    import sys

    code = "import sys, mtgox, mtgox.stream; print('websockets' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
