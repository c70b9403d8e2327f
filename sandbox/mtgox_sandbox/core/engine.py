"""The matching engine: one order book per pair, price-time priority, fees, reservations.

Rules (each a decision where the sources are silent; docs/sandbox.md repeats them):

- Amounts are integers: BTC in satoshi, prices in the quote currency's units (1e-5 USD).
  The quote amount of a fill is `amount * price // 1e8`, truncated (at most one unit, in
  the buyer's favour); buyer and seller see the same figure, so nothing is created or lost.
- An order must be at least 0.01 BTC ("Order amount is too low").
- A limit order first takes what crosses it (best price first, then oldest), at the resting
  order's price; what is left rests in the book, its funds held (`reserved`): the BTC for an
  ask, `ceil(remaining * price / 1e8)` of the quote currency for a bid, re-computed after each
  fill so a fill at a better price frees the difference at once.
- A market order (no price) takes what the book holds now; a remainder the book cannot fill is
  dropped (status `done`), never left resting without a price.
- Funds: an order the account cannot cover when it arrives is accepted but `invalid`, as
  Mt. Gox did (v1 status "invalid", v0 status 2): listed in the open orders, never matched,
  holding nothing, cancellable. A market bid is covered when the account can pay for
  everything the book would fill now. Withdrawals, by contrast, are refused with
  `insufficient_funds`.
- Fees: each account's `Trade_Fee` percentage (default 0.6 %) of what it receives, charged in
  that currency (BTC for a buyer, the quote currency for a seller), rounded half up, paid to
  the exchange's fee account. Fee history rows end in "(0.6% fee)".
- What the owner sees (`user_order`) follows Mt. Gox's progression: `pending` (queued),
  `executing` (the engine runs it), its fills, then `post-pending` and `open` when a remainder
  rests, or `completed_active` when nothing is left; an unfunded order goes `pending` ->
  `invalid`.
- Self-trades are allowed (one account on both sides) and conserve balances like any other.
- Trade ids (tid), order priorities and depth stamps are strictly increasing microsecond stamps.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from decimal import Decimal

from mtgox_catalogue.model import Pair

from . import events as ev
from . import ledger
from .amounts import MAX_UNITS as MAX_AMOUNT
from .amounts import PPM
from .db import Tx
from .errors import SandboxError, order_not_found, order_too_small
from .money import MoneyFormat

Side = str  # "bid" | "ask"


def fee_text(ppm: int) -> str:
    """6000 -> "0.6", 6500 -> "0.65", 10000 -> "1"."""
    return format((Decimal(ppm) / 10000).normalize(), "f")


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def round_div(a: int, b: int) -> int:
    """a / b rounded half up, for a, b >= 0."""
    return (2 * a + b) // (2 * b)


_LEVEL_TOTAL = (
    "SELECT COALESCE(SUM(remaining), 0) FROM orders WHERE pair = ? AND side = ? AND price = ? AND status = 'open'"
)
_COLUMNS = "SELECT oid, account_id, price, amount, remaining, reserved, kind, priority FROM orders"
#: (taker side, has a limit price) -> the query of the best resting order it can meet.
_BEST = {
    ("bid", True): _COLUMNS + " WHERE pair = ? AND side = 'ask' AND status = 'open' AND price <= ?"
    " ORDER BY price, priority LIMIT 1",
    ("bid", False): _COLUMNS + " WHERE pair = ? AND side = 'ask' AND status = 'open' ORDER BY price, priority LIMIT 1",
    ("ask", True): _COLUMNS + " WHERE pair = ? AND side = 'bid' AND status = 'open' AND price >= ?"
    " ORDER BY price DESC, priority LIMIT 1",
    ("ask", False): _COLUMNS + " WHERE pair = ? AND side = 'bid' AND status = 'open'"
    " ORDER BY price DESC, priority LIMIT 1",
}
#: A print's taker side -> the best resting order of another account it reached (price, account).
_THROUGH = {
    "bid": _COLUMNS + " WHERE pair = ? AND side = 'ask' AND status = 'open' AND price <= ? AND account_id != ?"
    " ORDER BY price, priority LIMIT 1",
    "ask": _COLUMNS + " WHERE pair = ? AND side = 'bid' AND status = 'open' AND price >= ? AND account_id != ?"
    " ORDER BY price DESC, priority LIMIT 1",
}
#: The same, every resting order in turn (for quotes).
_WALK = {
    ("bid", True): "SELECT price, remaining FROM orders WHERE pair = ? AND side = 'ask' AND status = 'open'"
    " AND price <= ? ORDER BY price, priority",
    ("bid", False): "SELECT price, remaining FROM orders WHERE pair = ? AND side = 'ask' AND status = 'open'"
    " ORDER BY price, priority",
    ("ask", True): "SELECT price, remaining FROM orders WHERE pair = ? AND side = 'bid' AND status = 'open'"
    " AND price >= ? ORDER BY price DESC, priority",
    ("ask", False): "SELECT price, remaining FROM orders WHERE pair = ? AND side = 'bid' AND status = 'open'"
    " ORDER BY price DESC, priority",
}


@dataclass
class Order:
    oid: str
    account_id: int
    pair: str
    side: Side
    kind: str  # "limit" | "market"
    price: int | None
    amount: int
    remaining: int
    reserved: int
    reserve_currency: str
    status: str
    priority: int


@dataclass(frozen=True)
class Placed:
    """What became of a new order."""

    oid: str
    status: str  # open | invalid | filled | done
    amount: int
    filled: int
    trades: int

    @property
    def remaining(self) -> int:
        return self.amount - self.filled


class Engine:
    def __init__(self, money: MoneyFormat, pairs: dict[str, Pair], minimum_amount: Decimal = Decimal("0.01")) -> None:
        self.money = money
        self.pairs = pairs
        self._base_divisor = {code: money[p.base].divisor for code, p in pairs.items()}
        self._minimum = {code: int(minimum_amount * money[p.base].divisor) for code, p in pairs.items()}
        self._fees: dict[int, int] = {}
        #: Orders sent to the queue so far (a lagging engine), for whoever waits on them.
        self.queued = 0

    # -- placing -----------------------------------------------------------------------------

    def place(self, tx: Tx, account_id: int, pair_code: str, side: Side, amount: int, price: int | None) -> Placed:
        """Take an order: it runs at once, or, while the engine lags (`tx.order_delay_us`), waits
        `pending` in its queue until `run_queue` reaches its time."""
        pair = self.pairs[pair_code]
        if side not in ("bid", "ask"):
            raise SandboxError('Invalid parameter "type" (should be ask or bid)', "invalid_parameter")
        if amount < self._minimum[pair_code]:
            raise order_too_small()
        if price is not None and price <= 0:
            raise SandboxError('Invalid parameter "price_int"', "invalid_parameter")
        divisor = self._base_divisor[pair_code]
        if amount > MAX_AMOUNT:
            raise SandboxError('Invalid parameter "amount_int"', "invalid_parameter")
        if price is not None and amount * price // divisor > MAX_AMOUNT:
            raise SandboxError('Invalid parameter "price_int"', "invalid_parameter")
        priority = tx.stamp()
        order = Order(
            oid=str(uuid.uuid4()),
            account_id=account_id,
            pair=pair_code,
            side=side,
            kind="market" if price is None else "limit",
            price=price,
            amount=amount,
            remaining=amount,
            reserved=0,
            reserve_currency=pair.quote if side == "bid" else pair.base,
            status="pending",
            priority=priority,
        )
        due_us = priority + tx.order_delay_us if tx.order_delay_us > 0 else None
        tx.execute(
            "INSERT INTO orders (oid, account_id, pair, side, kind, price, amount, remaining, reserved,"
            " reserve_currency, status, priority, created, updated_us, due_us)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 'pending', ?, ?, ?, ?)",
            (
                order.oid,
                account_id,
                pair_code,
                side,
                order.kind,
                price,
                amount,
                amount,
                order.reserve_currency,
                priority,
                tx.now,
                priority,
                due_us,
            ),
        )
        if tx.events is not None:
            tx.events.append(_state(order, "pending", tx.now))
        if due_us is not None:
            self.queued += 1
            return Placed(order.oid, "pending", amount, 0, 0)
        return self._execute(tx, order, pair)

    def run_queue(self, tx: Tx, until_us: int) -> int:
        """Run the queued orders whose time has come by `until_us`, oldest first; how many ran."""
        rows = tx.all(
            "SELECT oid, account_id, pair, side, kind, price, amount, priority FROM orders"
            " WHERE status = 'pending' AND due_us <= ? ORDER BY due_us, priority",
            (until_us,),
        )
        for row in rows:
            pair = self.pairs[row["pair"]]
            side = str(row["side"])
            order = Order(
                oid=row["oid"],
                account_id=int(row["account_id"]),
                pair=pair.code,
                side=side,
                kind=row["kind"],
                price=None if row["price"] is None else int(row["price"]),
                amount=int(row["amount"]),
                remaining=int(row["amount"]),
                reserved=0,
                reserve_currency=pair.quote if side == "bid" else pair.base,
                status="pending",
                priority=int(row["priority"]),
            )
            self._execute(tx, order, pair)
        return len(rows)

    def next_due(self, tx: Tx) -> int | None:
        """When the oldest queued order is due (None: the queue is empty)."""
        value = tx.scalar("SELECT MIN(due_us) FROM orders WHERE status = 'pending'")
        return None if value is None else int(value)

    def queue(self, tx: Tx) -> tuple[int, int]:
        """(how long the oldest queued order has waited in microseconds, how many wait)."""
        row = tx.one("SELECT MIN(priority), COUNT(*) FROM orders WHERE status = 'pending'")
        if row is None or not row[1]:
            return 0, 0
        return max(0, tx.now_us - int(row[0])), int(row[1])

    def _execute(self, tx: Tx, order: Order, pair: Pair) -> Placed:
        """The engine takes an order off its queue: it is covered (or `invalid`), matched, and rests."""
        events = tx.events
        if events is not None:
            events.append(ev.OrderQueued(str(uuid.uuid4()), order.priority, max(0, tx.stamp() - order.priority)))
        side, amount, price = order.side, order.amount, order.price
        if side == "ask":
            needed = amount
        elif price is not None:
            needed = ceil_div(amount * price, self._base_divisor[order.pair])
        else:
            needed = self.quote(tx, order.pair, "bid", amount, None)
        if ledger.available(tx, order.account_id, order.reserve_currency) < needed:
            order.status = "invalid"
            tx.execute("UPDATE orders SET status = 'invalid', due_us = NULL WHERE oid = ?", (order.oid,))
            if events is not None:
                events.append(_state(order, "invalid", tx.now))
            return Placed(order.oid, "invalid", amount, 0, 0)
        order.status, order.reserved = "open", needed
        ledger.reserve(tx, order.account_id, order.reserve_currency, needed)
        if events is not None:
            events.append(_state(order, "executing", tx.now))
        trades = self._match(tx, order, pair)
        if order.remaining == 0:
            order.status = "filled"
        elif order.kind == "market":
            order.status = "done"
        if order.status != "open" and order.reserved:
            ledger.reserve(tx, order.account_id, order.reserve_currency, -order.reserved)
            order.reserved = 0
        stamp = tx.stamp()
        tx.execute(
            "UPDATE orders SET remaining = ?, reserved = ?, status = ?, updated_us = ?, due_us = NULL WHERE oid = ?",
            (order.remaining, order.reserved, order.status, stamp, order.oid),
        )
        if events is not None:
            if order.status == "open":
                assert price is not None
                # the stamp the level now has in a full depth snapshot, as a fill's or a cancel's
                # depth message carries, so a client merging the two can tell what it already has
                events.append(self._level(tx, order.pair, side, price, order.remaining, stamp))
                events.append(_state(order, "post-pending", tx.now))
                events.append(_state(order, "open", tx.now))
            else:
                events.append(ev.OrderGone(order.account_id, order.oid, "completed_active"))
        return Placed(order.oid, order.status, amount, amount - order.remaining, trades)

    def _best(self, tx: Tx, order: Order) -> sqlite3.Row | None:
        """The resting order a taker meets first: best price, then oldest."""
        sql = _BEST[(order.side, order.price is not None)]
        params = (order.pair, order.price) if order.price is not None else (order.pair,)
        return tx.one(sql, params)

    def _match(self, tx: Tx, taker: Order, pair: Pair) -> int:
        trades = 0
        while taker.remaining > 0:
            row = self._best(tx, taker)
            if row is None:
                break
            self._fill(tx, taker, row, min(taker.remaining, int(row["remaining"])), pair)
            trades += 1
        return trades

    def _fill(self, tx: Tx, taker: Order, row: sqlite3.Row, fill: int, pair: Pair) -> int:
        """`fill` of the resting order `row` taken by `taker`, at the resting order's price: the
        trade, both ledgers, the resting order's row and what its owner and the book are told."""
        other_side = "ask" if taker.side == "bid" else "bid"
        maker = Order(
            oid=row["oid"],
            account_id=int(row["account_id"]),
            pair=taker.pair,
            side=other_side,
            kind=row["kind"],
            price=int(row["price"]),
            amount=int(row["amount"]),
            remaining=int(row["remaining"]),
            reserved=int(row["reserved"]),
            reserve_currency=pair.quote if other_side == "bid" else pair.base,
            status="open",
            priority=int(row["priority"]),
        )
        assert maker.price is not None
        tid = self._trade(tx, taker, maker, fill, maker.price, pair)
        tx.execute(
            "UPDATE orders SET remaining = ?, reserved = ?, status = ?, updated_us = ? WHERE oid = ?",
            (maker.remaining, maker.reserved, "open" if maker.remaining else "filled", tid, maker.oid),
        )
        if tx.events is not None:
            # The trade's zero-delta depth message for the level it consumed, then the owner's order.
            tx.events.append(self._level(tx, maker.pair, maker.side, maker.price, 0, tid))
            if maker.remaining:
                tx.events.append(_state(maker, "open", tx.now))
            else:
                tx.events.append(ev.OrderGone(maker.account_id, maker.oid, "completed_passive"))
        return tid

    def take_through(self, tx: Tx, account_id: int, pair_code: str, side: Side, price: int, amount: int) -> int:
        """The other accounts' resting orders a print at `price` reached (asks at or below it when
        `side` is bid, bids at or above it when ask), best price first, then oldest, taken by
        `account_id` at their own prices, up to `amount`; returns how many fills that made.

        The replay's fill model (core/replay.py): the account is the replay's market maker,
        which must hold the funds (its reservation is made and released here)."""
        pair = self.pairs[pair_code]
        taker = Order(
            oid=str(uuid.uuid4()),
            account_id=account_id,
            pair=pair_code,
            side=side,
            kind="limit",
            price=price,
            amount=amount,
            remaining=amount,
            reserved=0,
            reserve_currency=pair.quote if side == "bid" else pair.base,
            status="open",
            priority=0,
        )
        query = _THROUGH[side]
        fills = 0
        while taker.remaining > 0:
            row = tx.one(query, (pair_code, price, account_id))
            if row is None:
                break
            fill = min(taker.remaining, int(row["remaining"]))
            # what this fill spends of the taker's funds, held just for it
            taker.reserved = (
                ceil_div(fill * int(row["price"]), self._base_divisor[pair_code]) if side == "bid" else fill
            )
            ledger.reserve(tx, account_id, taker.reserve_currency, taker.reserved)
            taker.price = int(row["price"])
            taker.remaining = fill
            self._fill(tx, taker, row, fill, pair)
            if taker.reserved:
                ledger.reserve(tx, account_id, taker.reserve_currency, -taker.reserved)
            amount -= fill
            taker.remaining = amount
            fills += 1
        return fills

    @staticmethod
    def _level(tx: Tx, pair: str, side: Side, price: int, delta: int, stamp: int | None = None) -> ev.DepthChange:
        total = int(tx.scalar(_LEVEL_TOTAL, (pair, side, price)))
        return ev.DepthChange(pair, side, price, delta, total, stamp or tx.stamp())

    def _fee_ppm(self, tx: Tx, account_id: int) -> int:
        """An account's fee (fixed when the account is made, so it is cached)."""
        ppm = self._fees.get(account_id)
        if ppm is None:
            ppm = int(tx.scalar("SELECT trade_fee_ppm FROM accounts WHERE id = ?", (account_id,)) or 0)
            self._fees[account_id] = ppm
        return ppm

    def _trade(self, tx: Tx, taker: Order, maker: Order, fill: int, price: int, pair: Pair) -> int:
        bid, ask = (taker, maker) if taker.side == "bid" else (maker, taker)
        divisor = self._base_divisor[taker.pair]
        base, quote = pair.base, pair.quote
        spent = fill * price // divisor
        tid = tx.stamp()
        tx.traded = True
        bid_ppm, ask_ppm = self._fee_ppm(tx, bid.account_id), self._fee_ppm(tx, ask.account_id)
        bid_fee = round_div(fill * bid_ppm, PPM)
        ask_fee = round_div(spent * ask_ppm, PPM)
        tx.execute(
            "INSERT INTO trades (tid, pair, price, amount, spent, date, at_us, trade_type, properties, bid_oid,"
            " ask_oid, bid_account, ask_account, bid_fee, ask_fee)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                tid,
                taker.pair,
                price,
                fill,
                spent,
                tx.now,
                tx.now_us,
                taker.side,
                taker.kind,
                bid.oid,
                ask.oid,
                bid.account_id,
                ask.account_id,
                bid_fee,
                ask_fee,
            ),
        )
        what = f"[tid:{tid}] {self.money.text(fill, base)} at {self.money.text(price, quote)}"
        link = ("Money_Trade", str(tid))

        # The seller: BTC out of the held funds, the quote currency in, its fee out.
        sold = f"{base} sold: {what}"
        ask_trade = ledger.Trade(ask.oid, tid, fill, taker.kind)
        ledger.post(tx, ask.account_id, base, -fill, "out", sold, link, ask_trade, reserved_delta=-fill)
        ask.reserved -= fill
        ask.remaining -= fill
        ledger.post(tx, ask.account_id, quote, spent, "earned", sold, link, ask_trade)
        if ask_fee:
            ledger.post(
                tx, ask.account_id, quote, -ask_fee, "fee", f"{sold} ({fee_text(ask_ppm)}% fee)", link, ask_trade
            )
            ledger.credit_fee(tx, quote, ask_fee)

        # The buyer: BTC in, the quote currency out of the held funds, its fee out (the order
        # Mt. Gox's wallet messages came in: in, spent, fee).
        bought = f"{base} bought: {what}"
        bid_trade = ledger.Trade(bid.oid, tid, fill, taker.kind)
        bid.remaining -= fill
        if bid.kind == "limit" and bid.price is not None:
            held = ceil_div(bid.remaining * bid.price, divisor)
        else:
            held = max(0, bid.reserved - spent)
        ledger.post(tx, bid.account_id, base, fill, "in", bought, link, bid_trade)
        ledger.post(
            tx, bid.account_id, quote, -spent, "spent", bought, link, bid_trade, reserved_delta=held - bid.reserved
        )
        bid.reserved = held
        if bid_fee:
            ledger.post(
                tx, bid.account_id, base, -bid_fee, "fee", f"{bought} ({fee_text(bid_ppm)}% fee)", link, bid_trade
            )
            ledger.credit_fee(tx, base, bid_fee)
        if tx.events is not None:
            accounts = tuple(dict.fromkeys((bid.account_id, ask.account_id)))
            tx.events.append(ev.TradeDone(taker.pair, tid, tx.now, price, fill, taker.side, taker.kind, accounts))
        return tid

    # -- cancelling, quoting -----------------------------------------------------------------

    def cancel(self, tx: Tx, account_id: int, oid: str) -> sqlite3.Row:
        """Cancel a queued, open or invalid order of this account; `Order not found` otherwise."""
        row = tx.one(
            "SELECT * FROM orders WHERE oid = ? AND account_id = ? AND status IN ('pending', 'open', 'invalid')",
            (oid, account_id),
        )
        if row is None:
            raise order_not_found()
        ledger.reserve(tx, account_id, row["reserve_currency"], -int(row["reserved"]))
        stamp = tx.stamp()
        tx.execute(
            "UPDATE orders SET status = 'cancelled', reserved = 0, updated_us = ?, due_us = NULL WHERE oid = ?",
            (stamp, oid),
        )
        if tx.events is not None:
            if row["status"] == "open":
                remaining = int(row["remaining"])
                tx.events.append(self._level(tx, row["pair"], row["side"], int(row["price"]), -remaining, stamp))
            tx.events.append(ev.OrderGone(account_id, oid, "requested"))
        return row

    def quote(self, tx: Tx, pair_code: str, side: Side, amount: int, price: int | None) -> int:
        """What `amount` would cost (bid) or fetch (ask) against the book now, in quote units."""
        divisor = self._base_divisor[pair_code]
        sql = _WALK[(side, price is not None)]
        params = (pair_code, price) if price is not None else (pair_code,)
        total = 0
        left = amount
        for row in tx.execute(sql, params):
            fill = min(left, int(row[1]))
            total += fill * int(row[0]) // divisor
            left -= fill
            if left == 0:
                break
        return total


def _state(order: Order, status: str, date: int) -> ev.OrderState:
    return ev.OrderState(
        order.account_id,
        order.oid,
        order.pair,
        order.side,
        order.kind,
        order.price,
        order.remaining,
        status,
        order.priority,
        date,
    )
