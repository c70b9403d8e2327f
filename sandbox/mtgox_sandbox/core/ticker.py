"""The ticker's 24-hour figures, kept as trades happen: O(1) a trade, whatever the history.

Each pair has a window of its trades of the last 24 hours: running sums (price, amount, quote
spent, count) and two monotonic queues whose heads are the window's highest and lowest price
(each trade enters and leaves each queue once, so high and low cost O(1) amortised). Trades
leave the window as the exchange's clock moves past them.

The windows hold committed trades only. Every trade up to `seq_high` (the trade table's
order of writing) is folded in; a row above it is "unfolded": made by the transaction now
running (or by another process, such as `mtgox-sandbox seed-market` writing while the server
runs). `figures()` adds the unfolded rows on top of the window without keeping them, so a
transaction sees its own trades, and a rolled-back one leaves nothing behind. They are kept
when they are surely committed: read in a read-only transaction, or handed to `fold()` once
the writing transaction has committed (the server's worker does that after every write). Both
reads are a range scan of the trade table's primary key from `seq_high`: a few rows, not a
day's.

A trade's time is its `at_us` (a replayed trade's recorded time; its tid may be a small
number of 2011). Trades enter a window in the order they were written, which is their time
order but for a replay running on its own (server/scenario.py), whose prints may land up to
one of its ticks after a trade made meanwhile: such a trade leaves the window up to a tick late.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from .db import Tx

DAY_US = 86_400 * 1_000_000

_UNFOLDED = "SELECT seq, pair, price, amount, spent, at_us FROM trades WHERE seq > ? ORDER BY seq"
_RECENT = "SELECT seq, pair, price, amount, spent, at_us FROM trades WHERE pair = ? AND at_us >= ? ORDER BY at_us, seq"
_LAST_OF_PAIR = "SELECT seq, price FROM trades WHERE pair = ? ORDER BY seq DESC LIMIT 1"

#: (seq, pair, price, amount, quote spent, at_us), as the trade table holds them.
TradeRow = tuple[int, str, int, int, int, int]


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
        self.trades: deque[tuple[int, int, int, int]] = deque()  # (at_us, price, amount, spent)
        self.sum_price = self.sum_amount = self.sum_spent = self.count = 0
        self.highs: deque[tuple[int, int]] = deque()  # (at_us, price), prices falling from the head
        self.lows: deque[tuple[int, int]] = deque()  # (at_us, price), prices rising from the head
        self.last = 0

    def add(self, at_us: int, price: int, amount: int, spent: int) -> None:
        self.trades.append((at_us, price, amount, spent))
        self.sum_price += price
        self.sum_amount += amount
        self.sum_spent += spent
        self.count += 1
        while self.highs and self.highs[-1][1] <= price:
            self.highs.pop()
        self.highs.append((at_us, price))
        while self.lows and self.lows[-1][1] >= price:
            self.lows.pop()
        self.lows.append((at_us, price))
        self.last = price

    def expire(self, cutoff: int) -> None:
        """Drop the trades before `cutoff` (Unix microseconds)."""
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
        #: Every trade written up to this one (its `seq`) is in the windows.
        self.seq_high = 0
        #: The last trade of any pair: (seq, price, pair), for the ticker's `last_orig`.
        self.last_any: tuple[int, int, str] | None = None
        self.loaded = False

    def load(self, tx: Tx) -> None:
        """Fill the windows from the trade table: the last 24 hours, and each pair's last trade."""
        self._windows = {code: _Window() for code in self._windows}
        self.seq_high, self.last_any = 0, None
        cutoff = tx.now_us - DAY_US
        for code, window in self._windows.items():
            for r in tx.conn.execute(_RECENT, (code, cutoff)).fetchall():
                window.add(int(r[5]), int(r[2]), int(r[3]), int(r[4]))
            row = tx.one(_LAST_OF_PAIR, (code,))
            if row is not None:
                window.last = int(row[1])
                if self.last_any is None or int(row[0]) > self.last_any[0]:
                    self.last_any = (int(row[0]), int(row[1]), code)
        top = tx.scalar("SELECT MAX(seq) FROM trades")
        self.seq_high = int(top or 0)
        self.loaded = True

    def unfolded(self, tx: Tx) -> list[TradeRow]:
        """The trade rows above `seq_high`, as `tx` sees them (its own uncommitted ones included)."""
        return [
            (int(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]))
            for r in tx.conn.execute(_UNFOLDED, (self.seq_high,)).fetchall()
        ]

    def fold(self, rows: Iterable[TradeRow]) -> None:
        """Keep committed trade rows, in the order they were written, in the windows."""
        for seq, pair, price, amount, spent, at_us in rows:
            if seq <= self.seq_high:
                continue  # folded already (a read and a commit can both hand in the same row)
            window = self._windows.get(pair)
            if window is not None:
                window.add(at_us, price, amount, spent)
            self.seq_high = seq
            self.last_any = (seq, price, pair)

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
        return _combine(window, [r for r in rows if r[1] == pair and r[5] >= cutoff], base_divisor)

    def committed(self, pair: str, base_divisor: int, now_us: int) -> Figures:
        """The pair's figures from committed trades alone (for what is said after a commit)."""
        window = self._windows[pair]
        window.expire(now_us - DAY_US)
        return _combine(window, (), base_divisor)

    def begin(self, tx: Tx) -> None:
        """A write transaction starts (the server's worker calls this and `before_commit`)."""

    def before_commit(self, tx: Tx) -> Callable[[], None] | None:
        """Read what the transaction traded; what to run once it has committed: keep it. (Trades
        another process wrote are folded by the next read that sees them.)"""
        if not tx.traded:
            return None
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
    for _, _, price, amount, cost, _ in extra:
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
