"""Limit orders: what crosses, at which price, and what each side pays and receives.

Prices are in units of 1e-5 USD, amounts in satoshi; every figure is worked out in the comment
beside it. Fees are the default 0.6 % of what each side receives (test_fees.py has the rest).
"""

from __future__ import annotations

from .venue import BTC, EUR, FEES, NOW, USD, Venue


def test_a_crossing_bid_trades_at_the_resting_asks_price(venue: Venue) -> None:
    seller = venue.account(btc=2 * BTC)
    buyer = venue.account(usd=200 * USD)
    ask = venue.place(seller, "ask", 1 * BTC, 100 * USD)
    bid = venue.place(buyer, "bid", 1 * BTC, 110 * USD)
    assert (bid.status, bid.filled, bid.trades) == ("filled", 100_000_000, 1)
    # one trade at the ask's 100 USD, not the bid's 110: 1 BTC x 100 USD = 10_000_000 units
    assert venue.fills() == [(bid.oid, ask.oid, 100_000_000, 10_000_000, 10_000_000)]
    (trade,) = venue.trades()
    assert (trade["trade_type"], trade["properties"]) == ("bid", "limit")
    assert (trade["date"], trade["bid_account"], trade["ask_account"]) == (NOW, buyer, seller)
    # buyer: 20_000_000 - 10_000_000 USD; 100_000_000 BTC less 0.6 % = 600_000
    assert venue.wallet(buyer, "USD") == (10_000_000, 0)
    assert venue.wallet(buyer, "BTC") == (99_400_000, 0)
    # seller: 200_000_000 - 100_000_000 BTC; 10_000_000 USD less 0.6 % = 60_000
    assert venue.wallet(seller, "BTC") == (100_000_000, 0)
    assert venue.wallet(seller, "USD") == (9_940_000, 0)
    assert (trade["bid_fee"], trade["ask_fee"]) == (600_000, 60_000)
    assert venue.wallet(FEES, "BTC") == (600_000, 0)
    assert venue.wallet(FEES, "USD") == (60_000, 0)
    assert venue.order(ask.oid) == ("filled", 0, 0)
    assert venue.order(bid.oid) == ("filled", 0, 0)
    assert venue.invariants() == []


def test_a_crossing_ask_trades_at_the_resting_bids_price(venue: Venue) -> None:
    buyer = venue.account(usd=1_000 * USD)
    seller = venue.account(btc=1 * BTC)
    bid = venue.place(buyer, "bid", BTC // 2, 120 * USD)
    ask = venue.place(seller, "ask", BTC // 2, 115 * USD)
    # at the bid's 120 USD: 50_000_000 x 12_000_000 / 1e8 = 6_000_000 units
    assert venue.fills() == [(bid.oid, ask.oid, 50_000_000, 12_000_000, 6_000_000)]
    assert venue.trades()[0]["trade_type"] == "ask"  # the taker's side
    # seller: 6_000_000 less 0.6 % = 36_000 -> 5_964_000 USD; 100_000_000 - 50_000_000 BTC
    assert venue.wallet(seller, "USD") == (5_964_000, 0)
    assert venue.wallet(seller, "BTC") == (50_000_000, 0)
    # buyer: 100_000_000 - 6_000_000 USD, nothing held; 50_000_000 BTC less 300_000
    assert venue.wallet(buyer, "USD") == (94_000_000, 0)
    assert venue.wallet(buyer, "BTC") == (49_700_000, 0)
    assert venue.invariants() == []


def test_a_bid_at_exactly_the_ask_price_crosses_and_one_unit_below_rests(venue: Venue) -> None:
    seller = venue.account(btc=1 * BTC)
    buyer = venue.account(usd=1_000 * USD)
    ask = venue.place(seller, "ask", 1 * BTC, 10_000_000)
    below = venue.place(buyer, "bid", BTC // 2, 9_999_999)
    assert (below.status, below.trades) == ("open", 0)
    at = venue.place(buyer, "bid", BTC // 2, 10_000_000)
    assert (at.status, at.filled) == ("filled", 50_000_000)
    assert venue.fills() == [(at.oid, ask.oid, 50_000_000, 10_000_000, 5_000_000)]
    assert venue.order(below.oid) == ("open", 50_000_000, 5_000_000)  # 0.5 x 99.99999 = 4_999_999.5 -> 5_000_000
    assert venue.invariants() == []


def test_an_ask_at_exactly_the_bid_price_crosses_and_one_unit_above_rests(venue: Venue) -> None:
    buyer = venue.account(usd=1_000 * USD)
    seller = venue.account(btc=1 * BTC)
    bid = venue.place(buyer, "bid", 1 * BTC, 10_000_000)
    above = venue.place(seller, "ask", BTC // 2, 10_000_001)
    assert (above.status, above.trades) == ("open", 0)
    at = venue.place(seller, "ask", BTC // 2, 10_000_000)
    assert (at.status, at.filled) == ("filled", 50_000_000)
    assert venue.fills() == [(bid.oid, at.oid, 50_000_000, 10_000_000, 5_000_000)]
    assert venue.order(above.oid) == ("open", 50_000_000, 50_000_000)
    assert venue.invariants() == []


def test_a_bid_meets_the_lowest_ask_first_however_new(venue: Venue) -> None:
    dear, cheap = venue.account(btc=BTC), venue.account(btc=BTC)
    buyer = venue.account(usd=1_000 * USD)
    older = venue.place(dear, "ask", 1 * BTC, 101 * USD)
    newer = venue.place(cheap, "ask", 1 * BTC, 100 * USD)
    bid = venue.place(buyer, "bid", 1 * BTC, 105 * USD)
    assert venue.fills() == [(bid.oid, newer.oid, 100_000_000, 10_000_000, 10_000_000)]
    assert venue.order(older.oid) == ("open", 100_000_000, 100_000_000)
    assert venue.wallet(buyer, "USD") == (90_000_000, 0)  # 100 USD paid, nothing held (filled)
    assert venue.invariants() == []


def test_an_ask_meets_the_highest_bid_first_however_new(venue: Venue) -> None:
    low, high = venue.account(usd=1_000 * USD), venue.account(usd=1_000 * USD)
    seller = venue.account(btc=BTC)
    older = venue.place(low, "bid", 1 * BTC, 99 * USD)
    newer = venue.place(high, "bid", 1 * BTC, 100 * USD)
    ask = venue.place(seller, "ask", 1 * BTC, 95 * USD)
    assert venue.fills() == [(newer.oid, ask.oid, 100_000_000, 10_000_000, 10_000_000)]
    assert venue.order(older.oid) == ("open", 100_000_000, 9_900_000)
    assert venue.wallet(seller, "USD") == (9_940_000, 0)  # 10_000_000 less 60_000
    assert venue.invariants() == []


def test_a_bid_walks_the_asks_up_to_its_limit_and_rests_the_rest(venue: Venue) -> None:
    sellers = [venue.account(btc=BTC) for _ in range(3)]
    asks = [venue.place(s, "ask", BTC // 2, p) for s, p in zip(sellers, (100 * USD, 101 * USD, 102 * USD), strict=True)]
    buyer = venue.account(usd=1_000 * USD)
    bid = venue.place(buyer, "bid", 120_000_000, 101 * USD)
    # 0.5 at 100 (5_000_000), 0.5 at 101 (50_000_000 x 10_100_000 / 1e8 = 5_050_000); 102 is past the limit
    assert venue.fills() == [
        (bid.oid, asks[0].oid, 50_000_000, 10_000_000, 5_000_000),
        (bid.oid, asks[1].oid, 50_000_000, 10_100_000, 5_050_000),
    ]
    assert (bid.status, bid.filled, bid.trades, bid.remaining) == ("open", 100_000_000, 2, 20_000_000)
    # 0.2 BTC left at 101: 20_000_000 x 10_100_000 / 1e8 = 2_020_000 held
    assert venue.order(bid.oid) == ("open", 20_000_000, 2_020_000)
    # paid 10_050_000 of 100_000_000; two fees of 300_000 on 2 x 50_000_000 BTC
    assert venue.wallet(buyer, "USD") == (89_950_000, 2_020_000)
    assert venue.wallet(buyer, "BTC") == (99_400_000, 0)
    assert venue.order(asks[2].oid) == ("open", 50_000_000, 50_000_000)
    assert venue.invariants() == []


def test_an_order_that_crosses_nothing_rests_whole(venue: Venue) -> None:
    buyer = venue.account(usd=1_000 * USD)
    seller = venue.account(btc=BTC)
    venue.place(seller, "ask", BTC, 101 * USD)
    bid = venue.place(buyer, "bid", 3 * BTC, 100 * USD)
    assert (bid.status, bid.filled, bid.trades, bid.remaining) == ("open", 0, 0, 300_000_000)
    assert venue.order(bid.oid) == ("open", 300_000_000, 30_000_000)  # 3 x 100 USD held
    assert venue.fills() == []
    assert venue.invariants() == []


def test_books_of_two_pairs_never_meet(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    buyer = venue.account(eur=1_000 * EUR)
    venue.place(seller, "ask", BTC, 100 * USD)
    bid = venue.place(buyer, "bid", BTC, 200 * EUR, pair="BTCEUR")
    assert (bid.status, bid.trades) == ("open", 0)
    # 1 BTC x 200 EUR = 20_000_000 EUR units held, nothing in USD
    assert venue.wallet(buyer, "EUR") == (100_000_000, 20_000_000)
    assert venue.wallet(buyer, "USD") == (0, 0)
    assert venue.invariants() == []


def test_the_last_satoshi_of_a_taker_is_matched_too(venue: Venue) -> None:
    first, second = venue.account(btc=BTC), venue.account(btc=BTC)
    a = venue.place(first, "ask", 1_000_000, 100 * USD)
    b = venue.place(second, "ask", 1_000_000, 100 * USD)
    buyer = venue.account(usd=100 * USD)
    bid = venue.place(buyer, "bid", 1_000_001, 100 * USD)
    # 0.01 BTC for 100_000 units, then one satoshi: 1 x 10_000_000 / 1e8 = 0.1 -> 0 units
    assert venue.fills() == [(bid.oid, a.oid, 1_000_000, 10_000_000, 100_000), (bid.oid, b.oid, 1, 10_000_000, 0)]
    assert (bid.status, bid.filled) == ("filled", 1_000_001)
    assert venue.order(b.oid) == ("open", 999_999, 999_999)
    assert venue.invariants() == []
