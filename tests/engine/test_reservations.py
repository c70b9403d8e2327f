"""Reservations: what an order holds when it arrives, and when an account can cover it.

An ask holds the BTC it offers; a bid holds `ceil(amount * price / 1e8)` of the quote currency.
An order is covered when what the account has available (balance less what its open orders
hold) is at least that much: exactly enough is enough.
"""

from __future__ import annotations

from .venue import BTC, EUR, USD, Venue

ODD = 10_000_001  # 100.00001 USD


def test_an_ask_holds_exactly_the_btc_it_offers(venue: Venue) -> None:
    seller = venue.account(btc=3 * BTC)
    ask = venue.place(seller, "ask", 120_000_000, 100 * USD)
    assert venue.order(ask.oid) == ("open", 120_000_000, 120_000_000)
    assert venue.wallet(seller, "BTC") == (300_000_000, 120_000_000)
    assert venue.wallet(seller, "USD") == (0, 0)


def test_a_bid_holds_the_ceiling_of_its_quote_amount(venue: Venue) -> None:
    buyer = venue.account(usd=100 * USD)
    whole = venue.place(buyer, "bid", 1 * BTC, 10 * USD)  # 1 x 10 = 1_000_000 exactly
    odd = venue.place(buyer, "bid", BTC // 2, ODD)  # 0.5 x 100.00001 = 5_000_000.5 -> 5_000_001
    tiny = venue.place(buyer, "bid", 1_000_000, 1)  # 0.01 BTC at 0.00001 USD = 0.01 units -> 1
    assert [venue.order(o.oid)[2] for o in (whole, odd, tiny)] == [1_000_000, 5_000_001, 1]
    assert venue.wallet(buyer, "USD") == (10_000_000, 6_000_002)
    assert venue.wallet(buyer, "BTC") == (0, 0)
    assert venue.invariants() == []


def test_an_ask_covered_by_exactly_the_btc_available_is_open(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    ask = venue.place(seller, "ask", 1 * BTC, 100 * USD)
    assert ask.status == "open"
    assert venue.wallet(seller, "BTC") == (100_000_000, 100_000_000)


def test_an_ask_one_satoshi_short_is_invalid(venue: Venue) -> None:
    seller = venue.account(btc=BTC - 1)
    ask = venue.place(seller, "ask", 1 * BTC, 100 * USD)
    assert ask.status == "invalid"
    assert venue.order(ask.oid) == ("invalid", 100_000_000, 0)
    assert venue.wallet(seller, "BTC") == (99_999_999, 0)


def test_a_bid_covered_by_exactly_its_ceiling_is_open(venue: Venue) -> None:
    buyer = venue.account(usd=5_000_001)
    bid = venue.place(buyer, "bid", BTC // 2, ODD)
    assert bid.status == "open"
    assert venue.wallet(buyer, "USD") == (5_000_001, 5_000_001)


def test_a_bid_covered_only_by_the_truncated_amount_is_invalid(venue: Venue) -> None:
    buyer = venue.account(usd=5_000_000)  # 5_000_000.5 truncated: one unit short of the ceiling
    bid = venue.place(buyer, "bid", BTC // 2, ODD)
    assert bid.status == "invalid"
    assert venue.wallet(buyer, "USD") == (5_000_000, 0)


def test_what_open_orders_hold_is_not_available_again(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    assert venue.place(seller, "ask", 60_000_000, 100 * USD).status == "open"
    assert venue.place(seller, "ask", 50_000_000, 100 * USD).status == "invalid"  # 40_000_000 left
    assert venue.place(seller, "ask", 40_000_000, 101 * USD).status == "open"
    assert venue.place(seller, "ask", 1_000_000, 102 * USD).status == "invalid"  # nothing left
    assert venue.wallet(seller, "BTC") == (100_000_000, 100_000_000)
    buyer = venue.account(usd=100 * USD)
    assert venue.place(buyer, "bid", 1 * BTC, 60 * USD).status == "open"  # 6_000_000 of 10_000_000
    assert venue.place(buyer, "bid", 1 * BTC, 40 * USD + 1).status == "invalid"  # 4_000_001 > 4_000_000
    assert venue.place(buyer, "bid", 1 * BTC, 40 * USD).status == "open"
    assert venue.wallet(buyer, "USD") == (10_000_000, 10_000_000)
    assert venue.invariants() == []


def test_a_bid_holds_the_currency_of_its_pair_only(venue: Venue) -> None:
    buyer = venue.account(usd=1_000 * USD)
    assert venue.place(buyer, "bid", 1 * BTC, 100 * EUR, pair="BTCEUR").status == "invalid"  # no EUR
    rich = venue.account(usd=1_000 * USD, eur=100 * EUR)
    assert venue.place(rich, "bid", 1 * BTC, 100 * EUR, pair="BTCEUR").status == "open"
    assert venue.wallet(rich, "EUR") == (10_000_000, 10_000_000)
    assert venue.wallet(rich, "USD") == (100_000_000, 0)


def test_holding_usd_for_bids_leaves_btc_free_for_asks(venue: Venue) -> None:
    trader = venue.account(btc=BTC, usd=100 * USD)
    assert venue.place(trader, "bid", 1 * BTC, 100 * USD).status == "open"
    assert venue.place(trader, "ask", 1 * BTC, 200 * USD).status == "open"
    assert venue.wallet(trader, "USD") == (10_000_000, 10_000_000)
    assert venue.wallet(trader, "BTC") == (100_000_000, 100_000_000)
    assert venue.invariants() == []


def test_a_filled_order_holds_nothing_and_frees_what_it_held(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    venue.place(seller, "ask", 1 * BTC, 90 * USD)
    buyer = venue.account(usd=100 * USD)
    bid = venue.place(buyer, "bid", 1 * BTC, 100 * USD)
    # held 10_000_000 on arrival; filled at 90 for 9_000_000: nothing stays held
    assert venue.order(bid.oid) == ("filled", 0, 0)
    assert venue.wallet(buyer, "USD") == (1_000_000, 0)
    assert venue.wallet(seller, "BTC") == (0, 0)
    assert venue.invariants() == []
