"""Cancels: an open or invalid order of one's own leaves the book and frees exactly what it held."""

from __future__ import annotations

import pytest

from mtgox_sandbox.core.errors import SandboxError

from .venue import BTC, USD, Venue

ODD = 10_000_001  # 100.00001 USD


def test_cancelling_an_ask_frees_its_btc(venue: Venue) -> None:
    seller = venue.account(btc=2 * BTC)
    ask = venue.place(seller, "ask", 1 * BTC, 100 * USD)
    other = venue.place(seller, "ask", 30_000_000, 101 * USD)
    venue.cancel(seller, ask.oid)
    assert venue.order(ask.oid) == ("cancelled", 100_000_000, 0)
    assert venue.wallet(seller, "BTC") == (200_000_000, 30_000_000)  # the other ask still holds its 0.3
    assert venue.order(other.oid) == ("open", 30_000_000, 30_000_000)
    assert venue.invariants() == []


def test_cancelling_a_bid_frees_its_quote_currency_not_its_btc_amount(venue: Venue) -> None:
    buyer = venue.account(usd=100 * USD)
    bid = venue.place(buyer, "bid", BTC // 2, ODD)  # holds 5_000_001
    other = venue.place(buyer, "bid", 20_000_000, 100 * USD)  # holds 2_000_000
    assert venue.wallet(buyer, "USD") == (10_000_000, 7_000_001)
    venue.cancel(buyer, bid.oid)
    assert venue.order(bid.oid) == ("cancelled", 50_000_000, 0)
    assert venue.wallet(buyer, "USD") == (10_000_000, 2_000_000)
    assert venue.order(other.oid) == ("open", 20_000_000, 2_000_000)
    assert venue.invariants() == []


def test_cancelling_a_partly_filled_bid_frees_what_its_rest_holds(venue: Venue) -> None:
    buyer = venue.account(usd=200 * USD)
    bid = venue.place(buyer, "bid", 1 * BTC, ODD)
    venue.place(venue.account(btc=BTC), "ask", 30_000_000, ODD)
    # 3_000_000 paid; 0.7 left holds ceil(7_000_000.7) = 7_000_001
    assert venue.wallet(buyer, "USD") == (17_000_000, 7_000_001)
    venue.cancel(buyer, bid.oid)
    assert venue.order(bid.oid) == ("cancelled", 70_000_000, 0)
    assert venue.wallet(buyer, "USD") == (17_000_000, 0)
    assert venue.invariants() == []


def test_cancelling_a_partly_filled_ask_frees_the_btc_left(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    ask = venue.place(seller, "ask", 1 * BTC, 100 * USD)
    venue.place(venue.account(usd=100 * USD), "bid", 40_000_000, 100 * USD)
    assert venue.wallet(seller, "BTC") == (60_000_000, 60_000_000)
    venue.cancel(seller, ask.oid)
    assert venue.order(ask.oid) == ("cancelled", 60_000_000, 0)
    assert venue.wallet(seller, "BTC") == (60_000_000, 0)
    assert venue.invariants() == []


def test_cancelling_an_invalid_order_frees_nothing(venue: Venue) -> None:
    buyer = venue.account(usd=10 * USD)
    held = venue.place(buyer, "bid", 1 * BTC, 10 * USD)  # holds all 1_000_000
    unfunded = venue.place(buyer, "bid", 1 * BTC, 5 * USD)
    assert unfunded.status == "invalid"
    venue.cancel(buyer, unfunded.oid)
    assert venue.order(unfunded.oid) == ("cancelled", 100_000_000, 0)
    assert venue.wallet(buyer, "USD") == (1_000_000, 1_000_000)
    assert venue.order(held.oid) == ("open", 100_000_000, 1_000_000)
    assert venue.invariants() == []


def test_a_cancelled_order_is_never_met(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    ask = venue.place(seller, "ask", 1 * BTC, 100 * USD)
    venue.cancel(seller, ask.oid)
    bid = venue.place(venue.account(usd=200 * USD), "bid", 1 * BTC, 100 * USD)
    assert (bid.status, bid.trades) == ("open", 0)
    assert venue.fills() == []


@pytest.mark.parametrize("whose", ["own filled", "own cancelled", "someone else's", "unknown"])
def test_what_cannot_be_cancelled_is_not_found_and_nothing_changes(venue: Venue, whose: str) -> None:
    seller = venue.account(btc=2 * BTC)
    buyer = venue.account(usd=100 * USD)
    filled = venue.place(seller, "ask", BTC // 2, 100 * USD)
    venue.place(buyer, "bid", BTC // 2, 100 * USD)
    resting = venue.place(seller, "ask", BTC // 2, 150 * USD)
    cancelled = venue.place(seller, "ask", BTC // 2, 160 * USD)
    venue.cancel(seller, cancelled.oid)
    who, oid = {
        "own filled": (seller, filled.oid),
        "own cancelled": (seller, cancelled.oid),
        "someone else's": (buyer, resting.oid),
        "unknown": (seller, "00000000-0000-4000-8000-000000000000"),
    }[whose]
    with pytest.raises(SandboxError) as refused:
        venue.cancel(who, oid)
    assert (refused.value.message, refused.value.token) == ("Order not found", "unknown_error")
    assert venue.order(resting.oid) == ("open", 50_000_000, 50_000_000)
    assert venue.wallet(seller, "BTC") == (150_000_000, 50_000_000)
    assert venue.invariants() == []
