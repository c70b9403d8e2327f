"""Partial fills: what each side keeps in the book, and what it keeps reserved, after each fill.

A resting bid holds `ceil(remaining * price / 1e8)` of the quote currency, re-computed after
every fill; a resting ask holds the BTC it still offers.
"""

from __future__ import annotations

from .venue import BTC, USD, Venue

#: 100.00001 USD: a price at which whole-BTC fractions leave a remainder of a unit.
ODD = 10_000_001


def test_a_resting_ask_partly_taken_keeps_the_rest_offered_and_held(venue: Venue) -> None:
    seller = venue.account(btc=2 * BTC)
    ask = venue.place(seller, "ask", 2 * BTC, 100 * USD)
    buyer = venue.account(usd=100 * USD)
    venue.place(buyer, "bid", BTC // 2, 100 * USD)
    assert venue.order(ask.oid) == ("open", 150_000_000, 150_000_000)
    assert venue.wallet(seller, "BTC") == (150_000_000, 150_000_000)
    # 5_000_000 received, 0.6 % of it (30_000) to the fee account
    assert venue.wallet(seller, "USD") == (4_970_000, 0)
    assert venue.invariants() == []


def test_a_resting_bid_holds_the_ceiling_of_what_is_left_after_each_fill(venue: Venue) -> None:
    buyer = venue.account(usd=200 * USD)
    bid = venue.place(buyer, "bid", 1 * BTC, ODD)
    assert venue.order(bid.oid) == ("open", 100_000_000, 10_000_001)  # 1 x 100.00001
    seller = venue.account(btc=BTC)
    venue.place(seller, "ask", 30_000_000, ODD)
    # spent: 30_000_000 x 10_000_001 / 1e8 = 3_000_000.3 -> 3_000_000
    # held for 0.7: 70_000_000 x 10_000_001 / 1e8 = 7_000_000.7 -> 7_000_001
    assert venue.order(bid.oid) == ("open", 70_000_000, 7_000_001)
    assert venue.wallet(buyer, "USD") == (17_000_000, 7_000_001)
    venue.place(seller, "ask", 70_000_000, ODD)
    # spent: 7_000_000.7 -> 7_000_000; 1 BTC cost 10_000_000 in two fills, one unit less than priced whole
    assert venue.order(bid.oid) == ("filled", 0, 0)
    assert venue.wallet(buyer, "USD") == (10_000_000, 0)
    assert venue.wallet(buyer, "BTC") == (99_400_000, 0)  # fees 180_000 + 420_000
    assert venue.invariants() == []


def test_a_bid_filled_at_a_better_price_holds_only_what_its_rest_needs(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    venue.place(seller, "ask", BTC // 2, 100 * USD)
    buyer = venue.account(usd=1_000 * USD)
    bid = venue.place(buyer, "bid", 2 * BTC, 110 * USD)
    # placed holding 2 x 110 = 22_000_000; 0.5 bought at 100 for 5_000_000;
    # the 1.5 left holds 1.5 x 110 = 16_500_000, freeing 500_000 (what the fill saved) at once
    assert venue.order(bid.oid) == ("open", 150_000_000, 16_500_000)
    assert venue.wallet(buyer, "USD") == (95_000_000, 16_500_000)
    assert venue.invariants() == []


def test_an_ask_partly_filled_on_arrival_rests_with_its_rest_held(venue: Venue) -> None:
    buyer = venue.account(usd=100 * USD)
    venue.place(buyer, "bid", 40_000_000, 100 * USD)
    seller = venue.account(btc=BTC)
    ask = venue.place(seller, "ask", 1 * BTC, 100 * USD)
    assert (ask.status, ask.filled, ask.remaining, ask.trades) == ("open", 40_000_000, 60_000_000, 1)
    assert venue.order(ask.oid) == ("open", 60_000_000, 60_000_000)
    assert venue.wallet(seller, "BTC") == (60_000_000, 60_000_000)
    assert venue.wallet(seller, "USD") == (3_976_000, 0)  # 4_000_000 less 24_000
    assert venue.invariants() == []


def test_a_resting_bid_met_by_many_small_asks(venue: Venue) -> None:
    buyer = venue.account(usd=100 * USD)
    bid = venue.place(buyer, "bid", 3_000_000, ODD)
    # 3_000_000 x 10_000_001 / 1e8 = 300_000.03 -> 300_001 held
    assert venue.order(bid.oid) == ("open", 3_000_000, 300_001)
    seller = venue.account(btc=BTC)
    # each fill: 1_000_000 x 10_000_001 / 1e8 = 100_000.01 -> 100_000 spent; what is left holds
    # 2_000_000 -> 200_000.02 -> 200_001, then 1_000_000 -> 100_001, then nothing
    for left, held in ((2_000_000, 200_001), (1_000_000, 100_001), (0, 0)):
        venue.place(seller, "ask", 1_000_000, ODD)
        assert venue.order(bid.oid)[1:] == (left, held)
        assert venue.wallet(buyer, "USD")[1] == held
    assert venue.wallet(buyer, "USD") == (9_700_000, 0)  # 10_000_000 less three fills of 100_000
    assert venue.invariants() == []
