"""The replay's fill model (Engine.take_through): a recorded print at a price fills the other
accounts' resting orders it reached, best price first, at their own prices, up to its amount,
taken by the replay's market maker (which holds the funds only for each fill)."""

from __future__ import annotations

import uuid

import pytest

from mtgox_sandbox.core import ledger

from .venue import BTC, USD, Venue


def test_a_print_bid_takes_the_asks_at_or_below_it_best_first_never_the_makers_own(venue: Venue) -> None:
    a, b, c = venue.account(btc=BTC), venue.account(btc=BTC), venue.account(btc=BTC)
    mm = venue.account(btc=10_000_000, usd=1_000 * USD)
    first = venue.place(a, "ask", 30_000_000, 100 * USD)
    second = venue.place(b, "ask", 20_000_000, 101 * USD)
    beyond = venue.place(c, "ask", 50_000_000, 102 * USD)
    own = venue.place(mm, "ask", 10_000_000, 99 * USD)
    with venue.tx() as tx:
        assert venue.engine.take_through(tx, mm, "BTCUSD", "bid", 101 * USD, 40_000_000) == 2
        assert tx.traded is True
    # 0.3 at 100 (30 USD), then 0.1 of the 0.2 at 101 (10.1 USD)
    assert [(ask, amount, price, spent) for _, ask, amount, price, spent in venue.fills()] == [
        (first.oid, 30_000_000, 10_000_000, 3_000_000),
        (second.oid, 10_000_000, 10_100_000, 1_010_000),
    ]
    assert [(t["bid_account"], t["trade_type"], t["properties"]) for t in venue.trades()] == [
        (mm, "bid", "limit"),
        (mm, "bid", "limit"),
    ]
    # the maker's side of both fills is one order of its own, never stored among the orders
    (taker,) = {t["bid_oid"] for t in venue.trades()}
    assert uuid.UUID(taker).version == 4
    assert venue.conn.execute("SELECT COUNT(*) FROM orders WHERE oid = ?", (taker,)).fetchone()[0] == 0
    assert venue.order(first.oid) == ("filled", 0, 0)
    assert venue.order(second.oid) == ("open", 10_000_000, 10_000_000)
    assert venue.order(beyond.oid) == ("open", 50_000_000, 50_000_000)
    assert venue.order(own.oid) == ("open", 10_000_000, 10_000_000)
    # 1000 - 30 - 10.1 USD, nothing held; 0.1 + 0.4 BTC less fees of 180_000 and 60_000, its ask's 0.1 held
    assert venue.wallet(mm, "USD") == (95_990_000, 0)
    assert venue.wallet(mm, "BTC") == (49_760_000, 10_000_000)
    assert venue.invariants() == []


def test_a_print_ask_takes_the_bids_at_or_above_it_best_first(venue: Venue) -> None:
    d, e, f = venue.account(usd=100 * USD), venue.account(usd=100 * USD), venue.account(usd=100 * USD)
    mm = venue.account(btc=BTC)
    high = venue.place(d, "bid", 20_000_000, 100 * USD)
    low = venue.place(e, "bid", 20_000_000, 99 * USD)
    under = venue.place(f, "bid", 20_000_000, 98 * USD)
    with venue.tx() as tx:
        assert venue.engine.take_through(tx, mm, "BTCUSD", "ask", 99 * USD, 30_000_000) == 2
    # 0.2 at 100 (20 USD), then 0.1 of the 0.2 at 99 (9.9 USD)
    assert [(bid, amount, price, spent) for bid, _, amount, price, spent in venue.fills()] == [
        (high.oid, 20_000_000, 10_000_000, 2_000_000),
        (low.oid, 10_000_000, 9_900_000, 990_000),
    ]
    assert venue.order(high.oid) == ("filled", 0, 0)
    # 0.1 left at 99: 9.9 USD still held
    assert venue.order(low.oid) == ("open", 10_000_000, 990_000)
    assert venue.order(under.oid) == ("open", 20_000_000, 1_960_000)
    # 0.3 BTC sold, nothing held; 29.9 USD earned less 0.6 % fees of 12_000 and 5_940
    assert venue.wallet(mm, "BTC") == (70_000_000, 0)
    assert venue.wallet(mm, "USD") == (2_972_060, 0)
    assert venue.invariants() == []


def test_a_print_fills_down_to_its_last_satoshi(venue: Venue) -> None:
    a, b = venue.account(btc=BTC), venue.account(btc=BTC)
    mm = venue.account(usd=100 * USD)
    first = venue.place(a, "ask", 30_000_000, 100 * USD)
    second = venue.place(b, "ask", 20_000_000, 100 * USD)
    with venue.tx() as tx:
        assert venue.engine.take_through(tx, mm, "BTCUSD", "bid", 100 * USD, 30_000_001) == 2
    # one satoshi at 100 USD is 0.000001 USD, below the 0.00001 USD unit: truncated to nothing
    assert [(ask, amount, spent) for _, ask, amount, _, spent in venue.fills()] == [
        (first.oid, 30_000_000, 3_000_000),
        (second.oid, 1, 0),
    ]
    assert venue.order(second.oid) == ("open", 19_999_999, 19_999_999)
    assert venue.invariants() == []


def test_a_print_that_reaches_nothing_fills_nothing(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    mm = venue.account(usd=100 * USD)
    venue.place(seller, "ask", 10_000_000, 100 * USD)
    with venue.tx() as tx:
        assert venue.engine.take_through(tx, mm, "BTCUSD", "bid", 9_999_999, 10_000_000) == 0
        assert tx.traded is False
    assert venue.trades() == []


def test_a_deposit_may_fill_a_wallet_to_its_bound_and_no_further(venue: Venue) -> None:
    trader = venue.account(usd=USD)
    with venue.tx() as tx:
        ledger.deposit(tx, trader, "USD", ledger.MAX_BALANCE - USD - 1)
    assert venue.wallet(trader, "USD") == (2**62 - 1, 0)
    with venue.tx() as tx, pytest.raises(ledger.LedgerError) as refused:
        ledger.deposit(tx, trader, "USD", 2)
    assert str(refused.value) == "a deposit of 2 USD units would take the balance past what a wallet holds"
    with venue.tx() as tx:
        ledger.deposit(tx, trader, "USD", 1)
    assert venue.wallet(trader, "USD") == (2**62, 0)
    assert venue.invariants() == []
