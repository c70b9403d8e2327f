"""Recorded Mt. Gox responses, parsed by the client, compared as strings with the file's text.

`Decimal("0.1") == Decimal("0.10000000")`, so comparing numbers would let a float round trip
(which turns "0.10000000" into "0.1") or a re-scaling pass. Comparing `str(value)` with the
literal text of the recorded file keeps every digit, trailing zeros included. The expected
strings are copied by hand from tests/data/recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

import mtgox
from mtgox_runtime import _parse

from ..recorded import RECORDED
from .signing import KEY, SECRET

BASE = "https://data.mtgox.com/api"


def served(body: bytes, call: Callable[[mtgox.Client], Any]) -> Any:
    with respx.mock() as router:
        router.route().mock(return_value=httpx.Response(200, content=body))
        with mtgox.Client(KEY, SECRET, base_url=BASE, nonce_store="memory", rate_limit=None, max_retries=0) as c:
            return call(c)


def recorded(relpath: str, call: Callable[[mtgox.Client], Any]) -> Any:
    return served((RECORDED / relpath).read_bytes(), call)


def text(value: Any) -> str:
    """The number as plain text with every digit kept: `str()` except for tiny Decimals.

    `str(Decimal("0.10000000"))` is "0.10000000", but `str(Decimal("0.00000000"))` is "0E-8"
    (exponent form below 1e-6), which says nothing about the digits; `format(d, "f")` keeps the
    plain form and the trailing zeros alike.
    """
    return format(value, "f") if not isinstance(value, int) else str(value)


def money(m: Any) -> tuple[str, str, str]:
    return text(m.value), str(m.value_int), m.currency


# -- v0: JSON numbers and decimal strings ------------------------------------------------------


def test_v0_funds_floats_keep_their_digits() -> None:
    funds = recorded("v0/getFunds.json", lambda c: c.v0.get_funds())
    assert (text(funds.usds), text(funds.btcs)) == ("3.7", "22")


def test_v0_ticker_floats() -> None:
    t = recorded("v0/data_ticker.json", lambda c: c.v0.ticker()).ticker
    assert [text(v) for v in (t.high, t.low, t.vol, t.buy, t.sell, t.last, t.vwap)] == [
        "28.678",
        "18.4",
        "80531",
        "26.4",
        "26.6099",
        "26.5",
        "3.81561",
    ]


def test_v0_depth_rows() -> None:
    depth = recorded("v0/data_getDepth.json", lambda c: c.v0.get_depth())
    assert [[text(x) for x in row] for row in depth.asks[:3]] == [
        ["17.00009", "36.22894353"],
        ["17.09999", "16.82"],
        ["17.1", "20.83934156"],
    ]


def test_v0_trades_strings() -> None:
    trades = recorded("v0/data_getTrades.json", lambda c: c.v0.get_trades())
    first = trades[0]
    assert (text(first.price), text(first.amount), text(first.price_int), text(first.amount_int), first.tid) == (
        "15",
        "0.109",
        "1500000",
        "10900000",
        "1309112950612567",
    )
    assert (text(trades[2].price), text(trades[2].amount)) == ("15.1", "10")


def test_v0_orders_after_a_cancel() -> None:
    r = recorded("v0/cancelOrder.json", lambda c: c.v0.cancel_order(oid="x"))
    assert (text(r.usds), text(r.btcs)) == ("199.9959", "0.859")
    o = r.orders[0]
    assert (o.oid, o.type, text(o.amount), text(o.price), o.status) == (
        "3b0f10d7-251d-4a1b-ad6d-4f03877b85d1",
        2,
        "0.1",
        "6",
        1,
    )


# -- v1: value objects with padded values -------------------------------------------------------


def test_v1_ticker_values_as_sent_unpadded_and_padded() -> None:
    t = recorded("v1/BTCUSD_ticker.json", lambda c: c.v1.ticker(pair="BTCUSD"))
    assert money(t.high) == ("5.70653", "570653", "USD")
    assert money(t.low) == ("5.4145", "541450", "USD")  # value unpadded, value_int exact
    assert money(t.avg) == ("5.561119626", "556112", "USD")  # 9 decimals in value, 5 in value_int
    assert money(t.vol) == ("55829.58960346", "5582958960346", "BTC")
    assert t.vol.display == "55,829.58960346\u00a0BTC"


def test_v1_info_wallets_keep_trailing_zeros() -> None:
    info = recorded("v1/generic_info.json", lambda c: c.v1.info())
    btc, usd = info.wallets["BTC"], info.wallets["USD"]
    assert money(btc.balance) == ("22.00000000", "2200000000", "BTC")
    assert money(btc.open_orders) == ("0.00000000", "0", "BTC")
    assert btc.monthly_withdraw_limit is None
    assert money(usd.balance) == ("3.70000", "370000000", "USD")  # the hand-edited fixture's value_int, kept
    assert money(usd.daily_withdraw_limit) == ("10000.00000", "1000000000", "USD")
    assert usd.daily_withdraw_limit.display == "$10,000.00000"
    assert money(info.monthly_volume) == ("700.00000000", "70000000000", "BTC")
    assert text(info.trade_fee) == "0.5"


def test_v1_open_orders() -> None:
    orders = recorded("v1/generic_orders.json", lambda c: c.v1.orders())
    o = orders[0]
    assert (o.oid, o.type) == ("fda8917a-63d3-4415-b827-758408013690", "bid")
    assert money(o.amount) == ("0.20000000", "20000000", "BTC")
    assert o.price is not None and money(o.price) == ("7.00000", "700000", "USD")


def test_v1_order_result_totals_and_average_cost() -> None:
    r = recorded("v1/generic_order_result.json", lambda c: c.v1.order_result(type="ask", oid="x"))
    assert money(r.total_amount) == ("0.10000000", "10000000", "BTC")
    assert str(r.total_amount.value) == "0.10000000"  # plain str() too, where it is plain
    assert money(r.total_spent) == ("10.08323", "1008323", "USD")
    assert money(r.avg_cost) == ("100.83230", "10083230", "USD")
    trade = r.trades[0]
    assert money(trade.amount) == ("0.10000000", "10000000", "BTC")
    assert money(trade.price) == ("100.83227", "10083227", "USD")
    assert money(trade.spent) == ("10.08323", "1008323", "USD")


def test_v1_depth_rows_floats_and_ints() -> None:
    d = recorded("v1/BTCUSD_depth_fetch.json", lambda c: c.v1.depth(pair="BTCUSD"))
    rows = [(text(a.price), text(a.amount), text(a.price_int), text(a.amount_int)) for a in d.asks[:3]]
    assert rows == [
        ("114", "0.43936758", "11400000", "43936758"),
        ("114.13", "33.42098735", "11413000", "3342098735"),
        ("114.2061", "0.01985149", "11420610", "1985149"),
    ]


def test_v1_trades_strings() -> None:
    t = recorded("v1/BTCUSD_trades_fetch.json", lambda c: c.v1.trades(pair="BTCUSD"))[0]
    assert (text(t.price), text(t.amount), text(t.price_int), text(t.amount_int)) == (
        "72.98274",
        "0.1065",
        "7298274",
        "10650000",
    )
    assert (t.primary, t.properties) == ("N", "limit,mixed_currency")


def test_v1_order_lag() -> None:
    lag = recorded("v1/generic_order_lag.json", lambda c: c.v1.order_lag())
    assert (lag.lag, text(lag.lag_secs), lag.lag_text, lag.length) == (535998, "0.535998", "0.535998 seconds", 3)


# -- v2 -------------------------------------------------------------------------------------------


def test_v2_quote_amount() -> None:
    q = recorded(
        "v2/BTCUSD_money_order_quote__bid_nitrous.json", lambda c: c.v2.order_quote(pair="BTCUSD", type="bid", amount=1)
    )
    assert text(q.amount) == "9197999"


def test_v2_trades_strings() -> None:
    trades = recorded(
        "v2/BTCUSD_money_trades_fetch__since_nitrous.json", lambda c: c.v2.trades_fetch(pair="BTCUSD", since=1)
    )
    assert [(text(t.price), text(t.amount)) for t in trades[:2]] == [("92.65", "0.47909825"), ("92.65", "0.01024284")]


# -- edges no recording reaches: the largest amounts, as numbers and as strings ------------------


def test_the_largest_v0_amounts_survive_as_json_numbers() -> None:
    body = b'{"usds": 92233720368547.75807, "btcs": 92233720368.54775807}'
    funds = served(body, lambda c: c.v0.get_funds())
    assert (text(funds.usds), text(funds.btcs)) == ("92233720368547.75807", "92233720368.54775807")


def test_the_largest_value_object_survives_as_a_string() -> None:
    vo = '{"value": "92233720368.54775807", "value_int": "9223372036854775807", "currency": "BTC"}'
    payload = f'{{"order_id": "x", "trades": [], "total_amount": {vo}, "total_spent": {vo}, "avg_cost": {vo}}}'
    body = f'{{"result": "success", "return": {payload}}}'.encode()
    r = served(body, lambda c: c.v1.order_result(type="bid", oid="x"))
    assert money(r.total_amount) == ("92233720368.54775807", "9223372036854775807", "BTC")
    smallest = '{"value": "0.00000001", "value_int": "1", "currency": "BTC"}'
    body = body.replace(vo.encode(), smallest.encode())
    r = served(body, lambda c: c.v1.order_result(type="bid", oid="x"))
    assert money(r.avg_cost) == ("0.00000001", "1", "BTC")


@pytest.mark.parametrize("text", ["0.10000000", "12345678901234567.12345678", "0.00000001", "92.50000"])
def test_the_checked_path_keeps_decimal_text_too(text: str) -> None:
    """Generated models read decimal strings inline on their fast path; `_parse.to_decimal` is
    what the checked path (and every model without a fast path) uses: it must keep the text."""
    assert format(_parse.to_decimal(text), "f") == text
