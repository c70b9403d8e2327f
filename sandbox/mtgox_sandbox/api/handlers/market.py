"""Public market data, computed from the book and the trades: ticker, depth, trades, currency, lag.

- ticker: high, low, avg (plain mean of prices), vwap, vol over the last 24 hours of trades of
  the pair (kept as trades happen: core/ticker.py); last = the pair's last trade ever;
  buy/sell = best bid/ask (0 when none). last_orig is the last trade of any pair in its own
  currency; last_all = last_local = last (the sandbox has no exchange rates to convert with).
- depth (v1, v2): price levels within +-10 % of the last price (or of the best bid/ask when
  nothing traded yet), asks and bids both in ascending price order (the best bid last), as
  recorded; `stamp` is when the level last changed. fulldepth: every level, no filter.
- trades: a page at a time (core/trades.py): without `since`, the newest trades of the last
  24 hours; with it, the trades after that tid (v1/v2: up to 24 hours' worth from the first).
  v0 pages hold 100 trades (its documented page), v1 and v2 pages TRADES_PAGE.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from mtgox_catalogue.model import Pair

from ...core import book
from ...core import trades as trade_list
from ...core.errors import invalid_parameter
from ...core.exchange import Exchange
from ...core.ticker import Figures
from ..answers import Encoded
from ..context import Call
from ..envelope import encode
from ..payloads import ticker_payload, trade_row
from ..registry import handles

V0_TRADES_PAGE = 100
#: Trades in one v1/v2 answer: a client walks further with `since` (the last tid it got).
TRADES_PAGE = 1000
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


# -- ticker ------------------------------------------------------------------------------------


def figures(call: Call, pair: Pair) -> Figures:
    return call.exchange.tickers.figures(call.tx, pair.code, call.money[pair.base].divisor)


def ticker_answer(call: Call, pair: Pair, *, fast: bool = False) -> dict[str, Any]:
    tx, exchange = call.tx, call.exchange
    numbers = figures(call, pair)
    last_any = exchange.tickers.last_trade(tx)
    last_orig = (numbers.last, pair.quote)
    if last_any is not None and last_any[1] in exchange.pairs:
        last_orig = (last_any[0], exchange.pairs[last_any[1]].quote)
    return ticker_payload(
        call.money,
        pair,
        numbers,
        buy=book.best(tx, pair.code, "bid"),
        sell=book.best(tx, pair.code, "ask"),
        last_orig=last_orig,
        with_item=call.version != "v1",
        now_us=tx.now_us,
        fast=fast,
    )


@handles("v1", "{pair}/public/ticker", "{pair}/ticker")
@handles("v2", "{pair}/money/ticker")
def ticker(call: Call) -> Any:
    return ticker_answer(call, call.pair("currency"))


@handles("v1", "{pair}/public/ticker_fast", "{pair}/ticker_fast")
@handles("v2", "{pair}/money/ticker_fast")
def ticker_fast(call: Call) -> Any:
    return ticker_answer(call, call.pair("currency"), fast=True)


@handles("v0", "data/ticker.php", "ticker.php")
def v0_ticker(call: Call) -> Any:
    pair = call.pair("Currency")
    n = figures(call, pair)
    num = call.money.number
    q = pair.quote
    return {
        "ticker": {
            "high": num(n.high, q),
            "low": num(n.low, q),
            "avg": num(n.avg, q),
            "vwap": num(n.vwap, q),
            "vol": num(n.vol, pair.base),
            "last_all": num(n.last, q),
            "last_local": num(n.last, q),
            "last": num(n.last, q),
            "buy": num(book.best(call.tx, pair.code, "bid"), q),
            "sell": num(book.best(call.tx, pair.code, "ask"), q),
        }
    }


# -- depth -------------------------------------------------------------------------------------


def depth_band(call: Call, pair: Pair) -> tuple[int, int] | None:
    last = figures(call, pair).last
    buy, sell = book.best(call.tx, pair.code, "bid"), book.best(call.tx, pair.code, "ask")
    reference = last or ((buy + sell) // 2 if buy and sell else buy or sell)
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
            for price, amount, stamp in book.levels(call.tx, pair.code, side, low, high)
        ]

    out: dict[str, Any] = {"asks": rows("ask"), "bids": rows("bid")}
    if band is not None:
        out["filter_min_price"] = call.money.value_object(band[0], quote)
        out["filter_max_price"] = call.money.value_object(band[1], quote)
    out["now"] = str(call.tx.now_us)
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
        side + "s": [[num(p, pair.quote), num(a, pair.base)] for p, a, _ in book.levels(call.tx, pair.code, side)]
        for side in ("ask", "bid")
    }


# -- trades ------------------------------------------------------------------------------------


def trades_page(call: Call, pair: Pair, *, page: int, within_day: bool) -> Any:
    tx = call.tx
    since = call.integer("since")
    if since is not None:
        rows = trade_list.after(tx, pair.code, since, page, within_day=within_day)
        return [trade_row(call.money, pair, r) for r in rows]
    # The newest page, as a bot polls it: kept while the market has not traded. Only from a
    # read transaction, which sees committed trades alone.
    key = ("trades", pair.code, page, trade_list.newest_bounds(tx, pair.code))
    kept = call.answers.get(key) if not tx.write else None
    if kept is not None:
        return kept
    answer = Encoded(encode([trade_row(call.money, pair, r) for r in trade_list.newest(tx, pair.code, page)]))
    if not tx.write:
        call.answers.put(key, answer)
    return answer


@handles("v1", "{pair}/public/trades", "{pair}/trades", "{pair}/trades/fetch", "{pair}/public/trades/fetch")
@handles("v2", "{pair}/money/trades/fetch", "{pair}/money/trades")
def trades(call: Call) -> Any:
    return trades_page(call, call.pair("currency"), page=TRADES_PAGE, within_day=True)


@handles("v0", "data/getTrades.php", "getTrades.php")
def v0_trades(call: Call) -> Any:
    return trades_page(call, call.pair("Currency"), page=V0_TRADES_PAGE, within_day=False)


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
    # Orders match inside the request that places them, unless the engine lags (a `lag` fault):
    # then `lag` is how long the oldest queued order has waited, `length` how many wait.
    lag_us, length = call.exchange.engine.queue(call.tx)
    text = format(Decimal(lag_us).scaleb(-6).normalize(), "f")
    return {
        "lag": lag_us,
        "lag_secs": lag_us / 1_000_000 if lag_us else 0,
        "lag_text": f"{text} seconds",
        "length": str(length),
    }


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
