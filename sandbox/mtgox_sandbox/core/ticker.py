"""The ticker's 24-hour figures, kept as trades happen: O(1) a trade, whatever the history.

Each pair has a window of its trades of the last 24 hours: running sums (price, amount, quote
spent, count) and two monotonic queues whose heads are the window's highest and lowest price
(each trade enters and leaves each queue once, so high and low cost O(1) amortised). Trades
leave the window as the exchange's clock moves past them.

The windows hold committed trades only. Every trade up to `tid_high` is folded in; a trade
table row above it is "unfolded": made by the transaction now running (or by another process,
such as `mtgox-sandbox seed-market` writing while the server runs). `figures()` adds the
unfolded rows on top of the window without keeping them, so a transaction sees its own
trades, and a rolled-back one leaves nothing behind. They are kept when they are surely
committed: read in a read-only transaction, or handed to `fold()` once the writing
transaction has committed (the server's worker does that after every write). Both reads are
a range scan of the trade table's primary key from `tid_high`: a few rows, not a day's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from .db import Tx

DAY_US = 86_400 * 1_000_000

_UNFOLDED = "SELECT tid, pair, price, amount, spent FROM trades WHERE tid > ? ORDER BY tid"
_RECENT = "SELECT tid, pair, price, amount, spent FROM trades WHERE tid >= ? ORDER BY tid"
_LAST_OF_PAIR = "SELECT tid, price FROM trades WHERE pair = ? ORDER BY tid DESC LIMIT 1"

#: (tid, pair, price, amount, quote spent), as the trade table holds them.
TradeRow = tuple[int, str, int, int, int]


@dataclass(frozen=True, slots=True)
class Figures:
    """A pair's 24-hour figures in integer units; `last` is its last trade ever (0: none)."""

    high: int
    low: int
    avg: int
    vwap: int
    vol: int
    last: int


class _Window:
    __slots__ = ("count", "highs", "last", "lows", "sum_amount", "sum_price", "sum_spent", "trades")

    def __init__(self) -> None:
        self.trades: deque[tuple[int, int, int, int]] = deque()  # (tid, price, amount, spent)
        self.sum_price = self.sum_amount = self.sum_spent = self.count = 0
        self.highs: deque[tuple[int, int]] = deque()  # (tid, price), prices falling from the head
        self.lows: deque[tuple[int, int]] = deque()  # (tid, price), prices rising from the head
        self.last = 0

    def add(self, tid: int, price: int, amount: int, spent: int) -> None:
        self.trades.append((tid, price, amount, spent))
        self.sum_price += price
        self.sum_amount += amount
        self.sum_spent += spent
        self.count += 1
        while self.highs and self.highs[-1][1] <= price:
            self.highs.pop()
        self.highs.append((tid, price))
        while self.lows and self.lows[-1][1] >= price:
            self.lows.pop()
        self.lows.append((tid, price))
        self.last = price

    def expire(self, cutoff: int) -> None:
        """Drop the trades before `cutoff` (a tid: Unix microseconds)."""
        trades = self.trades
        while trades and trades[0][0] < cutoff:
            _, price, amount, spent = trades.popleft()
            self.sum_price -= price
            self.sum_amount -= amount
            self.sum_spent -= spent
            self.count -= 1
        while self.highs and self.highs[0][0] < cutoff:
            self.highs.popleft()
        while self.lows and self.lows[0][0] < cutoff:
            self.lows.popleft()


class Tickers:
    """The 24-hour windows of every pair of one exchange (module docstring)."""

    def __init__(self, pairs: Iterable[str]) -> None:
        self._windows = {code: _Window() for code in pairs}
        #: Every trade with a tid up to this one is in the windows.
        self.tid_high = 0
        #: The last trade of any pair: (tid, price, pair), for the ticker's `last_orig`.
        self.last_any: tuple[int, int, str] | None = None
        self.loaded = False

    def load(self, tx: Tx) -> None:
        """Fill the windows from the trade table: the last 24 hours, and each pair's last trade."""
        self._windows = {code: _Window() for code in self._windows}
        self.tid_high, self.last_any = 0, None
        for code, window in self._windows.items():
            row = tx.one(_LAST_OF_PAIR, (code,))
            if row is not None:
                window.last = int(row[1])
                if self.last_any is None or int(row[0]) > self.last_any[0]:
                    self.last_any = (int(row[0]), int(row[1]), code)
        cutoff = tx.now_us - DAY_US
        rows = tx.conn.execute(_RECENT, (cutoff,)).fetchall()
        self.fold((int(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows)
        top = tx.scalar("SELECT MAX(tid) FROM trades")
        self.tid_high = max(self.tid_high, int(top or 0))
        self.loaded = True

    def unfolded(self, tx: Tx) -> list[TradeRow]:
        """The trade rows above `tid_high`, as `tx` sees them (its own uncommitted ones included)."""
        return [
            (int(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]))
            for r in tx.conn.execute(_UNFOLDED, (self.tid_high,)).fetchall()
        ]

    def fold(self, rows: Iterable[TradeRow]) -> None:
        """Keep committed trade rows, in tid order, in the windows."""
        for tid, pair, price, amount, spent in rows:
            if tid <= self.tid_high:
                continue  # folded already (a read and a commit can both hand in the same row)
            window = self._windows.get(pair)
            if window is not None:
                window.add(tid, price, amount, spent)
            self.tid_high = tid
            self.last_any = (tid, price, pair)

    def figures(self, tx: Tx, pair: str, base_divisor: int) -> Figures:
        """The pair's 24-hour figures as `tx` sees them (module docstring)."""
        if not self.loaded:
            raise RuntimeError("the ticker windows are not loaded (Tickers.load at start-up)")
        rows = self.unfolded(tx)
        if rows and not tx.write:  # committed, whoever wrote them
            self.fold(rows)
            rows = []
        window = self._windows[pair]
        cutoff = tx.now_us - DAY_US
        window.expire(cutoff)
        return _combine(window, [r for r in rows if r[1] == pair and r[0] >= cutoff], base_divisor)

    def committed(self, pair: str, base_divisor: int, now_us: int) -> Figures:
        """The pair's figures from committed trades alone (for what is said after a commit)."""
        window = self._windows[pair]
        window.expire(now_us - DAY_US)
        return _combine(window, (), base_divisor)

    def begin(self, tx: Tx) -> None:
        """A write transaction starts (the server's worker calls this and `before_commit`)."""

    def before_commit(self, tx: Tx) -> Callable[[], None] | None:
        """Read what the transaction traded; what to run once it has committed: keep it."""
        rows = self.unfolded(tx)
        return partial(self.fold, rows) if rows else None

    def last_trade(self, tx: Tx) -> tuple[int, str] | None:
        """(price, pair) of the last trade of any pair, the running transaction's own included."""
        rows = self.unfolded(tx)
        if rows:
            return rows[-1][2], rows[-1][1]
        return (self.last_any[1], self.last_any[2]) if self.last_any else None


def _combine(window: _Window, extra: Sequence[TradeRow], divisor: int) -> Figures:
    count, sum_price, volume, spent = window.count, window.sum_price, window.sum_amount, window.sum_spent
    high = window.highs[0][1] if window.highs else 0
    low = window.lows[0][1] if window.lows else 0
    last = window.last
    for _, _, price, amount, cost in extra:
        high = max(high, price)
        low = price if not count else min(low, price)
        count += 1
        sum_price += price
        volume += amount
        spent += cost
        last = price
    return Figures(
        high=high,
        low=low,
        avg=(2 * sum_price + count) // (2 * count) if count else 0,
        vwap=(2 * spent * divisor + volume) // (2 * volume) if volume else 0,
        vol=volume,
        last=last,
    )
