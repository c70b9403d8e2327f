"""The `stream_parse_vs_json` benchmark at a tiny size: structure only, never a speed."""

from __future__ import annotations

import json
import math
from collections import Counter
from decimal import Decimal

from bench import FIGURES, TINY
from bench.stream_parse import messages, stream_parse_vs_json
from mtgox.stream import Depth, Ticker, Trade, parse_message


def test_the_messages_are_the_capture_mix_and_parse_exactly() -> None:
    texts = messages(200)
    kinds = Counter(type(parse_message(t)).__name__ for t in texts)
    assert kinds == {"Depth": 134, "Ticker": 56, "Trade": 10}
    assert len(set(texts)) == len(texts)  # no two alike
    trade = next(m for m in map(parse_message, texts) if isinstance(m, Trade))
    literal = json.loads(texts[0])["trade"]  # the first message is a trade
    assert str(trade.trade.amount) == str(json.loads(json.dumps(literal["amount"]), parse_float=Decimal))
    assert trade.trade.amount * 100_000_000 == trade.trade.amount_int
    depth = next(m for m in map(parse_message, texts) if isinstance(m, Depth))
    assert depth.depth.price * 100_000 == depth.depth.price_int
    ticker = next(m for m in map(parse_message, texts) if isinstance(m, Ticker))
    assert ticker.ticker.vol.currency == "BTC"


def test_the_figure_has_its_full_structure() -> None:
    assert FIGURES["stream_parse_vs_json"] == ("ms", "stream_parse", "stream_parse_vs_json")
    (figure,) = stream_parse_vs_json(TINY)
    assert figure.name == "stream_parse_vs_json" and figure.unit == "ms"
    assert figure.error is None and figure.target == 1.0 and figure.target_on == "ratio"
    assert figure.value > 0 and figure.baseline is not None and figure.baseline > 0
    assert figure.ratio is not None and math.isfinite(figure.ratio)
    assert figure.repeats >= 3 and "parse_message" in figure.method
    assert figure.extra["messages"] == 200
    assert set(figure.extra["ratio_by_kind"]) == {"Depth", "Ticker", "Trade"}
    assert figure.extra["ratio_of_best_rounds"] > 0
    doc = figure.as_dict()
    assert doc["pass"] in (True, False)
