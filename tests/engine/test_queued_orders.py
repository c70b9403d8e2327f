"""A lagging trade engine: an order waits `pending` in the queue, holding nothing, until its time
(`priority + order_delay_us`); then the engine runs it like any other, oldest due first.

The clock stands still unless a test moves it (`At`): stamps are then one more than the one
before, so an order placed at priority `p` with a lag of `d` is due at `p + d`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mtgox_sandbox.core import events as ev
from mtgox_sandbox.core.db import Tx, transaction
from mtgox_sandbox.core.engine import Placed

from .venue import BTC, NOW, USD, Venue


class At:
    """The exchange's clock stopped at a given microsecond."""

    def __init__(self, now_us: int) -> None:
        self.us = now_us

    def now_us(self) -> int:
        return self.us


@contextmanager
def at(venue: Venue, now_us: int) -> Iterator[Tx]:
    with transaction(venue.conn, clock=At(now_us)) as tx:
        tx.events = []
        yield tx


def priority(venue: Venue, oid: str) -> int:
    return int(venue.conn.execute("SELECT priority FROM orders WHERE oid = ?", (oid,)).fetchone()[0])


def due(venue: Venue, oid: str) -> int | None:
    value = venue.conn.execute("SELECT due_us FROM orders WHERE oid = ?", (oid,)).fetchone()[0]
    return None if value is None else int(value)


def queue_order(venue: Venue, who: int, side: str, amount: int, price: int | None, lag_us: int) -> Placed:
    with venue.tx() as tx:
        tx.order_delay_us = lag_us
        return venue.engine.place(tx, who, "BTCUSD", side, amount, price)


def test_a_queued_order_waits_pending_holding_nothing(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    venue.place(seller, "ask", 40_000_000, 100 * USD)
    buyer = venue.account(usd=100 * USD)
    assert venue.engine.queued == 0
    with venue.tx(listen=True) as tx:
        tx.order_delay_us = 1  # the smallest lag still queues
        placed = venue.engine.place(tx, buyer, "BTCUSD", "bid", 10_000_000, 100 * USD)
        facts = list(tx.events or [])
    p = priority(venue, placed.oid)
    assert placed == Placed(placed.oid, "pending", 10_000_000, 0, 0)
    assert venue.engine.queued == 1
    assert facts == [
        ev.OrderState(buyer, placed.oid, "BTCUSD", "bid", "limit", 10_000_000, 10_000_000, "pending", p, NOW)
    ]
    assert venue.order(placed.oid) == ("pending", 10_000_000, 0)
    assert due(venue, placed.oid) == p + 1
    assert venue.wallet(buyer, "USD") == (100 * USD, 0)
    assert venue.trades() == []
    with venue.tx() as tx:
        assert venue.engine.next_due(tx) == p + 1
        # the still clock is behind the order's stamp: it has waited no time yet
        assert venue.engine.queue(tx) == (0, 1)
    with at(venue, p + 250) as tx:
        assert venue.engine.queue(tx) == (250, 1)
        assert venue.engine.run_queue(tx, p) == 0  # not due yet
    assert venue.order(placed.oid) == ("pending", 10_000_000, 0)


def test_a_queued_order_runs_when_due_and_trades_like_any_other(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    ask = venue.place(seller, "ask", 40_000_000, 100 * USD)
    buyer = venue.account(usd=100 * USD)
    bid = queue_order(venue, buyer, "bid", 10_000_000, 100 * USD, 1)
    p = priority(venue, bid.oid)
    with at(venue, p + 1_000) as tx:
        assert venue.engine.run_queue(tx, p + 1) == 1
        facts = list(tx.events or [])
        assert tx.traded is True
    # taken off the queue 1_000 us after it was placed; the trade is the next stamp
    queued = facts[0]
    assert isinstance(queued, ev.OrderQueued)
    assert (queued.stamp, queued.age_us) == (p, 1_000)
    assert [t["tid"] for t in venue.trades()] == [p + 1_001]
    assert venue.fills() == [(bid.oid, ask.oid, 10_000_000, 10_000_000, 1_000_000)]
    assert venue.order(bid.oid) == ("filled", 0, 0)
    assert due(venue, bid.oid) is None
    assert venue.order(ask.oid) == ("open", 30_000_000, 30_000_000)
    # 0.1 BTC at 100 USD: 10 USD spent, 0.6 % of the 0.1 BTC (60_000 satoshi) its fee
    assert venue.wallet(buyer, "USD") == (90 * USD, 0)
    assert venue.wallet(buyer, "BTC") == (9_940_000, 0)
    with venue.tx() as tx:
        assert venue.engine.next_due(tx) is None
        assert venue.engine.queue(tx) == (0, 0)
    assert venue.invariants() == []


def test_the_queue_runs_the_earliest_due_first_not_the_earliest_placed(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    ask = venue.place(seller, "ask", 10_000_000, 100 * USD)
    slow, fast = venue.account(usd=100 * USD), venue.account(usd=100 * USD)
    late = queue_order(venue, slow, "bid", 10_000_000, 100 * USD, 2_000_000)
    early = queue_order(venue, fast, "bid", 10_000_000, 100 * USD, 1)
    assert venue.engine.queued == 2
    with venue.tx() as tx:
        assert venue.engine.next_due(tx) == priority(venue, early.oid) + 1
        assert venue.engine.queue(tx) == (0, 2)
    with at(venue, priority(venue, late.oid) + 2_000_000) as tx:
        assert venue.engine.run_queue(tx, priority(venue, late.oid) + 2_000_000) == 2
    # placed second but due first, it met the only ask; the other rests with its 10 USD held
    assert venue.fills() == [(early.oid, ask.oid, 10_000_000, 10_000_000, 1_000_000)]
    assert venue.order(late.oid) == ("open", 10_000_000, 10 * USD)
    assert venue.wallet(slow, "USD") == (100 * USD, 10 * USD)
    assert venue.invariants() == []


def test_a_queued_market_bid_and_a_queued_ask_run_with_their_kind_and_funds(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    ask = venue.place(seller, "ask", 30_000_000, 100 * USD)
    buyer = venue.account(usd=100 * USD)
    market = queue_order(venue, buyer, "bid", 1 * BTC, None, 5)
    other = venue.account(btc=BTC)
    resting = queue_order(venue, other, "ask", 20_000_000, 120 * USD, 5)
    end = priority(venue, resting.oid) + 5
    with at(venue, end) as tx:
        assert venue.engine.run_queue(tx, end) == 2
        facts = list(tx.events or [])
    (trade,) = (f for f in facts if isinstance(f, ev.TradeDone))
    assert (trade.price, trade.amount, trade.trade_type, trade.properties) == (100 * USD, 30_000_000, "bid", "market")
    # the market bid took the 0.3 the book held and dropped the rest; the ask rests holding its BTC
    assert venue.fills() == [(market.oid, ask.oid, 30_000_000, 10_000_000, 3_000_000)]
    assert venue.order(market.oid) == ("done", 70_000_000, 0)
    assert venue.order(resting.oid) == ("open", 20_000_000, 20_000_000)
    assert venue.wallet(other, "BTC") == (BTC, 20_000_000)
    assert venue.wallet(buyer, "USD") == (70 * USD, 0)
    assert venue.invariants() == []


def test_a_queued_order_the_account_cannot_cover_when_it_runs_is_invalid(venue: Venue) -> None:
    buyer = venue.account(usd=5 * USD)
    bid = queue_order(venue, buyer, "bid", 10_000_000, 100 * USD, 3)
    p = priority(venue, bid.oid)
    with at(venue, p + 3) as tx:
        assert venue.engine.run_queue(tx, p + 3) == 1
    assert venue.order(bid.oid) == ("invalid", 10_000_000, 0)
    assert due(venue, bid.oid) is None
    assert venue.wallet(buyer, "USD") == (5 * USD, 0)
