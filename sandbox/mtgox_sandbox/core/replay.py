"""A recording (core/tape.py) printed on the exchange, trade by trade, as if live.

Each recorded trade goes in the trade table like any trade, at its recorded time, price,
amount and side, with its recorded tid when the file has one (else a stamp of its time), so
the ticker's 24-hour windows, every version's trade lists, the stream's `trade` and `ticker`
messages and the dashboard see it. A recorded trade moves nobody's money: it happened between
people of 2013.

The fill model (docs/sandbox.md):
- a user's resting order fills when a recorded trade prints at or through its price (a bid at
  or above the print, an ask at or below it), up to that trade's amount, best price first,
  then oldest; at the order's own price, against the replay's market maker, with fees and
  wallet history as any fill. Each such fill is a trade of its own, printed right after the
  recorded one (the recorded trade itself stays as recorded);
- the market maker's ladder (core/marketmaker.py `quote_around`) is the book around the
  tape: re-placed around the last print once the tape leaves it, never across a user's order;
  a marketable order fills against it like any order.

Printing happens in a transaction the server's scenario runs (server/scenario.py), which moves
the transaction's time to each trade's as it prints it (fills and history carry that time),
and, when the trade engine lags, runs the orders whose time comes first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import events as ev
from . import marketmaker
from .db import Tx
from .engine import ceil_div
from .exchange import Exchange
from .marketmaker import DEFAULT_LADDER, Ladder
from .tape import Tape

#: The `meta` row that says which recording is being replayed, and how far it got.
REPLAY_ROW = "replay"

_REACHED = "SELECT 1 FROM orders WHERE pair = ? AND status = 'open' AND account_id != ? AND "
#: A user's bid at or above a print, a user's ask at or below it.
_USER_BID = _REACHED + "side = 'bid' AND price >= ? LIMIT 1"
_USER_ASK = _REACHED + "side = 'ask' AND price <= ? LIMIT 1"


class ReplayError(ValueError):
    """A replay that cannot start here (the message says why)."""


@dataclass
class Printed:
    """What one transaction of a replay did."""

    done: int  # the index of the next trade to print
    printed: int
    fills: int
    skipped: int
    last_us: int | None  # the time of the last trade printed


def check_start(tx: Tx, start_us: int) -> bool:
    """Whether starting a tape at `start_us` sets the exchange's time back (it may only on an
    exchange without orders or trades; ReplayError otherwise)."""
    if start_us >= tx.now_us:
        return False
    if tx.scalar("SELECT EXISTS (SELECT 1 FROM trades) OR EXISTS (SELECT 1 FROM orders)"):
        raise ReplayError(
            "this recording starts before the exchange's time, and the exchange already holds orders or trades:"
            " a replay sets the clock back only on an exchange without them (start it before any order)"
        )
    return True


def begin(tx: Tx, start_us: int, record: dict[str, Any]) -> None:
    """A replay starts at `start_us`: stamps start again just before it when that is earlier
    than the exchange's time (`check_start`), and `record` (file, pair, speed...) is kept."""
    if check_start(tx, start_us):
        tx.rewind_stamps(start_us - 1)
    save(tx, record)


def save(tx: Tx, record: dict[str, Any] | None) -> None:
    if record is None:
        tx.execute("DELETE FROM meta WHERE key = ?", (REPLAY_ROW,))
    else:
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (REPLAY_ROW, json.dumps(record)))


def saved(tx: Tx) -> dict[str, Any] | None:
    value = tx.scalar("SELECT value FROM meta WHERE key = ?", (REPLAY_ROW,))
    if value is None:
        return None
    try:
        record = json.loads(str(value))
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def print_until(
    tx: Tx,
    ex: Exchange,
    tape: Tape,
    start: int,
    until_us: int,
    *,
    limit: int,
    ladder: Ladder = DEFAULT_LADDER,
) -> Printed:
    """Print the tape's trades from index `start` up to the time `until_us` (at most `limit`),
    with the fills they make and, first, the queued orders due before each; then the book."""
    pair = tape.pair
    base_div = ex.money[pair.base].divisor
    engine = ex.engine
    end = min(tape.due(start, until_us), start + limit)
    printed = fills = skipped = 0
    last_us: int | None = None
    mm = marketmaker.market_maker_account(tx)
    next_due = engine.next_due(tx)
    try:
        for index in range(start, end):
            trade = tape[index]
            while next_due is not None and next_due <= trade.at_us:
                tx.set_time(next_due)
                engine.run_queue(tx, next_due)
                next_due = engine.next_due(tx)
            tx.set_time(trade.at_us)
            last_us = trade.at_us
            if trade.tid is None:
                tid = tx.stamp()
            elif tx.scalar("SELECT 1 FROM trades WHERE pair = ? AND tid = ?", (pair.code, trade.tid)):
                skipped += 1  # a trade with this tid printed already (the file holds it twice)
                continue
            else:
                tid = trade.tid
                tx.stamp_past(tid)
            tx.traded = True
            tx.execute(
                "INSERT INTO trades (tid, pair, price, amount, spent, date, at_us, trade_type, properties,"
                " bid_oid, ask_oid, bid_account, ask_account, bid_fee, ask_fee)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, 0, 0, 0)",
                (
                    tid,
                    pair.code,
                    trade.price,
                    trade.amount,
                    trade.amount * trade.price // base_div,
                    trade.date,
                    trade.at_us,
                    trade.side,
                    trade.properties,
                ),
            )
            printed += 1
            if tx.events is not None:
                tx.events.append(
                    ev.TradeDone(
                        pair.code, tid, trade.date, trade.price, trade.amount, trade.side, trade.properties, ()
                    )
                )
            # the users' resting orders the print reached: the market maker takes them
            if tx.one(_USER_BID, (pair.code, mm, trade.price)):
                marketmaker.fund_for(tx, pair.base, trade.amount)
                fills += engine.take_through(tx, mm, pair.code, "ask", trade.price, trade.amount)
            if tx.one(_USER_ASK, (pair.code, mm, trade.price)):
                marketmaker.fund_for(tx, pair.quote, ceil_div(trade.amount * trade.price, base_div))
                fills += engine.take_through(tx, mm, pair.code, "bid", trade.price, trade.amount)
        if end == tape.due(start, until_us):  # everything due is printed: the queue up to the end
            while next_due is not None and next_due <= until_us:
                tx.set_time(next_due)
                engine.run_queue(tx, next_due)
                next_due = engine.next_due(tx)
        if last_us is not None:  # the book around the tape's last print (not a fill it made)
            tx.set_time(last_us)
            marketmaker.quote_around(tx, ex, pair.code, tape[end - 1].price, ladder)
    finally:
        tx.set_time(None)
    return Printed(end, printed, fills, skipped, last_us)


def run_queue(tx: Tx, ex: Exchange, until_us: int) -> int:
    """The queued orders due by `until_us`, each at its own time (no replay running)."""
    ran = 0
    try:
        while (due := ex.engine.next_due(tx)) is not None and due <= until_us:
            tx.set_time(due)
            ran += ex.engine.run_queue(tx, due)
    finally:
        tx.set_time(None)
    return ran
