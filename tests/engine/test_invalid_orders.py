"""Orders the engine takes but cannot fund (`invalid`), and orders it refuses outright.

An order the account cannot cover is accepted as `invalid`, as Mt. Gox did: listed, never
matched, holding nothing, cancellable. An order below 0.01 BTC, without a positive price, of an
unknown side or too large for the ledger's integers is refused, and nothing of it is written.
"""

from __future__ import annotations

import pytest

from mtgox_sandbox.core import events as ev
from mtgox_sandbox.core.errors import SandboxError

from .venue import BTC, USD, Venue

MAX_UNITS = 2**53  # the largest amount (and quote value) of one order, written out


def test_an_unfunded_bid_is_invalid_holds_nothing_and_is_never_met(venue: Venue) -> None:
    buyer = venue.account(usd=50 * USD)
    bid = venue.place(buyer, "bid", 1 * BTC, 100 * USD)  # needs 10_000_000, has 5_000_000
    assert (bid.status, bid.amount, bid.filled, bid.remaining, bid.trades) == (
        "invalid",
        100_000_000,
        0,
        100_000_000,
        0,
    )
    assert venue.order(bid.oid) == ("invalid", 100_000_000, 0)
    seller = venue.account(btc=BTC)
    ask = venue.place(seller, "ask", 1 * BTC, 90 * USD)
    assert (ask.status, ask.trades) == ("open", 0)
    assert venue.fills() == []
    assert venue.wallet(buyer, "USD") == (5_000_000, 0)
    assert venue.invariants() == []


def test_an_unfunded_ask_is_invalid_and_never_met(venue: Venue) -> None:
    seller = venue.account(btc=BTC // 2)
    ask = venue.place(seller, "ask", 1 * BTC, 100 * USD)
    assert venue.order(ask.oid) == ("invalid", 100_000_000, 0)
    bid = venue.place(venue.account(usd=200 * USD), "bid", 1 * BTC, 110 * USD)
    assert (bid.status, bid.trades) == ("open", 0)
    assert venue.wallet(seller, "BTC") == (50_000_000, 0)
    assert venue.invariants() == []


def test_an_invalid_order_records_pending_then_invalid_and_nothing_of_the_book(venue: Venue) -> None:
    buyer = venue.account()
    bid, facts = venue.place_listened(buyer, "bid", 1 * BTC, 100 * USD)
    assert [type(f) for f in facts] == [ev.OrderState, ev.OrderQueued, ev.OrderState]
    first, _, last = facts
    assert isinstance(first, ev.OrderState) and isinstance(last, ev.OrderState)
    assert (first.status, last.status) == ("pending", "invalid")
    assert (last.oid, last.amount, last.price, last.side, last.kind) == (
        bid.oid,
        100_000_000,
        10_000_000,
        "bid",
        "limit",
    )


def test_the_smallest_order_is_one_hundredth_of_a_btc(venue: Venue) -> None:
    trader = venue.account(btc=BTC)
    assert venue.place(trader, "ask", 1_000_000, 100 * USD).status == "open"
    with pytest.raises(SandboxError) as refused:
        venue.place(trader, "ask", 999_999, 100 * USD)
    assert (refused.value.message, refused.value.token) == ("Order amount is too low", "order_amount_too_low")


@pytest.mark.parametrize(
    ("side", "amount", "price", "message"),
    [
        ("buy", BTC, 100 * USD, 'Invalid parameter "type" (should be ask or bid)'),
        ("bid", BTC, 0, 'Invalid parameter "price_int"'),
        ("ask", BTC, -1, 'Invalid parameter "price_int"'),
        ("ask", MAX_UNITS + 1, None, 'Invalid parameter "amount_int"'),
        # 1 BTC at 2**53 + 1 units: 1e8 x (2**53 + 1) / 1e8 = 2**53 + 1 units to pay, past the bound
        ("bid", BTC, MAX_UNITS + 1, 'Invalid parameter "price_int"'),
    ],
)
def test_refused_orders_write_nothing(venue: Venue, side: str, amount: int, price: int | None, message: str) -> None:
    trader = venue.account(btc=BTC, usd=100 * USD)
    with pytest.raises(SandboxError) as refused:
        venue.place(trader, side, amount, price)
    assert (refused.value.message, refused.value.token) == (message, "invalid_parameter")
    assert venue.conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0
    assert venue.wallet(trader, "BTC") == (100_000_000, 0)


def test_the_largest_amounts_are_taken_as_orders(venue: Venue) -> None:
    trader = venue.account()
    # 2**53 satoshi at 1 USD: 2**53 x 100_000 / 1e8 = 2**53 / 1000, within bounds (unfunded, so invalid)
    assert venue.place(trader, "ask", MAX_UNITS, 100_000).status == "invalid"
    # 1 BTC at 2**53 units: 2**53 x 1e8 / 1e8 = 2**53, exactly the bound
    assert venue.place(trader, "bid", 1 * BTC, MAX_UNITS).status == "invalid"
