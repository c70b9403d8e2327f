"""A market maker, so the book is never empty: a ladder of bids and asks around a price.

`seed()` (the `seed-market` command) makes the `market-maker` account (no fee) when missing,
deposits what its ladder needs, and places `levels` asks above and `levels` bids below the
reference price, `step` apart (0.5 %), `size` BTC each. On a pair that never traded, it first
trades 0.01 BTC with itself at the reference price, so the ticker has a last price.
`serve --market-maker` re-quotes every few seconds around the last price (server/background.py):
orders taken by clients come back, so a bot always finds liquidity.

`quote_around()` is the replay's book (core/replay.py): the same ladder around the recorded
tape's last price, placed so that it never crosses another account's order (users' orders
fill from the tape, not from the ladder moving through them), re-placed only once the tape
has left it.

Reference prices are rough BTC prices of mid-2013 in each currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from . import book, ledger
from .db import Tx
from .engine import ceil_div
from .exchange import Exchange

LOGIN = "market-maker"
REFERENCE_PRICES: dict[str, Decimal] = {
    "USD": Decimal("100"),
    "EUR": Decimal("75"),
    "GBP": Decimal("65"),
    "JPY": Decimal("10000"),
    "AUD": Decimal("105"),
    "CAD": Decimal("105"),
    "CHF": Decimal("93"),
    "CNY": Decimal("610"),
    "CZK": Decimal("2000"),
    "DKK": Decimal("560"),
    "HKD": Decimal("775"),
    "NOK": Decimal("590"),
    "NZD": Decimal("120"),
    "PLN": Decimal("320"),
    "RUB": Decimal("3300"),
    "SEK": Decimal("650"),
    "SGD": Decimal("125"),
    "THB": Decimal("3000"),
}


@dataclass(frozen=True)
class Ladder:
    levels: int = 10
    step: Decimal = Decimal("0.005")
    size: Decimal = Decimal("1")


DEFAULT_LADDER = Ladder()


def market_maker_account(tx: Tx) -> int:
    account_id = ledger.account_by_login(tx, LOGIN)
    if account_id is None:
        creds = ledger.create_account(tx, LOGIN, rights=ledger.DEFAULT_RIGHTS, fee_ppm=0, kind="market_maker")
        account_id = creds.account_id
    return account_id


def _top_up(tx: Tx, account_id: int, currency: str, needed: int) -> None:
    short = needed - ledger.available(tx, account_id, currency)
    if short > 0:
        ledger.deposit(tx, account_id, currency, short, "Market maker funding")


def _intact(tx: Tx, account_id: int, pair_code: str, ladder: Ladder) -> bool:
    """The ladder is whole (nothing taken) and still centred on the pair's last price."""
    untouched = tx.scalar(
        "SELECT COUNT(*) FROM orders WHERE account_id = ? AND pair = ? AND status = 'open' AND remaining = amount",
        (account_id, pair_code),
    )
    last = tx.scalar("SELECT price FROM trades WHERE pair = ? ORDER BY seq DESC LIMIT 1", (pair_code,))
    centre = tx.scalar("SELECT value FROM meta WHERE key = ?", (f"market_maker:{pair_code}",))
    return untouched == 2 * ladder.levels and last is not None and str(last) == centre


def quote_pair(tx: Tx, ex: Exchange, pair_code: str, ladder: Ladder = DEFAULT_LADDER, *, force: bool = True) -> int:
    """Replace the market maker's orders on one pair by a fresh ladder; returns the orders placed.

    Without `force`, a ladder still whole and centred on the last price is left alone, so an
    idle exchange does not write every few seconds.
    """
    pair = ex.pairs[pair_code]
    account_id = market_maker_account(tx)
    if not force and _intact(tx, account_id, pair_code, ladder):
        return 0
    for row in tx.all(
        "SELECT oid FROM orders WHERE account_id = ? AND pair = ? AND status IN ('open', 'invalid')",
        (account_id, pair_code),
    ):
        ex.engine.cancel(tx, account_id, row[0])
    base_div = ex.money[pair.base].divisor
    quote_div = ex.money[pair.quote].divisor
    last = tx.scalar("SELECT price FROM trades WHERE pair = ? ORDER BY seq DESC LIMIT 1", (pair_code,))
    if last is None:
        reference = int(REFERENCE_PRICES.get(pair.quote, Decimal("100")) * quote_div)
        seed = base_div // 100
        _top_up(tx, account_id, pair.base, seed)
        _top_up(tx, account_id, pair.quote, ceil_div(seed * reference, base_div))
        ex.engine.place(tx, account_id, pair_code, "ask", seed, reference)
        ex.engine.place(tx, account_id, pair_code, "bid", seed, reference)
    else:
        reference = int(last)
    size = int(ladder.size * base_div)
    asks = [int(reference * (1 + ladder.step * k)) for k in range(1, ladder.levels + 1)]
    bids = [max(1, int(reference * (1 - ladder.step * k))) for k in range(1, ladder.levels + 1)]
    _top_up(tx, account_id, pair.base, size * len(asks))
    _top_up(tx, account_id, pair.quote, sum(ceil_div(size * p, base_div) for p in bids))
    for price in asks:
        ex.engine.place(tx, account_id, pair_code, "ask", size, price)
    for price in bids:
        ex.engine.place(tx, account_id, pair_code, "bid", size, price)
    tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (f"market_maker:{pair_code}", str(reference)))
    return len(asks) + len(bids)


def seed(tx: Tx, ex: Exchange, pairs: Iterable[str], ladder: Ladder = DEFAULT_LADDER, *, force: bool = True) -> int:
    return sum(quote_pair(tx, ex, code, ladder, force=force) for code in pairs)


def _ladder_brackets(tx: Tx, account_id: int, pair_code: str, centre: int, ladder: Ladder) -> bool:
    """The market maker's ladder is whole and its best bid and ask still lie either side of `centre`."""
    row = tx.one(
        "SELECT COUNT(*), MAX(CASE WHEN side = 'bid' THEN price END), MIN(CASE WHEN side = 'ask' THEN price END)"
        " FROM orders WHERE account_id = ? AND pair = ? AND status = 'open' AND remaining = amount",
        (account_id, pair_code),
    )
    if row is None or row[0] != 2 * ladder.levels or row[1] is None or row[2] is None:
        return False
    return int(row[1]) < centre < int(row[2])


def quote_around(tx: Tx, ex: Exchange, pair_code: str, centre: int, ladder: Ladder = DEFAULT_LADDER) -> int:
    """A ladder around `centre` that crosses no other account's order (module docstring), unless
    the one in place still brackets it; returns the orders placed."""
    pair = ex.pairs[pair_code]
    account_id = market_maker_account(tx)
    if _ladder_brackets(tx, account_id, pair_code, centre, ladder):
        return 0
    for row in tx.all(
        "SELECT oid FROM orders WHERE account_id = ? AND pair = ? AND status IN ('open', 'invalid')",
        (account_id, pair_code),
    ):
        ex.engine.cancel(tx, account_id, row[0])
    best_bid = book.best(tx, pair_code, "bid")
    best_ask = book.best(tx, pair_code, "ask")
    base_div = ex.money[pair.base].divisor
    size = int(ladder.size * base_div)
    asks = [max(int(centre * (1 + ladder.step * k)), best_bid + 1) for k in range(1, ladder.levels + 1)]
    bids = [int(centre * (1 - ladder.step * k)) for k in range(1, ladder.levels + 1)]
    if best_ask:
        bids = [min(price, best_ask - 1) for price in bids]
    bids = [price for price in bids if price > 0]
    _top_up(tx, account_id, pair.base, size * len(asks))
    _top_up(tx, account_id, pair.quote, sum(ceil_div(size * p, base_div) for p in bids))
    for price in asks:
        ex.engine.place(tx, account_id, pair_code, "ask", size, price)
    for price in bids:
        ex.engine.place(tx, account_id, pair_code, "bid", size, price)
    return len(asks) + len(bids)


def fund_for(tx: Tx, currency: str, needed: int) -> int:
    """Make sure the market maker holds `needed` of `currency` free (depositing what it lacks); its account id."""
    account_id = market_maker_account(tx)
    _top_up(tx, account_id, currency, needed)
    return account_id
