"""Time priority: at one price, the oldest resting order is met first, and keeps its place.

The accounts are made in the reverse order of their orders (the oldest order belongs to the
newest account), so a book sorted by account, or by anything but the order's age, shows.
"""

from __future__ import annotations

from .venue import BTC, USD, Venue


def test_asks_at_one_price_fill_oldest_first(venue: Venue) -> None:
    c, b, a = (venue.account(btc=BTC) for _ in range(3))
    first = venue.place(a, "ask", BTC // 2, 100 * USD)
    second = venue.place(b, "ask", BTC // 2, 100 * USD)
    third = venue.place(c, "ask", BTC // 2, 100 * USD)
    buyer = venue.account(usd=1_000 * USD)
    bid = venue.place(buyer, "bid", 80_000_000, 100 * USD)
    # 0.8 BTC: all of the first (0.5), 0.3 of the second, none of the third
    assert venue.fills() == [
        (bid.oid, first.oid, 50_000_000, 10_000_000, 5_000_000),
        (bid.oid, second.oid, 30_000_000, 10_000_000, 3_000_000),
    ]
    assert venue.order(first.oid) == ("filled", 0, 0)
    assert venue.order(second.oid) == ("open", 20_000_000, 20_000_000)
    assert venue.order(third.oid) == ("open", 50_000_000, 50_000_000)
    # sellers receive 5_000_000 and 3_000_000 less 0.6 % (30_000, 18_000)
    assert venue.wallet(a, "USD") == (4_970_000, 0)
    assert venue.wallet(b, "USD") == (2_982_000, 0)
    assert venue.wallet(c, "USD") == (0, 0)
    assert venue.invariants() == []


def test_bids_at_one_price_fill_oldest_first(venue: Venue) -> None:
    c, b, a = (venue.account(usd=100 * USD) for _ in range(3))
    first = venue.place(a, "bid", BTC // 2, 100 * USD)
    second = venue.place(b, "bid", BTC // 2, 100 * USD)
    third = venue.place(c, "bid", BTC // 2, 100 * USD)
    seller = venue.account(btc=BTC)
    ask = venue.place(seller, "ask", 80_000_000, 100 * USD)
    assert venue.fills() == [
        (first.oid, ask.oid, 50_000_000, 10_000_000, 5_000_000),
        (second.oid, ask.oid, 30_000_000, 10_000_000, 3_000_000),
    ]
    # 0.2 BTC left of the second at 100: 2_000_000 held; the third holds its whole 5_000_000
    assert venue.order(second.oid) == ("open", 20_000_000, 2_000_000)
    assert venue.order(third.oid) == ("open", 50_000_000, 5_000_000)
    # buyers: 10_000_000 - 5_000_000 and - 3_000_000; BTC less 0.6 % (300_000, 180_000)
    assert venue.wallet(a, "USD") == (5_000_000, 0)
    assert venue.wallet(a, "BTC") == (49_700_000, 0)
    assert venue.wallet(b, "USD") == (7_000_000, 2_000_000)
    assert venue.wallet(b, "BTC") == (29_820_000, 0)
    assert venue.wallet(c, "BTC") == (0, 0)
    assert venue.invariants() == []


def test_a_partly_filled_order_keeps_its_place_in_the_queue(venue: Venue) -> None:
    late, c, b = (venue.account(btc=BTC) for _ in range(3))
    second = venue.place(b, "ask", BTC // 2, 100 * USD)
    third = venue.place(c, "ask", BTC // 2, 100 * USD)
    buyer = venue.account(usd=1_000 * USD)
    venue.place(buyer, "bid", 30_000_000, 100 * USD)  # 0.3 of `second`, which is then changed
    fourth = venue.place(late, "ask", BTC // 2, 100 * USD)
    bid = venue.place(buyer, "bid", 30_000_000, 100 * USD)
    # the rest of the second (0.2) first, though it changed last, then 0.1 of the third
    assert venue.fills()[1:] == [
        (bid.oid, second.oid, 20_000_000, 10_000_000, 2_000_000),
        (bid.oid, third.oid, 10_000_000, 10_000_000, 1_000_000),
    ]
    assert venue.order(fourth.oid) == ("open", 50_000_000, 50_000_000)
    assert venue.invariants() == []


def test_price_comes_before_age(venue: Venue) -> None:
    old, new = venue.account(btc=BTC), venue.account(btc=BTC)
    worse = venue.place(old, "ask", BTC // 2, 100 * USD + 1)
    better = venue.place(new, "ask", BTC // 2, 100 * USD)
    buyer = venue.account(usd=1_000 * USD)
    bid = venue.place(buyer, "bid", 60_000_000, 200 * USD)
    # 0.5 at 100 (5_000_000), then 0.1 at 100.00001: 10_000_000 x 10_000_001 / 1e8 = 1_000_000.1 -> 1_000_000
    assert venue.fills() == [
        (bid.oid, better.oid, 50_000_000, 10_000_000, 5_000_000),
        (bid.oid, worse.oid, 10_000_000, 10_000_001, 1_000_000),
    ]
    assert venue.invariants() == []
