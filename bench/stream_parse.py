"""`stream_parse_vs_json`: `mtgox.stream.parse_message` against `json.loads` of the same messages.

The messages are the mix of the 2012-09 capture the streaming reference analyses (1,578 depth,
666 ticker and about 116 trade messages: 67 %, 28 %, 5 %), full 2013 shapes (value objects,
channel_name, now), with prices, volumes and times varying so no two are alike. The SDK side
is the whole public path: the text into its typed message in one pass (a union tagged by the
kind; eleven exact value objects per ticker), or through the checked parser when the one pass
refuses (trade messages carry `"type": "trade"`, which the catalogue does not name, so they
take it to keep that field). The baseline is plain `json.loads` of each text. Both sides take
turns round by round; each figure is the median of its rounds. Time is the process's CPU time
(`time.process_time`), not wall time: on a shared 2-core machine wall time mostly measures the
other processes' load, which both sides do not meet alike.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal

from mtgox.stream import Depth, Ticker, Trade, Unknown, parse_message

from .harness import Figure, Sizes, interleave, median

TARGET = 1.0
DEPTH_ID, TICKER_ID, TRADE_ID = (
    "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe",
    "d5f06780-30a8-4a48-a2f8-7ed181b4a13f",
    "dbf1dee9-4f2e-4a08-8cb7-748919a71b21",
)


def _usd(units: int) -> dict[str, str]:
    value = f"{Decimal(units) / 100_000:.5f}"
    return {
        "value": value,
        "value_int": str(units),
        "display": f"${value}",
        "display_short": f"${value[:-3]}",
        "currency": "USD",
    }


def _btc(units: int) -> dict[str, str]:
    value = f"{Decimal(units) / 100_000_000:.8f}"
    return {
        "value": value,
        "value_int": str(units),
        "display": f"{value}\u00a0BTC",
        "display_short": f"{value[:-6]}\u00a0BTC",
        "currency": "BTC",
    }


def _depth(i: int, now: int) -> dict[str, object]:
    price, volume = 9_000_000 + (i * 7919) % 500_000, ((i * 104_729) % 2_000_000_000) - 1_000_000_000
    total = abs(volume) + (i * 31) % 5_000_000_000
    kind = 1 + i % 2
    payload = {
        "price": str(Decimal(price) / 100_000),
        "type": kind,
        "type_str": "ask" if kind == 1 else "bid",
        "volume": str(Decimal(volume) / 100_000_000),
        "price_int": str(price),
        "volume_int": str(volume),
        "item": "BTC",
        "currency": "USD",
        "now": str(now),
        "total_volume_int": str(total),
    }
    return {
        "channel": DEPTH_ID,
        "channel_name": "depth.BTCUSD",
        "op": "private",
        "origin": "broadcast",
        "private": "depth",
        "depth": payload,
    }


def _ticker(i: int, now: int) -> dict[str, object]:
    base = 9_200_000 + (i * 131) % 100_000
    names = ("high", "low", "avg", "vwap", "last_local", "last_orig", "last_all", "last", "buy", "sell")
    payload: dict[str, object] = {name: _usd(base + k * 97) for k, name in enumerate(names)}
    payload["vol"] = _btc(4_123_550_312_041 + i)
    payload.update(item="BTC", now=str(now))
    return {
        "channel": TICKER_ID,
        "channel_name": "ticker.BTCUSD",
        "op": "private",
        "origin": "broadcast",
        "private": "ticker",
        "ticker": payload,
    }


def _trade(i: int, now: int) -> str:
    amount_int, price_int = 1_000_000 + (i * 7_777) % 900_000_000, 9_200_000 + (i * 17) % 100_000
    # amount and price are JSON floats on the wire: written as literal text, as the server did
    amount, price = Decimal(amount_int) / 100_000_000, Decimal(price_int) / 100_000
    return (
        f'{{"channel":"{TRADE_ID}","channel_name":"trade.BTC","op":"private","origin":"broadcast","private":"trade",'
        f'"trade":{{"type":"trade","date":{now // 1_000_000},"amount":{amount},"price":{price},"tid":"{now}",'
        f'"amount_int":"{amount_int}","price_int":"{price_int}","item":"BTC","price_currency":"USD",'
        f'"trade_type":"{"bid" if i % 3 else "ask"}","primary":"Y","properties":"limit"}}}}'
    )


def messages(n: int) -> list[str]:
    """`n` message texts: per 100, 67 depth, 28 ticker and 5 trade messages, interleaved."""
    out: list[str] = []
    for i in range(n):
        now = 1_348_650_000_000_000 + i * 433_000
        slot = i % 100
        if slot < 5:
            out.append(_trade(i, now))
        elif slot < 33:
            out.append(json.dumps(_ticker(i, now), ensure_ascii=False))
        else:
            out.append(json.dumps(_depth(i, now), ensure_ascii=False))
    return out


def stream_parse_vs_json(sizes: Sizes) -> list[Figure]:
    count = min(10_000, sizes.depth_orders)
    texts = messages(count)
    kinds = [type(parse_message(t)) for t in texts]
    assert Unknown not in kinds, "a benchmark message did not parse"
    assert {Depth, Ticker, Trade} <= set(kinds)

    sides = {"parse_message": _timed(parse_message, texts), "json_loads": _timed(json.loads, texts)}
    for side in sides.values():
        side()
    rounds = max(3, sizes.depth_rounds)
    samples = interleave(sides, rounds)
    ms = {k: median(v) * 1e3 for k, v in samples.items()}
    # On a loaded machine the medians drift; the ratio of the best rounds is the steadier figure.
    best_ratio = min(samples["parse_message"]) / min(samples["json_loads"])
    by_kind = {}
    for cls in (Depth, Ticker, Trade):
        subset = [t for t, k in zip(texts, kinds, strict=True) if k is cls]
        kind_samples = interleave({"sdk": _timed(parse_message, subset), "json": _timed(json.loads, subset)}, rounds)
        by_kind[cls.__name__] = round(median(kind_samples["sdk"]) / median(kind_samples["json"]), 2)
    return [
        Figure(
            "stream_parse_vs_json",
            "ms",
            ms["parse_message"],
            ms["json_loads"],
            f"json.loads of the same {count:,} texts",
            rounds,
            f"mtgox.stream.parse_message over {count:,} stream messages (67 % depth, 28 % ticker, 5 % trade, "
            f"2013 shapes, {sum(map(len, texts)):,} bytes); median CPU time of {rounds} interleaved rounds",
            target=TARGET,
            extra={
                "messages": count,
                "ratio_of_best_rounds": round(best_ratio, 3),
                "ratio_by_kind": by_kind,
                "components_ms": {k: round(v, 2) for k, v in ms.items()},
            },
        )
    ]


def _timed(fn: Callable[[str], object], texts: list[str]) -> Callable[[], float]:
    """One round: `fn` over every text, in CPU seconds of this process."""

    def run() -> float:
        started = time.process_time()
        for text in texts:
            fn(text)
        return time.process_time() - started

    return run
