"""The order book as the public sees it: best prices and price levels, read from open orders.

Each read is an index range of the open orders of one pair and side (db.py's partial indexes),
so it costs what it returns, not what the exchange ever held.
"""

from __future__ import annotations

from .db import Tx

Level = tuple[int, int, int]  # (price, amount, stamp of its last change)

_BEST = {
    "bid": "SELECT price FROM orders WHERE pair = ? AND side = 'bid' AND status = 'open' ORDER BY price DESC LIMIT 1",
    "ask": "SELECT price FROM orders WHERE pair = ? AND side = 'ask' AND status = 'open' ORDER BY price LIMIT 1",
}
_LEVEL = "SELECT price, SUM(remaining), MAX(updated_us) FROM orders WHERE pair = ? AND status = 'open'"
_LEVELS = {side: _LEVEL + f" AND side = '{side}' GROUP BY price ORDER BY price" for side in ("bid", "ask")}
_LEVELS_IN_BAND = {
    side: _LEVEL + f" AND side = '{side}' AND price BETWEEN ? AND ? GROUP BY price ORDER BY price"
    for side in ("bid", "ask")
}


def best(tx: Tx, pair: str, side: str) -> int:
    """The best bid's or ask's price, 0 when that side is empty."""
    return int(tx.scalar(_BEST[side], (pair,)) or 0)


def levels(tx: Tx, pair: str, side: str, low: int | None = None, high: int | None = None) -> list[Level]:
    """The side's price levels in ascending price order, all or within [low, high]."""
    if low is not None and high is not None:
        rows = tx.all(_LEVELS_IN_BAND[side], (pair, low, high))
    else:
        rows = tx.all(_LEVELS[side], (pair,))
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]
