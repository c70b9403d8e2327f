"""Market orders: they take what the book holds now, best price first, and drop the rest.

A market bid is covered when the account can pay for everything the book would fill now (each
fill's quote amount truncated on its own, as the fills will be); a remainder the book cannot
fill is dropped (status `done`), never left resting without a price.
"""

from __future__ import annotations

from .venue import BTC, USD, Venue


def asks_of_two_levels(venue: Venue) -> tuple[str, str]:
    """0.5 BTC at 100 USD and 0.3 BTC at 101 USD: 5_000_000 + 3_030_000 = 8_030_000 units for all."""
    cheap, dear = venue.account(btc=BTC), venue.account(btc=BTC)
    return venue.place(cheap, "ask", BTC // 2, 100 * USD).oid, venue.place(dear, "ask", 30_000_000, 101 * USD).oid


def test_a_market_bid_takes_the_asks_cheapest_first_and_drops_the_rest(venue: Venue) -> None:
    first, second = asks_of_two_levels(venue)
    buyer = venue.account(usd=1_000 * USD)
    bid = venue.place(buyer, "bid", 1 * BTC, None)
    # 0.5 at 100: 5_000_000; 0.3 at 101: 30_000_000 x 10_100_000 / 1e8 = 3_030_000
    assert venue.fills() == [
        (bid.oid, first, 50_000_000, 10_000_000, 5_000_000),
        (bid.oid, second, 30_000_000, 10_100_000, 3_030_000),
    ]
    assert (bid.status, bid.filled, bid.trades) == ("done", 80_000_000, 2)
    assert [(t["trade_type"], t["properties"]) for t in venue.trades()] == [("bid", "market")] * 2
    # the 0.2 BTC the book could not fill is dropped, holding nothing
    assert venue.order(bid.oid) == ("done", 20_000_000, 0)
    # paid 8_030_000 of 100_000_000; BTC 80_000_000 less 300_000 and 180_000 in fees
    assert venue.wallet(buyer, "USD") == (91_970_000, 0)
    assert venue.wallet(buyer, "BTC") == (79_520_000, 0)
    assert venue.invariants() == []


def test_a_market_ask_takes_the_bids_dearest_first_and_drops_the_rest(venue: Venue) -> None:
    low, high = venue.account(usd=100 * USD), venue.account(usd=100 * USD)
    older = venue.place(low, "bid", 40_000_000, 99 * USD)
    newer = venue.place(high, "bid", 40_000_000, 100 * USD)
    seller = venue.account(btc=BTC)
    ask = venue.place(seller, "ask", 1 * BTC, None)
    # 0.4 at 100: 4_000_000; 0.4 at 99: 40_000_000 x 9_900_000 / 1e8 = 3_960_000
    assert venue.fills() == [
        (newer.oid, ask.oid, 40_000_000, 10_000_000, 4_000_000),
        (older.oid, ask.oid, 40_000_000, 9_900_000, 3_960_000),
    ]
    assert (ask.status, ask.filled) == ("done", 80_000_000)
    assert venue.trades()[0]["trade_type"] == "ask"
    # 7_960_000 earned less 24_000 and 23_760 in fees; the unsold 0.2 BTC is released
    assert venue.wallet(seller, "USD") == (7_912_240, 0)
    assert venue.wallet(seller, "BTC") == (20_000_000, 0)
    assert venue.order(ask.oid) == ("done", 20_000_000, 0)
    assert venue.invariants() == []


def test_a_market_bid_is_covered_by_exactly_what_the_book_would_cost(venue: Venue) -> None:
    asks_of_two_levels(venue)
    exact = venue.account(usd=8_030_000)
    bid = venue.place(exact, "bid", 1 * BTC, None)
    assert (bid.status, bid.filled) == ("done", 80_000_000)
    assert venue.wallet(exact, "USD") == (0, 0)
    assert venue.invariants() == []


def test_a_market_bid_one_unit_short_is_invalid_and_takes_nothing(venue: Venue) -> None:
    asks_of_two_levels(venue)
    short = venue.account(usd=8_029_999)
    bid = venue.place(short, "bid", 1 * BTC, None)
    assert (bid.status, bid.filled, bid.trades) == ("invalid", 0, 0)
    assert venue.fills() == []
    assert venue.wallet(short, "USD") == (8_029_999, 0)
    assert venue.order(bid.oid) == ("invalid", 100_000_000, 0)
    assert venue.invariants() == []


def test_a_market_bid_is_priced_fill_by_fill_each_truncated(venue: Venue) -> None:
    for _ in range(2):
        venue.place(venue.account(btc=BTC), "ask", 33_333_333, 10_000_001)
    # each fill: 33_333_333 x 10_000_001 / 1e8 = 3_333_333.63... -> 3_333_333, so 6_666_666 for both
    # (the two amounts priced together would be 66_666_666 x 10_000_001 / 1e8 -> 6_666_667)
    buyer = venue.account(usd=6_666_666)
    bid = venue.place(buyer, "bid", 1 * BTC, None)
    assert (bid.status, bid.filled, bid.trades) == ("done", 66_666_666, 2)
    assert [f[4] for f in venue.fills()] == [3_333_333, 3_333_333]
    assert venue.wallet(buyer, "USD") == (0, 0)
    assert venue.invariants() == []


def test_a_market_bid_that_the_book_fills_whole_is_filled(venue: Venue) -> None:
    asks_of_two_levels(venue)
    buyer = venue.account(usd=100 * USD)
    bid = venue.place(buyer, "bid", 60_000_000, None)
    # 0.5 at 100 and 0.1 at 101 (10_000_000 x 10_100_000 / 1e8 = 1_010_000)
    assert (bid.status, bid.filled, bid.trades) == ("filled", 60_000_000, 2)
    assert venue.wallet(buyer, "USD") == (10_000_000 - 5_000_000 - 1_010_000, 0)
    assert venue.invariants() == []


def test_market_orders_on_an_empty_book_are_done_without_trading(venue: Venue) -> None:
    trader = venue.account(btc=BTC, usd=100 * USD)
    bid = venue.place(trader, "bid", 1 * BTC, None)
    ask = venue.place(trader, "ask", 1 * BTC, None)
    assert (bid.status, bid.filled, bid.trades) == ("done", 0, 0)
    assert (ask.status, ask.filled, ask.trades) == ("done", 0, 0)
    assert venue.order(ask.oid) == ("done", 100_000_000, 0)
    assert venue.wallet(trader, "BTC") == (100_000_000, 0)
    assert venue.wallet(trader, "USD") == (10_000_000, 0)
    assert venue.invariants() == []


def test_a_dropped_remainder_never_meets_a_later_order(venue: Venue) -> None:
    trader = venue.account(usd=100 * USD)
    venue.place(trader, "bid", 1 * BTC, None)
    seller = venue.account(btc=BTC)
    ask = venue.place(seller, "ask", 1 * BTC, 1)
    assert (ask.status, ask.trades) == ("open", 0)
    assert venue.fills() == []


def test_a_market_ask_without_the_btc_is_invalid(venue: Venue) -> None:
    venue.place(venue.account(usd=100 * USD), "bid", 1 * BTC, 100 * USD)
    seller = venue.account(btc=BTC - 1)
    ask = venue.place(seller, "ask", 1 * BTC, None)
    assert (ask.status, ask.trades) == ("invalid", 0)
    assert venue.wallet(seller, "BTC") == (99_999_999, 0)
    assert venue.invariants() == []
