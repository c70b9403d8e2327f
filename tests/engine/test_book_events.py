"""What the engine records of the book for the public channels: depth changes, trades, lag.

Depth: a resting order adds its remainder to its level (`delta`, and the level's `total` after
it), stamped as the order's row is when it rests; a fill sends a zero delta, stamped with its
trade id, with the level's total after the fill; a cancel takes the remainder away. The clock
stands still in these tests, so each stamp is one more than the one before: an order placed
and run at once takes its priority `p`, its queue message `p + 1`, its fills `p + 2`, `p + 3`,
..., and what it becomes after them (its row, its level) the next.
"""

from __future__ import annotations

import uuid

from mtgox_sandbox.core import events as ev

from .venue import BTC, USD, Venue


def priority(venue: Venue, oid: str) -> int:
    return int(venue.conn.execute("SELECT priority FROM orders WHERE oid = ?", (oid,)).fetchone()[0])


def book(facts: list[ev.Event]) -> list[ev.Event]:
    """The facts other than wallet changes (test_private_channel.py has those)."""
    return [f for f in facts if not isinstance(f, ev.WalletChange | ev.OrderQueued)]


def test_a_resting_order_adds_its_amount_to_its_level(venue: Venue) -> None:
    a, b = venue.account(btc=BTC), venue.account(btc=BTC)
    venue.place(a, "ask", 30_000_000, 100 * USD)
    placed, facts = venue.place_listened(b, "ask", 20_000_000, 100 * USD)
    p = priority(venue, placed.oid)
    queued = facts[1]
    assert isinstance(queued, ev.OrderQueued)
    assert (queued.stamp, queued.age_us) == (p, 1)
    _, again = venue.place_listened(b, "ask", 10_000_000, 100 * USD)
    other = again[1]
    assert isinstance(other, ev.OrderQueued)
    assert uuid.UUID(queued.qid).version == 4 and other.qid != queued.qid
    # it rested after its queue message (p + 1): its row and its level's depth message both
    # carry that moment, the stamp a full depth snapshot gives the level
    updated = venue.conn.execute("SELECT updated_us FROM orders WHERE oid = ?", (placed.oid,)).fetchone()[0]
    assert updated == p + 2
    assert book(facts) == [
        ev.OrderState(b, placed.oid, "BTCUSD", "ask", "limit", 10_000_000, 20_000_000, "pending", p, 1_366_034_751),
        ev.OrderState(b, placed.oid, "BTCUSD", "ask", "limit", 10_000_000, 20_000_000, "executing", p, 1_366_034_751),
        ev.DepthChange("BTCUSD", "ask", 10_000_000, 20_000_000, 50_000_000, p + 2),
        ev.OrderState(
            b, placed.oid, "BTCUSD", "ask", "limit", 10_000_000, 20_000_000, "post-pending", p, 1_366_034_751
        ),
        ev.OrderState(b, placed.oid, "BTCUSD", "ask", "limit", 10_000_000, 20_000_000, "open", p, 1_366_034_751),
    ]


def test_fills_send_zero_deltas_with_the_level_left_and_the_makers_news(venue: Venue) -> None:
    a, b = venue.account(btc=BTC), venue.account(btc=BTC)
    first = venue.place(a, "ask", 30_000_000, 100 * USD)
    second = venue.place(b, "ask", 20_000_000, 100 * USD)
    buyer = venue.account(usd=100 * USD)
    bid, facts = venue.place_listened(buyer, "bid", 40_000_000, 100 * USD)
    tid1, tid2 = (t["tid"] for t in venue.trades())
    p, p2 = priority(venue, bid.oid), priority(venue, second.oid)
    assert (tid1, tid2) == (p + 2, p + 3)
    assert book(facts) == [
        ev.OrderState(buyer, bid.oid, "BTCUSD", "bid", "limit", 10_000_000, 40_000_000, "pending", p, 1_366_034_751),
        ev.OrderState(buyer, bid.oid, "BTCUSD", "bid", "limit", 10_000_000, 40_000_000, "executing", p, 1_366_034_751),
        ev.TradeDone("BTCUSD", p + 2, 1_366_034_751, 10_000_000, 30_000_000, "bid", "limit", (buyer, a)),
        ev.DepthChange("BTCUSD", "ask", 10_000_000, 0, 20_000_000, p + 2),
        ev.OrderGone(a, first.oid, "completed_passive"),
        ev.TradeDone("BTCUSD", p + 3, 1_366_034_751, 10_000_000, 10_000_000, "bid", "limit", (buyer, b)),
        ev.DepthChange("BTCUSD", "ask", 10_000_000, 0, 10_000_000, p + 3),
        ev.OrderState(b, second.oid, "BTCUSD", "ask", "limit", 10_000_000, 10_000_000, "open", p2, 1_366_034_751),
        ev.OrderGone(buyer, bid.oid, "completed_active"),
    ]


def test_a_taker_that_rests_adds_only_what_is_left(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    venue.place(seller, "ask", 30_000_000, 100 * USD)
    buyer = venue.account(usd=1_000 * USD)
    bid, facts = venue.place_listened(buyer, "bid", 1 * BTC, 101 * USD)
    depth = [f for f in facts if isinstance(f, ev.DepthChange)]
    p = priority(venue, bid.oid)
    (tid,) = (t["tid"] for t in venue.trades())
    assert tid == p + 2
    # 0.3 taken at 100, emptying that level; 0.7 of the 1 BTC rests at 101, after the fill
    assert depth == [
        ev.DepthChange("BTCUSD", "ask", 10_000_000, 0, 0, p + 2),
        ev.DepthChange("BTCUSD", "bid", 10_100_000, 70_000_000, 70_000_000, p + 3),
    ]
    assert book(facts)[-1] == ev.OrderState(
        buyer,
        bid.oid,
        "BTCUSD",
        "bid",
        "limit",
        10_100_000,
        70_000_000,
        "open",
        p,
        1_366_034_751,
    )


def test_a_cancel_takes_the_remainder_off_its_level(venue: Venue) -> None:
    a, b = venue.account(usd=100 * USD), venue.account(usd=100 * USD)
    venue.place(a, "bid", 30_000_000, 100 * USD)
    bid = venue.place(b, "bid", 50_000_000, 100 * USD)
    venue.place(venue.account(btc=BTC), "ask", 40_000_000, 100 * USD)  # all of a's 0.3, 0.1 of b's
    facts = venue.listened(lambda tx: venue.engine.cancel(tx, b, bid.oid))
    depth = facts[0]
    assert isinstance(depth, ev.DepthChange)
    # stamped with the cancel itself, the stamp the order now carries
    assert depth.stamp == venue.conn.execute("SELECT updated_us FROM orders WHERE oid = ?", (bid.oid,)).fetchone()[0]
    assert facts == [
        ev.DepthChange("BTCUSD", "bid", 10_000_000, -40_000_000, 0, depth.stamp),
        ev.OrderGone(b, bid.oid, "requested"),
    ]


def test_cancelling_an_invalid_order_touches_no_level(venue: Venue) -> None:
    trader = venue.account()
    bid = venue.place(trader, "bid", 1 * BTC, 100 * USD)
    facts = venue.listened(lambda tx: venue.engine.cancel(tx, trader, bid.oid))
    assert facts == [ev.OrderGone(trader, bid.oid, "requested")]


def test_a_market_ask_that_empties_a_level_and_a_self_trade(venue: Venue) -> None:
    trader = venue.account(btc=BTC, usd=100 * USD)
    resting = venue.place(trader, "bid", 20_000_000, 90 * USD)
    ask, facts = venue.place_listened(trader, "ask", 50_000_000, None)
    p = priority(venue, ask.oid)
    (tid,) = (t["tid"] for t in venue.trades())
    assert tid == p + 2
    assert book(facts) == [
        ev.OrderState(trader, ask.oid, "BTCUSD", "ask", "market", None, 50_000_000, "pending", p, 1_366_034_751),
        ev.OrderState(trader, ask.oid, "BTCUSD", "ask", "market", None, 50_000_000, "executing", p, 1_366_034_751),
        ev.TradeDone("BTCUSD", p + 2, 1_366_034_751, 9_000_000, 20_000_000, "ask", "market", (trader,)),
        ev.DepthChange("BTCUSD", "bid", 9_000_000, 0, 0, p + 2),
        ev.OrderGone(trader, resting.oid, "completed_passive"),
        ev.OrderGone(trader, ask.oid, "completed_active"),
    ]


def test_nothing_is_recorded_while_nobody_listens(venue: Venue) -> None:
    trader = venue.account(btc=BTC)
    with venue.tx() as tx:
        venue.engine.place(tx, trader, "BTCUSD", "ask", BTC, 100 * USD)
        assert tx.events is None
