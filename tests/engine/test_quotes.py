"""Quotes: what an amount would cost (bid) or fetch (ask) against the book now, fill by fill.

The engine prices market bids with it (what the account must have) and v2 `order/quote`
answers with it; each level's part is truncated on its own, as the fills will be.
"""

from __future__ import annotations

import pytest

from .venue import BTC, USD, Venue


def quote(venue: Venue, side: str, amount: int, price: int | None = None) -> int:
    with venue.tx(write=False) as tx:
        return venue.engine.quote(tx, "BTCUSD", side, amount, price)


@pytest.fixture
def stocked(venue: Venue) -> Venue:
    """Asks: 0.5 at 100, 0.3 at 101 (and an invalid and a cancelled one); bids: 0.4 at 99, 0.4 at 98."""
    seller = venue.account(btc=BTC)
    venue.place(seller, "ask", BTC // 2, 100 * USD)
    venue.place(seller, "ask", 30_000_000, 101 * USD)
    venue.place(seller, "ask", 1 * BTC, 99 * USD + 50_000)  # invalid: 0.2 BTC left to offer
    buyer = venue.account(usd=100 * USD)
    venue.place(buyer, "bid", 40_000_000, 99 * USD)
    venue.place(buyer, "bid", 40_000_000, 98 * USD)
    gone = venue.place(buyer, "bid", 10_000_000, 99 * USD + 10_000)
    venue.cancel(buyer, gone.oid)
    return venue


@pytest.mark.parametrize(
    ("amount", "price", "cost"),
    [
        (1 * BTC, None, 8_030_000),  # 5_000_000 + 30_000_000 x 10_100_000 / 1e8 = 3_030_000; the rest unfilled
        (80_000_000, None, 8_030_000),
        (60_000_000, None, 6_010_000),  # 5_000_000 + 10_000_000 x 10_100_000 / 1e8
        (50_000_000, None, 5_000_000),  # exactly the first level
        (1 * BTC, 100 * USD, 5_000_000),  # the limit stops at 100
        (1 * BTC, 101 * USD, 8_030_000),
        (1 * BTC, 100 * USD - 1, 0),
        (33_333_333, None, 3_333_333),  # 33_333_333 x 10_000_000 / 1e8 = 3_333_333.33
    ],
)
def test_what_a_bid_would_cost(stocked: Venue, amount: int, price: int | None, cost: int) -> None:
    assert quote(stocked, "bid", amount, price) == cost


@pytest.mark.parametrize(
    ("amount", "price", "fetch"),
    [
        (1 * BTC, None, 7_880_000),  # 0.4 x 99 = 3_960_000, 0.4 x 98 = 3_920_000
        (50_000_000, None, 4_940_000),  # 3_960_000 + 0.1 x 98 = 980_000
        (1 * BTC, 99 * USD, 3_960_000),
        (1 * BTC, 99 * USD + 1, 0),
    ],
)
def test_what_an_ask_would_fetch(stocked: Venue, amount: int, price: int | None, fetch: int) -> None:
    assert quote(stocked, "ask", amount, price) == fetch


def test_an_empty_book_quotes_nothing(venue: Venue) -> None:
    assert quote(venue, "bid", 1 * BTC) == 0
    assert quote(venue, "ask", 1 * BTC, 1) == 0


def test_the_last_satoshi_is_priced_too(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    venue.place(seller, "ask", 1_000_000, 1_000 * USD)
    venue.place(seller, "ask", 1_000_000, 2_000 * USD)
    # 1_000_000 x 100_000_000 / 1e8 = 1_000_000, then 1 x 200_000_000 / 1e8 = 2
    assert quote(venue, "bid", 1_000_001) == 1_000_002
