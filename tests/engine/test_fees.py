"""Fees: each account's own rate of what it receives, in that currency, rounded half up, to the
exchange's fee account (which keeps no history rows).

The amounts are chosen so the exact fee ends in one half: half up, half even and truncation
then give three different answers.
"""

from __future__ import annotations

import pytest

from mtgox_sandbox.core.engine import fee_text, round_div

from .venue import BTC, FEES, USD, Venue


def test_the_buyers_fee_is_rounded_half_up_in_btc(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    buyer = venue.account(usd=100 * USD)
    venue.place(seller, "ask", 1_000_750, 100 * USD)
    venue.place(buyer, "bid", 1_000_750, 100 * USD)
    # buyer's fee: 1_000_750 x 0.6 % = 6_004.5 -> 6_005 (half even and truncation: 6_004)
    assert venue.wallet(buyer, "BTC") == (1_000_750 - 6_005, 0)
    # seller receives 1_000_750 x 10_000_000 / 1e8 = 100_075; fee 600.45 -> 600
    assert venue.wallet(seller, "USD") == (100_075 - 600, 0)
    assert venue.wallet(FEES, "BTC") == (6_005, 0)
    assert venue.wallet(FEES, "USD") == (600, 0)
    (trade,) = venue.trades()
    assert (trade["bid_fee"], trade["ask_fee"]) == (6_005, 600)
    assert venue.invariants() == []


def test_the_sellers_fee_is_rounded_half_up_in_the_quote_currency(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    buyer = venue.account(usd=100 * USD)
    venue.place(buyer, "bid", 10_000_000, 10_007_500)
    venue.place(seller, "ask", 10_000_000, 10_007_500)
    # 0.1 BTC at 100.075 USD: 10_000_000 x 10_007_500 / 1e8 = 1_000_750 units;
    # seller's fee 1_000_750 x 0.6 % = 6_004.5 -> 6_005; buyer's 10_000_000 x 0.6 % = 60_000
    assert venue.wallet(seller, "USD") == (1_000_750 - 6_005, 0)
    assert venue.wallet(buyer, "BTC") == (10_000_000 - 60_000, 0)
    assert venue.wallet(buyer, "USD") == (10_000_000 - 1_000_750, 0)
    assert venue.wallet(FEES, "USD") == (6_005, 0)
    assert venue.wallet(FEES, "BTC") == (60_000, 0)
    assert venue.invariants() == []


def test_each_side_pays_its_own_accounts_rate(venue: Venue) -> None:
    seller = venue.account(btc=BTC, fee_ppm=6_500)  # 0.65 %
    buyer = venue.account(usd=100 * USD, fee_ppm=5_000)  # 0.5 %
    venue.place(buyer, "bid", 1 * BTC, 100 * USD)
    venue.place(seller, "ask", 1 * BTC, 100 * USD)
    # buyer: 100_000_000 x 0.5 % = 500_000 BTC; seller: 10_000_000 x 0.65 % = 65_000 USD
    assert venue.wallet(buyer, "BTC") == (99_500_000, 0)
    assert venue.wallet(seller, "USD") == (9_935_000, 0)
    assert venue.history(buyer, "BTC")[-1][1:4] == ("fee", 500_000, 99_500_000)
    assert venue.history(seller, "USD")[-1][1:4] == ("fee", 65_000, 9_935_000)
    assert venue.history(buyer, "BTC")[-1][4].endswith("BTC at $100.00000 (0.5% fee)")
    assert venue.history(seller, "USD")[-1][4].endswith("BTC at $100.00000 (0.65% fee)")
    assert venue.invariants() == []


def test_the_rate_follows_the_side_not_who_arrived_last(venue: Venue) -> None:
    seller = venue.account(btc=BTC, fee_ppm=6_500)
    buyer = venue.account(usd=100 * USD, fee_ppm=5_000)
    venue.place(seller, "ask", 1 * BTC, 100 * USD)  # the seller rests, the buyer takes
    venue.place(buyer, "bid", 1 * BTC, 100 * USD)
    assert venue.wallet(buyer, "BTC") == (99_500_000, 0)
    assert venue.wallet(seller, "USD") == (9_935_000, 0)


def test_a_fee_free_account_pays_nothing_and_has_no_fee_row(venue: Venue) -> None:
    seller = venue.account(btc=BTC, fee_ppm=0)
    buyer = venue.account(usd=100 * USD)
    venue.place(seller, "ask", 1 * BTC, 100 * USD)
    venue.place(buyer, "bid", 1 * BTC, 100 * USD)
    assert venue.wallet(seller, "USD") == (10_000_000, 0)
    assert [row[1] for row in venue.history(seller, "USD")] == ["earned"]
    assert venue.wallet(FEES, "USD") == (0, 0)  # no wallet row at all: (0, 0)
    assert venue.wallet(FEES, "BTC") == (600_000, 0)
    assert venue.invariants() == []


def test_a_fee_under_half_a_unit_is_nothing_and_one_half_is_one(venue: Venue) -> None:
    seller = venue.account(btc=BTC, fee_ppm=1)  # 0.0001 %
    buyer = venue.account(usd=100 * USD, fee_ppm=1)
    venue.place(seller, "ask", 1_500_000, 100 * USD)
    venue.place(buyer, "bid", 1_500_000, 100 * USD)
    # buyer: 1_500_000 x 1e-6 = 1.5 -> 2 satoshi; seller: 150_000 x 1e-6 = 0.15 -> 0 (no fee row)
    assert venue.wallet(buyer, "BTC") == (1_499_998, 0)
    assert venue.wallet(seller, "USD") == (150_000, 0)
    assert [row[1] for row in venue.history(seller, "USD")] == ["earned"]
    assert venue.history(buyer, "BTC")[-1][1:3] == ("fee", 2)
    assert venue.history(buyer, "BTC")[-1][4].endswith("(0.0001% fee)")
    assert venue.wallet(FEES, "BTC") == (2, 0)
    assert venue.invariants() == []


def test_the_fee_account_keeps_no_history(venue: Venue) -> None:
    venue.place(venue.account(btc=BTC), "ask", 1 * BTC, 100 * USD)
    venue.place(venue.account(usd=100 * USD), "bid", 1 * BTC, 100 * USD)
    assert venue.history(FEES, "BTC") == []
    assert venue.history(FEES, "USD") == []
    assert venue.invariants() == []


@pytest.mark.parametrize(
    ("ppm", "text"),
    [(6_000, "0.6"), (6_500, "0.65"), (10_000, "1"), (5_000, "0.5"), (1, "0.0001"), (0, "0"), (1_000_000, "100")],
)
def test_fee_texts(ppm: int, text: str) -> None:
    assert fee_text(ppm) == text


@pytest.mark.parametrize(
    ("a", "b", "quotient"),
    [
        (0, 7, 0),
        (3, 7, 0),
        (7, 2, 4),
        (5, 2, 3),
        (9, 2, 5),
        (6_004_500_000, 1_000_000, 6_005),
        (600_450_000, 1_000_000, 600),
    ],
)
def test_round_div_is_half_up(a: int, b: int, quotient: int) -> None:
    assert round_div(a, b) == quotient
