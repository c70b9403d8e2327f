"""Recorded Mt. Gox history on the wire, over real sockets with the SDK: a recorded answer of
11,214 trades over two days (June 2011) replayed at full speed comes back exactly from paging
`BTCUSD/money/trades/fetch?since=`, the v2 ticker at its end has the 24-hour figures computed
from the file, and the same trades as a bitcoincharts CSV replay with the same prices, amounts
and dates."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import mtgox
from mtgox_sandbox.fixture import Sandbox

from ..recorded import RECORDED

TWO_DAYS = RECORDED / "v0" / "data_getTrades__2011-06-old.json"
DAY_US = 86_400 * 10**6


def units(value: Any, places: int) -> int:
    return int(Decimal(str(value)).scaleb(places))


def recorded() -> list[dict[str, Any]]:
    """The file's trades as (tid, date, price_int, amount_int, trade_type), in tid order."""
    rows = json.loads(TWO_DAYS.read_text(), parse_float=Decimal)
    return sorted(
        (
            {
                "tid": int(r["tid"]),
                "date": int(r["date"]),
                "price_int": units(r["price"], 5),
                "amount_int": units(r["amount"], 8),
                "trade_type": r.get("trade_type", ""),
            }
            for r in rows
            if r.get("primary", "Y") == "Y"
        ),
        key=lambda r: r["tid"],
    )


def paged(client: mtgox.Client) -> list[dict[str, Any]]:
    """Every trade, walked the way clients did: `since` the last tid of the page before."""
    out: list[dict[str, Any]] = []
    since = 0
    while True:
        page = client.v2.trades_fetch(pair="BTCUSD", since=since)
        if not page:
            return out
        out += [
            {
                "tid": int(t.tid),
                "date": int(t.date.timestamp()),
                "price_int": t.price_int,
                "amount_int": t.amount_int,
                "trade_type": t.trade_type,
            }
            for t in page
        ]
        since = int(page[-1].tid)


def test_two_recorded_days_come_back_exactly_and_the_ticker_is_the_files(sandbox: Sandbox) -> None:
    expected = recorded()
    assert len(expected) == 11_214
    sandbox.replay(TWO_DAYS, speed="max")
    state = sandbox.wait_replay(timeout=120)
    assert (state["trades_done"], state["trades_left"], state["done"], state["error"]) == (11_214, 0, True, None)
    with mtgox.Client(base_url=sandbox.base_url, rate_limit=None) as client:
        assert paged(client) == expected
        # the 24 hours before the last trade (the clock stands there once a `max` replay ends)
        end_us = max(r["date"] for r in expected) * 1_000_000
        assert int(sandbox.clock.state()["now_us"]) == end_us
        window = [r for r in expected if r["date"] * 1_000_000 >= end_us - DAY_US]
        volume = sum(r["amount_int"] for r in window)
        spent = sum(r["amount_int"] * r["price_int"] // 10**8 for r in window)
        ticker = client.v2.ticker(pair="BTCUSD")
        assert ticker.high.value_int == max(r["price_int"] for r in window)
        assert ticker.low.value_int == min(r["price_int"] for r in window)
        assert ticker.vol.value_int == volume
        assert ticker.vwap.value_int == (2 * spent * 10**8 + volume) // (2 * volume)
        exact = sum(Decimal(r["amount_int"]) * r["price_int"] for r in window) / volume
        assert abs(ticker.vwap.value_int - exact) <= 1  # what each trade's truncated cost leaves
        # the older versions' trade lists say the same
        v1 = client.v1.trades(pair="BTCUSD", since=expected[99]["tid"])
        assert [int(t.tid) for t in v1[:3]] == [r["tid"] for r in expected[100:103]]
        v0 = client.v0.get_trades(since=expected[-101]["tid"])
        assert [int(t.tid) for t in v0] == [r["tid"] for r in expected[-100:]]


def test_the_same_trades_as_bitcoincharts_csv_replay_with_the_same_prices_amounts_and_dates(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    rows = json.loads(TWO_DAYS.read_text(), parse_float=Decimal)
    csv = tmp_path / "mtgoxUSD.csv"  # bitcoincharts' layout: unixtime,price,amount, in time order
    csv.write_text("".join(f"{r['date']},{r['price']},{r['amount']}\n" for r in rows))
    sandbox.replay(csv, speed="max")
    assert sandbox.wait_replay(timeout=120)["trades_done"] == 11_214
    with mtgox.Client(base_url=sandbox.base_url, rate_limit=None) as client:
        got = paged(client)
    key = lambda r: (r["date"], r["price_int"], r["amount_int"])  # noqa: E731
    assert sorted(map(key, got)) == sorted(map(key, recorded()))
    assert {r["trade_type"] for r in got} == {""}  # bitcoincharts kept no side
    tids = [r["tid"] for r in got]
    assert tids == sorted(set(tids)) and all(t // 10**6 == r["date"] for t, r in zip(tids, got, strict=True))
