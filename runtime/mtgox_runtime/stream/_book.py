"""An order book kept from a full-depth snapshot and depth messages (no I/O here).

Each depth message sets its level, `(type_str, price_int)`, to `total_volume_int` and removes it
at 0; `volume_int` is never added up (clients that did drifted: a trade's depth message has a
zero delta). Messages that arrive before the snapshot is loaded are buffered and applied, in
order, on top of it: each sets a level to its total at that time, so replaying ones the
snapshot already holds ends in the same state. After a reconnect the book is reset and
buffers again until a new snapshot arrives. Integers are the truth; Decimals are derived
exactly by the currency divisors.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from .._parse import to_int

Side = Literal["bid", "ask"]


@dataclass(frozen=True, slots=True)
class Level:
    """One price level: exact integers and the Decimals they stand for."""

    price_int: int
    amount_int: int
    price: Decimal
    amount: Decimal


class _Side:
    __slots__ = ("keys", "levels")

    def __init__(self) -> None:
        self.levels: dict[int, int] = {}
        self.keys: list[int] = []  # prices, ascending

    def set(self, price: int, volume: int) -> None:
        if volume <= 0:
            if self.levels.pop(price, None) is not None:
                del self.keys[bisect.bisect_left(self.keys, price)]
            return
        if price not in self.levels:
            bisect.insort(self.keys, price)
        self.levels[price] = volume

    def clear(self) -> None:
        self.levels.clear()
        self.keys.clear()


class OrderBook:
    """The book of one market (`BTCUSD`), fed by a stream."""

    def __init__(self, pair: str, item: str, currency: str, *, price_divisor: int, amount_divisor: int) -> None:
        self.pair = pair
        self.item = item
        self.currency = currency
        self._price_div = Decimal(price_divisor)
        self._amount_div = Decimal(amount_divisor)
        self._bids = _Side()
        self._asks = _Side()
        self._buffer: list[tuple[str, int, int]] = []
        self._lock = threading.Lock()
        self._synced = False
        #: How many snapshots were loaded (1 at first, +1 per resync).
        self.snapshots = 0
        #: Depth messages applied (buffered ones included) since the book was created.
        self.updates = 0

    @property
    def synced(self) -> bool:
        """True once a snapshot is loaded; False again after a reconnect until the next one."""
        return self._synced

    # -- feeding ----------------------------------------------------------------------------

    def matches(self, depth: Mapping[str, Any]) -> bool:
        return depth.get("item", self.item) == self.item and depth.get("currency") == self.currency

    def on_depth(self, depth: Mapping[str, Any]) -> None:
        """One `depth` payload (the object under the message's `depth` key), already of this market."""
        side = depth.get("type_str")
        if side not in ("bid", "ask"):
            side = {1: "ask", 2: "bid"}.get(to_int(depth.get("type")))
            if side is None:
                return
        price = to_int(depth["price_int"])
        total = to_int(depth["total_volume_int"])
        with self._lock:
            if self._synced:
                self._set(side, price, total)
            else:
                self._buffer.append((side, price, total))

    def _set(self, side: str, price: int, total: int) -> None:
        (self._bids if side == "bid" else self._asks).set(price, total)
        self.updates += 1

    def reset(self) -> None:
        """Messages may have been missed: buffer until the next snapshot."""
        with self._lock:
            self._synced = False
            self._buffer.clear()

    def load_snapshot(self, data: Mapping[str, Any]) -> None:
        """A full depth (`{"asks": [...], "bids": [...]}` with `price_int`, `amount_int`), then the buffer."""
        with self._lock:
            for name, side in (("bids", self._bids), ("asks", self._asks)):
                side.clear()
                for price, amount in levels_of(data.get(name) or ()).items():
                    side.set(price, amount)
            for item in self._buffer:
                self._set(*item)
            self._buffer.clear()
            self._synced = True
            self.snapshots += 1

    # -- reading ----------------------------------------------------------------------------

    def _level(self, price: int, volume: int) -> Level:
        return Level(price, volume, Decimal(price) / self._price_div, Decimal(volume) / self._amount_div)

    def best_bid(self) -> Level | None:
        with self._lock:
            keys = self._bids.keys
            return self._level(keys[-1], self._bids.levels[keys[-1]]) if keys else None

    def best_ask(self) -> Level | None:
        with self._lock:
            keys = self._asks.keys
            return self._level(keys[0], self._asks.levels[keys[0]]) if keys else None

    def bids(self, limit: int | None = None) -> list[Level]:
        """Bids from the best (highest price) down."""
        with self._lock:
            keys = self._bids.keys[::-1][:limit]
            return [self._level(p, self._bids.levels[p]) for p in keys]

    def asks(self, limit: int | None = None) -> list[Level]:
        """Asks from the best (lowest price) up."""
        with self._lock:
            keys = self._asks.keys[:limit]
            return [self._level(p, self._asks.levels[p]) for p in keys]

    def cumulative(self, side: Side, limit: int | None = None) -> list[Level]:
        """Levels from the best price outwards, each `amount` the total up to and including it."""
        running = 0
        out = []
        for level in self.bids(limit) if side == "bid" else self.asks(limit):
            running += level.amount_int
            out.append(self._level(level.price_int, running))
        return out

    def levels(self) -> tuple[dict[int, int], dict[int, int]]:
        """(bids, asks) as `{price_int: amount_int}` copies: for comparing books exactly."""
        with self._lock:
            return dict(self._bids.levels), dict(self._asks.levels)

    def __repr__(self) -> str:
        bid, ask = self.best_bid(), self.best_ask()
        return (
            f"OrderBook({self.pair}, synced={self.synced}, bid={bid.price if bid else None}, "
            f"ask={ask.price if ask else None}, {len(self._bids.levels)}+{len(self._asks.levels)} levels)"
        )


def levels_of(entries: Iterable[Mapping[str, Any]]) -> dict[int, int]:
    """`{price_int: amount_int}` of full-depth entries (summing entries at one price)."""
    out: dict[int, int] = {}
    for entry in entries:
        price = to_int(entry["price_int"])
        out[price] = out.get(price, 0) + to_int(entry["amount_int"])
    return {p: v for p, v in out.items() if v > 0}
