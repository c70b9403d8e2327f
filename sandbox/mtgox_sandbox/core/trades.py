"""The public trade list, read a page at a time.

A page is bounded however long the history: the newest trades of the last 24 hours when no
`since` is given, else those after the trade id `since` (up to 24 hours' worth from the first,
as Mt. Gox answered). Clients walk the history by passing the last tid they got.
"""

from __future__ import annotations

import sqlite3

from .db import Tx
from .ticker import DAY_US

DAY_S = DAY_US // 1_000_000
_COLUMNS = "SELECT tid, date, price, amount, trade_type, properties FROM trades WHERE pair = ?"
_NEWEST = _COLUMNS + " AND at_us >= ? ORDER BY tid DESC LIMIT ?"
_FIRST_SINCE = "SELECT MIN(at_us) FROM trades WHERE pair = ? AND at_us >= ?"
_LAST = "SELECT MAX(seq) FROM trades WHERE pair = ?"
_AFTER = _COLUMNS + " AND tid > ? ORDER BY tid LIMIT ?"


def newest(tx: Tx, pair: str, limit: int) -> list[sqlite3.Row]:
    """At most `limit` trades of the last 24 hours, the newest ones, oldest first."""
    rows = tx.all(_NEWEST, (pair, tx.now_us - DAY_US, limit))
    rows.reverse()
    return rows


def newest_bounds(tx: Tx, pair: str) -> tuple[int, int]:
    """What `newest` answers depends on these alone: the time of the first trade of the last 24
    hours (it changes when a trade leaves the window) and the last trade written (`seq` only
    grows; a replayed tid need not), so an answer made from them can be kept while they stay."""
    first = tx.scalar(_FIRST_SINCE, (pair, tx.now_us - DAY_US))
    last = tx.scalar(_LAST, (pair,))
    return int(first or 0), int(last or 0)


def after(tx: Tx, pair: str, since: int, limit: int, *, within_day: bool) -> list[sqlite3.Row]:
    """At most `limit` trades after the trade id `since`, oldest first; with `within_day`, only
    those less than 24 hours after the first of them."""
    rows = tx.all(_AFTER, (pair, since, limit))
    if within_day and rows:
        end = int(rows[0]["date"]) + DAY_S
        rows = [r for r in rows if int(r["date"]) < end]
    return rows
