"""An order book kept from a full-depth snapshot and depth messages (no I/O here).

Each depth message sets its level, `(type_str, price_int)`, to `total_volume_int` and removes it
at 0; `volume_int` is never added up (clients that did drifted: a trade's depth message has a
zero delta). Messages that arrive before the snapshot is loaded are buffered and applied on top
of it: each sets a level to its total at that time, so replaying ones the snapshot already
holds ends in the same state, and only the last message of each level needs keeping. After a
reconnect the book is reset and buffers again until a new snapshot arrives. Integers are the
truth; Decimals are derived exactly by the currency divisors.

A peer decides what the book holds, so it is bounded: at most `max_levels` price levels a side
(buffered ones included); past that a new level is refused (`BookError`) and a snapshot keeps
its best `max_levels` a side. A message the book cannot apply exactly (no total, no price, no
side) raises `BookError`, which the session turns into a warning and a resync.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from .._parse import ShapeError, to_int

Side = Literal["bid", "ask"]

#: Price levels a side may hold: real books had tens of thousands; a peer may not make it millions.
DEFAULT_MAX_LEVELS = 100_000


class BookError(ValueError):
    """A depth message or snapshot the book cannot apply exactly; the book is left as it was."""


def _int_field(entry: Mapping[str, Any], name: str, what: str) -> int:
    if name not in entry:
        raise BookError(f"{what} without {name}")
    try:
        return to_int(entry[name])
    except ShapeError as exc:
        raise BookError(f"{what}: {name}: {exc.message}") from None


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

    def __init__(
        self,
        pair: str,
        item: str,
        currency: str,
        *,
        price_divisor: int,
        amount_divisor: int,
        max_levels: int = DEFAULT_MAX_LEVELS,
    ) -> None:
        self.pair = pair
        self.item = item
        self.currency = currency
        self._price_div = Decimal(price_divisor)
        self._amount_div = Decimal(amount_divisor)
        self._bids = _Side()
        self._asks = _Side()
        self.max_levels = max_levels
        #: (side, price) -> total: the last message of each level that came before the snapshot.
        self._buffer: dict[tuple[str, int], int] = {}
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
        """One `depth` payload (the object under the message's `depth` key), already of this market.

        `BookError` for one the book cannot apply exactly (no side, price or total; a new level
        past `max_levels`): the book is unchanged, and may now be out of date.
        """
        side = depth.get("type_str")
        if side not in ("bid", "ask"):
            kind = depth.get("type")  # compared, never hashed: a peer may send a list here
            side = "ask" if kind in (1, "1") else "bid" if kind in (2, "2") else None
            if side is None:
                raise BookError("a depth message without a side (type_str bid/ask, or type 1/2)")
        price = _int_field(depth, "price_int", "a depth message")
        total = _int_field(depth, "total_volume_int", "a depth message")
        with self._lock:
            if self._synced:
                levels = (self._bids if side == "bid" else self._asks).levels
                if total > 0 and price not in levels and len(levels) >= self.max_levels:
                    raise BookError(f"a new {side} level past the book's max_levels={self.max_levels}")
                self._set(side, price, total)
            else:
                if (side, price) not in self._buffer and len(self._buffer) >= 2 * self.max_levels:
                    raise BookError(f"more than 2 x max_levels={self.max_levels} levels changed before the snapshot")
                self._buffer[(side, price)] = total

    def _set(self, side: str, price: int, total: int) -> None:
        (self._bids if side == "bid" else self._asks).set(price, total)
        self.updates += 1

    def reset(self) -> None:
        """Messages may have been missed: buffer until the next snapshot."""
        with self._lock:
            self._synced = False
            self._buffer.clear()

    def load_snapshot(self, data: Mapping[str, Any]) -> None:
        """A full depth (`{"asks": [...], "bids": [...]}` with `price_int` and `amount_int`, or
        `price`/`amount` exactly in the currencies' units), then the buffer.

        `BookError` for a snapshot it cannot read (the book is left as it was); past
        `max_levels` a side only the best levels are kept.
        """
        sides = {}
        for name in ("bids", "asks"):
            entries = data.get(name) or ()
            if not isinstance(entries, list | tuple):
                raise BookError(f"the snapshot's {name} is not a list")
            levels = levels_of(entries, price_divisor=self._price_div, amount_divisor=self._amount_div)
            if len(levels) > self.max_levels:
                keep = sorted(levels, reverse=name == "bids")[: self.max_levels]
                levels = {p: levels[p] for p in keep}
            sides[name] = levels
        with self._lock:
            for name, side in (("bids", self._bids), ("asks", self._asks)):
                side.clear()
                for price, amount in sides[name].items():
                    side.set(price, amount)
            for (side_name, price), total in self._buffer.items():
                self._set(side_name, price, total)
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


def levels_of(
    entries: Iterable[Mapping[str, Any]],
    *,
    price_divisor: Decimal | int | None = None,
    amount_divisor: Decimal | int | None = None,
) -> dict[int, int]:
    """`{price_int: amount_int}` of full-depth entries (summing entries at one price).

    An entry without `price_int` / `amount_int` is read from `price` / `amount` when the divisor
    is given and the value is a whole number of units; otherwise `BookError`.
    """
    out: dict[int, int] = {}
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise BookError(f"a snapshot level that is not an object: {type(entry).__name__}")
        price = _units(entry, "price", price_divisor)
        out[price] = out.get(price, 0) + _units(entry, "amount", amount_divisor)
    return {p: v for p, v in out.items() if v > 0}


def _units(entry: Mapping[str, Any], name: str, divisor: Decimal | int | None) -> int:
    """`<name>_int`, else the decimal `<name>` times the divisor when that is exact."""
    if f"{name}_int" in entry or divisor is None or name not in entry:
        return _int_field(entry, f"{name}_int", "a snapshot level")
    try:
        return to_int(Decimal(str(entry[name])) * Decimal(divisor))
    except (ShapeError, ArithmeticError, ValueError):
        raise BookError(f"a snapshot level without {name}_int, and {name} {entry[name]!r:.40} is not exact") from None
