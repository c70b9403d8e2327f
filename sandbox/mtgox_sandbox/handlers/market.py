"""Public market data, computed from the book and the trades: ticker, depth, trades, currency, lag.

- ticker: high, low, avg (plain mean of prices), vwap, vol over the last 24 hours of trades of
  the pair; last = the pair's last trade ever; buy/sell = best bid/ask (0 when none).
  last_orig is the last trade of any pair in its own currency; last_all = last_local = last (the
  sandbox has no exchange rates to convert with).
- depth (v1, v2): price levels within +-10 % of the last price (or of the best bid/ask when
  nothing traded yet), asks and bids both in ascending price order (the best bid last), as
  recorded; `stamp` is when the level last changed. fulldepth: every level, no filter.
- trades: without `since`, the last 24 hours; with it, the trades after that tid: v0 100 per
  call, v1/v2 up to 24 hours' worth starting at the first one.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from mtgox_catalogue.model import Pair

from ..context import Call, Exchange
from ..errors import invalid_parameter
from . import handles
from .payloads import trade_row

DAY = 86_400
V0_TRADES_PAGE = 100
DEPTH_BAND_PERCENT = 10


def channel_uuid(ex: Exchange, name: str) -> str:
    """A streaming channel's id: the catalogue's (the stream serves those); a stable made-up
    UUID for a name it does not list."""
    stream = ex.catalogue.stream
    if stream is not None:
        try:
            return stream.channel(name).id
        except KeyError:
            pass
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mtgox-sandbox:{name}"))


def now_us() -> int:
    return time.time_ns() // 1000


# -- ticker ------------------------------------------------------------------------------------


def ticker_numbers(call: Call, pair: Pair) -> dict[str, int]:
    tx = call.tx
    since_us = (tx.now - DAY) * 1_000_000
    row = tx.one(
        "SELECT MAX(price), MIN(price), SUM(price), COUNT(*), SUM(amount), SUM(spent) FROM trades"
        " WHERE pair = ? AND tid >= ?",
        (pair.code, since_us),
    )
    assert row is not None
    count = int(row[3] or 0)
    volume = int(row[4] or 0)
    divisor = call.money[pair.base].divisor
    last = tx.scalar("SELECT price FROM trades WHERE pair = ? ORDER BY tid DESC LIMIT 1", (pair.code,))
    buy = tx.scalar(
        "SELECT price FROM orders WHERE pair = ? AND side = 'bid' AND status = 'open' ORDER BY price DESC LIMIT 1",
        (pair.code,),
    )
    sell = tx.scalar(
        "SELECT price FROM orders WHERE pair = ? AND side = 'ask' AND status = 'open' ORDER BY price LIMIT 1",
        (pair.code,),
    )
    return {
        "high": int(row[0] or 0),
        "low": int(row[1] or 0),
        "avg": (2 * int(row[2] or 0) + count) // (2 * count) if count else 0,
        "vwap": (2 * int(row[5] or 0) * divisor + volume) // (2 * volume) if volume else 0,
        "vol": volume,
        "last": int(last or 0),
        "buy": int(buy or 0),
        "sell": int(sell or 0),
    }


def last_trade_anywhere(call: Call) -> tuple[int, str] | None:
    row = call.tx.one("SELECT price, pair FROM trades ORDER BY tid DESC LIMIT 1")
    if row is None:
        return None
    pair = call.exchange.pairs.get(row[1])
    return (int(row[0]), pair.quote) if pair else None


def ticker_payload(call: Call, pair: Pair, *, fast: bool = False) -> dict[str, Any]:
    n = ticker_numbers(call, pair)
    value_object = call.money.value_object
    quote = pair.quote
    orig = last_trade_anywhere(call) or (n["last"], quote)
    out: dict[str, Any] = {}
    if not fast:
        out.update(
            high=value_object(n["high"], quote),
            low=value_object(n["low"], quote),
            avg=value_object(n["avg"], quote),
            vwap=value_object(n["vwap"], quote),
            vol=value_object(n["vol"], pair.base),
        )
    out.update(
        last_local=value_object(n["last"], quote),
        last_orig=value_object(orig[0], orig[1]),
        last_all=value_object(n["last"], quote),
        last=value_object(n["last"], quote),
        buy=value_object(n["buy"], quote),
        sell=value_object(n["sell"], quote),
    )
    if call.version != "v1":
        out["item"] = pair.base
    out["now"] = str(now_us())
    return out


@handles("v1", "{pair}/public/ticker", "{pair}/ticker")
@handles("v2", "{pair}/money/ticker")
def ticker(call: Call) -> Any:
    return ticker_payload(call, call.pair("currency"))


@handles("v1", "{pair}/public/ticker_fast", "{pair}/ticker_fast")
@handles("v2", "{pair}/money/ticker_fast")
def ticker_fast(call: Call) -> Any:
    return ticker_payload(call, call.pair("currency"), fast=True)


@handles("v0", "data/ticker.php", "ticker.php")
def v0_ticker(call: Call) -> Any:
    pair = call.pair("Currency")
    n = ticker_numbers(call, pair)
    num = call.money.number
    q = pair.quote
    return {
        "ticker": {
            "high": num(n["high"], q),
            "low": num(n["low"], q),
            "avg": num(n["avg"], q),
            "vwap": num(n["vwap"], q),
            "vol": num(n["vol"], pair.base),
            "last_all": num(n["last"], q),
            "last_local": num(n["last"], q),
            "last": num(n["last"], q),
            "buy": num(n["buy"], q),
            "sell": num(n["sell"], q),
        }
    }


# -- depth -------------------------------------------------------------------------------------


_LEVEL = "SELECT price, SUM(remaining), MAX(updated_us) FROM orders WHERE pair = ? AND status = 'open'"
_LEVELS = {side: _LEVEL + f" AND side = '{side}' GROUP BY price ORDER BY price" for side in ("bid", "ask")}
_LEVELS_IN_BAND = {
    side: _LEVEL + f" AND side = '{side}' AND price BETWEEN ? AND ? GROUP BY price ORDER BY price"
    for side in ("bid", "ask")
}


def depth_levels(
    call: Call, pair: Pair, side: str, low: int | None = None, high: int | None = None
) -> list[tuple[int, int, int]]:
    params: tuple[object, ...] = (pair.code,)
    sql = _LEVELS[side]
    if low is not None and high is not None:
        sql, params = _LEVELS_IN_BAND[side], (pair.code, low, high)
    return [(int(r[0]), int(r[1]), int(r[2])) for r in call.tx.all(sql, params)]


def depth_band(call: Call, pair: Pair) -> tuple[int, int] | None:
    n = ticker_numbers(call, pair)
    reference = n["last"] or ((n["buy"] + n["sell"]) // 2 if n["buy"] and n["sell"] else n["buy"] or n["sell"])
    if not reference:
        return None
    return (reference * (100 - DEPTH_BAND_PERCENT) // 100, -(-reference * (100 + DEPTH_BAND_PERCENT) // 100))


def depth_payload(call: Call, pair: Pair, *, full: bool) -> dict[str, Any]:
    band = None if full else depth_band(call, pair)
    low, high = band if band else (None, None)
    base, quote = pair.base, pair.quote
    num = call.money.number

    def rows(side: str) -> list[dict[str, Any]]:
        return [
            {
                "price": num(price, quote),
                "amount": num(amount, base),
                "price_int": str(price),
                "amount_int": str(amount),
                "stamp": str(stamp),
            }
            for price, amount, stamp in depth_levels(call, pair, side, low, high)
        ]

    out: dict[str, Any] = {"asks": rows("ask"), "bids": rows("bid")}
    if band is not None:
        out["filter_min_price"] = call.money.value_object(band[0], quote)
        out["filter_max_price"] = call.money.value_object(band[1], quote)
    out["now"] = str(now_us())
    return out


@handles("v1", "{pair}/public/depth", "{pair}/depth", "{pair}/depth/fetch", "{pair}/public/depth/fetch")
@handles("v2", "{pair}/money/depth/fetch", "{pair}/money/depth")
def depth(call: Call) -> Any:
    return depth_payload(call, call.pair("currency"), full=False)


@handles("v1", "{pair}/public/fulldepth", "{pair}/fulldepth", "{pair}/depth/full", "{pair}/public/depth/full")
@handles("v2", "{pair}/money/depth/full", "{pair}/money/fulldepth")
def fulldepth(call: Call) -> Any:
    return depth_payload(call, call.pair("currency"), full=True)


@handles("v0", "data/getDepth.php", "getDepth.php")
def v0_depth(call: Call) -> Any:
    pair = call.pair("Currency")
    num = call.money.number
    return {
        side + "s": [[num(p, pair.quote), num(a, pair.base)] for p, a, _ in depth_levels(call, pair, side)]
        for side in ("ask", "bid")
    }


# -- trades ------------------------------------------------------------------------------------


_TRADES = "SELECT tid, date, price, amount, trade_type, properties FROM trades WHERE pair = ?"
_TRADES_RECENT = _TRADES + " AND tid >= ? ORDER BY tid"
_TRADES_PAGE = _TRADES + " AND tid > ? ORDER BY tid LIMIT ?"
_TRADES_WINDOW = _TRADES + " AND tid > ? AND tid < ? ORDER BY tid"


def trades_since(call: Call, pair: Pair, *, page: int | None) -> list[dict[str, Any]]:
    tx = call.tx
    since = call.integer("since")
    if since is None:
        rows = tx.all(
            _TRADES_RECENT,
            (pair.code, (tx.now - DAY) * 1_000_000),
        )
    elif page is not None:
        rows = tx.all(
            _TRADES_PAGE,
            (pair.code, since, page),
        )
    else:
        first = tx.scalar("SELECT MIN(tid) FROM trades WHERE pair = ? AND tid > ?", (pair.code, since))
        rows = (
            []
            if first is None
            else tx.all(
                _TRADES_WINDOW,
                (pair.code, since, int(first) + DAY * 1_000_000),
            )
        )
    return [trade_row(call, pair, r) for r in rows]


@handles("v1", "{pair}/public/trades", "{pair}/trades", "{pair}/trades/fetch", "{pair}/public/trades/fetch")
@handles("v2", "{pair}/money/trades/fetch", "{pair}/money/trades")
def trades(call: Call) -> Any:
    return trades_since(call, call.pair("currency"), page=None)


@handles("v0", "data/getTrades.php", "getTrades.php")
def v0_trades(call: Call) -> Any:
    return trades_since(call, call.pair("Currency"), page=V0_TRADES_PAGE)


@handles(
    "v1",
    "{pair}/public/cancelledtrades",
    "{pair}/cancelledtrades",
    "{pair}/trades/cancelled",
    "{pair}/public/trades/cancelled",
)
@handles("v2", "{pair}/money/trades/cancelled", "{pair}/money/cancelledtrades")
def cancelled_trades(call: Call) -> Any:
    return []  # the sandbox never cancels a trade


# -- currency, lag, quote, channels --------------------------------------------------------------


def currency_payload(call: Call, code: str) -> dict[str, Any]:
    c = call.exchange.currency(code)
    return {
        "currency": c.code,
        "name": c.name,
        "symbol": c.symbol,
        "decimals": str(c.decimals),
        "display_decimals": str(c.display_decimals),
        "symbol_position": c.symbol_position,
        "virtual": "Y" if c.virtual else "N",
        "ticker_channel": channel_uuid(call.exchange, f"ticker.{call.exchange.item}{c.code}"),
        "depth_channel": channel_uuid(call.exchange, f"depth.{call.exchange.item}{c.code}"),
    }


@handles("v1", "generic/public/currency", "generic/currency", "{pair}/public/currency", "{pair}/currency")
@handles("v2", "{pair}/money/currency", "money/currency")
def currency(call: Call) -> Any:
    pair_code = call.path_params.get("pair")
    default = call.exchange.pairs[pair_code].quote if pair_code else "USD"
    return currency_payload(call, call.currency_code("currency", default=default))


@handles("v1", "generic/order/lag", "generic/public/order/lag", "{pair}/order/lag", "{pair}/public/order/lag")
@handles("v2", "money/order/lag", "{pair}/money/order/lag")
def order_lag(call: Call) -> Any:
    # Orders match inside the request that places them: nothing ever waits.
    return {"lag": 0, "lag_secs": 0, "lag_text": "0 seconds", "length": "0"}


@handles("v2", "{pair}/money/order/quote", "money/order/quote", "{pair}/money/quote", "money/quote")
@handles("v1", "{pair}/order/quote", "{pair}/public/order/quote")
def order_quote(call: Call) -> Any:
    pair = call.pair("currency")
    side = call.require("type")
    if side not in ("bid", "ask"):
        raise invalid_parameter("type", "should be ask or bid")
    # a quote walks the book up to `amount`: a negative or zero one walked all of it
    amount = call.integer("amount", "amount_int", required=True, minimum=1)
    assert amount is not None
    price = call.integer("price", "price_int", minimum=1)
    return {"amount": call.exchange.engine.quote(call.tx, pair.code, side, amount, price)}


@handles("v2", "stream/list_public")
def stream_list_public(call: Call) -> Any:
    exchange = call.exchange
    if exchange.catalogue.stream is not None:  # the channels the stream serves
        return {c.name: c.id for c in exchange.catalogue.stream.channels}
    out = {}
    for code in exchange.pairs:
        out[f"ticker.{code}"] = channel_uuid(exchange, f"ticker.{code}")
        out[f"depth.{code}"] = channel_uuid(exchange, f"depth.{code}")
    out[f"trade.{exchange.item}"] = channel_uuid(exchange, f"trade.{exchange.item}")
    out["trade.lag"] = channel_uuid(exchange, "trade.lag")
    return out
