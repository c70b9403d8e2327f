"""Printing a tape in the exchange's own transactions (core/replay.py), without a server: recorded
trades in the trade table with their tids, users' resting orders filled by the prints that reach
them (up to each print's amount, best price then oldest, at the order's price, with fees and
history), the market maker's ladder around the tape never across a user's order, and the trade
engine's queue while it lags."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from mtgox_sandbox.core import book, ledger, replay
from mtgox_sandbox.core import events as ev
from mtgox_sandbox.core.catalogue import load as load_catalogue
from mtgox_sandbox.core.clock import ClockState, ExchangeClock
from mtgox_sandbox.core.db import Tx, connect, transaction
from mtgox_sandbox.core.exchange import Exchange
from mtgox_sandbox.core.marketmaker import LOGIN
from mtgox_sandbox.core.replay import ReplayError
from mtgox_sandbox.core.tape import Tape, load

T0 = 1357000000_000000
CATALOGUE = load_catalogue()


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect(tmp_path / "ex.db")
    yield connection
    connection.close()


def recording(tmp_path: Path, rows: list[tuple[int, str, str, str]]) -> Tape:
    """A PyAlgoTrade file of (microseconds after T0, price, amount, side)."""
    path = tmp_path / "tape.csv"
    path.write_text("id,price,amount,type\n" + "".join(f"{T0 + t},{p},{a},{s}\n" for t, p, a, s in rows))
    ex = Exchange(CATALOGUE)
    return load(path, ex.money, ex.pairs)


class Market:
    """An exchange over `conn` on a stepped clock, a tape, and the transactions a server would run."""

    def __init__(self, conn: sqlite3.Connection, tape: Tape) -> None:
        self.conn = conn
        self.ex = Exchange(CATALOGUE)
        self.clock = ExchangeClock(ClockState("stepped", T0 - 1))
        self.tape = tape
        self.done = 0
        with self.tx() as tx:
            replay.begin(tx, T0 - 1, {"file": "tape"})
            self.ex.tickers.load(tx)

    def tx(self) -> AbstractContextManager[Tx]:
        return transaction(self.conn, clock=self.clock)

    def account(self, name: str, **funds: str) -> int:
        with self.tx() as tx:
            creds = ledger.create_account(tx, name)
            ledger.fund(tx, creds.account_id, {c: int(v) for c, v in funds.items()})
        return creds.account_id

    def order(self, account: int, side: str, amount: int, price: int | None, *, delay_s: int = 0) -> str:
        with self.tx() as tx:
            tx.order_delay_us = delay_s * 1_000_000
            return self.ex.engine.place(tx, account, "BTCUSD", side, amount, price).oid

    def until(self, offset_us: int) -> tuple[replay.Printed, list[ev.Event]]:
        with self.tx() as tx:
            tx.events = []
            printed = replay.print_until(tx, self.ex, self.tape, self.done, T0 + offset_us, limit=1000)
            facts = list(tx.events)
        self.done = printed.done
        self.clock.step_to(max(self.clock.now_us(), T0 + offset_us))
        with transaction(self.conn, write=False, clock=self.clock) as tx:
            self.ex.tickers.load(tx)
        return printed, facts

    def status(self, oid: str) -> tuple[str, int]:
        row = self.conn.execute("SELECT status, remaining FROM orders WHERE oid = ?", (oid,)).fetchone()
        return str(row[0]), int(row[1])

    def balance(self, account: int, currency: str) -> int:
        row = self.conn.execute(
            "SELECT balance FROM wallets WHERE account_id = ? AND currency = ?", (account, currency)
        ).fetchone()
        return int(row[0]) if row else 0

    def check(self) -> None:
        with transaction(self.conn, write=False, clock=self.clock) as tx:
            assert ledger.check_invariants(tx) == []


def test_recorded_trades_print_with_their_tids_and_move_nobodys_money(conn: sqlite3.Connection, tmp_path: Path) -> None:
    market = Market(conn, recording(tmp_path, [(0, "13.5", "2", "bid"), (500, "13.6", "0.5", "ask")]))
    printed, facts = market.until(1_000)
    assert (printed.done, printed.printed, printed.fills) == (2, 2, 0)
    rows = conn.execute("SELECT tid, date, at_us, price, amount, trade_type, bid_account FROM trades ORDER BY seq")
    assert [tuple(r) for r in rows.fetchall()] == [
        (T0, T0 // 10**6, T0, 1350000, 200000000, "bid", 0),
        (T0 + 500, T0 // 10**6, T0 + 500, 1360000, 50000000, "ask", 0),
    ]
    trades = [f for f in facts if isinstance(f, ev.TradeDone)]
    assert [(t.tid, t.accounts) for t in trades] == [(T0, ()), (T0 + 500, ())]
    with transaction(conn, write=False, clock=market.clock) as tx:
        figures = market.ex.tickers.figures(tx, "BTCUSD", 10**8)
        assert (figures.high, figures.low, figures.vol, figures.last) == (1360000, 1350000, 250000000, 1360000)
        # the ladder around the tape: bids below the last print, asks above it
        assert book.best(tx, "BTCUSD", "bid") < 1360000 < book.best(tx, "BTCUSD", "ask")
    market.check()


def test_a_resting_bid_fills_when_the_tape_trades_through_it_up_to_the_prints_amount(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    market = Market(
        conn,
        recording(
            tmp_path,
            [(0, "13.5", "1", "bid"), (10_000_000, "13.45", "0.3", "ask"), (20_000_000, "13.2", "5", "ask")],
        ),
    )
    market.until(0)
    alice = market.account("alice", USD=str(100 * 10**5))
    bob = market.account("bob", USD=str(100 * 10**5))
    # alice's bid is better; bob's is older at the same price as carol's would be
    first = market.order(alice, "bid", 50_000_000, 1340000)
    second = market.order(bob, "bid", 50_000_000, 1330000)
    printed, _ = market.until(10_000_000)  # 13.45 does not reach 13.40 or 13.30
    assert (printed.fills, market.status(first), market.status(second)) == (
        0,
        ("open", 50_000_000),
        ("open", 50_000_000),
    )
    printed, facts = market.until(20_000_000)  # 13.20 for 5 BTC reaches both, best price first
    assert printed.fills == 2
    assert market.status(first) == ("filled", 0) and market.status(second) == ("filled", 0)
    # at each order's own price, the market maker the other side, after the recorded trade
    fills = conn.execute(
        "SELECT price, amount, bid_account, ask_account, trade_type, bid_fee FROM trades WHERE bid_account != 0"
        " ORDER BY seq"
    ).fetchall()
    mm = conn.execute("SELECT id FROM accounts WHERE login = ?", (LOGIN,)).fetchone()[0]
    assert [tuple(f) for f in fills] == [
        (1340000, 50_000_000, alice, mm, "ask", 300_000),  # 0.6 % of 0.5 BTC
        (1330000, 50_000_000, bob, mm, "ask", 300_000),
    ]
    assert market.balance(alice, "BTC") == 50_000_000 - 300_000
    assert market.balance(alice, "USD") == 100 * 10**5 - 670_000
    history = conn.execute(
        "SELECT type, value, info FROM history WHERE account_id = ? ORDER BY idx, currency", (alice,)
    ).fetchall()
    rows = sorted((h[0], h[1]) for h in history if h[0] != "deposit")
    assert rows == [("fee", 300_000), ("in", 50_000_000), ("spent", 670_000)]
    assert any("BTC bought: [tid:" in h[2] for h in history)
    owners = {f.account_id for f in facts if isinstance(f, ev.WalletChange | ev.OrderGone)}
    assert {alice, bob} <= owners  # their wallet and user_order messages
    market.check()


def test_a_print_fills_no_more_than_its_amount_oldest_first(conn: sqlite3.Connection, tmp_path: Path) -> None:
    market = Market(conn, recording(tmp_path, [(0, "13.5", "1", "bid"), (1_000_000, "13.0", "0.3", "ask")]))
    market.until(0)
    alice = market.account("alice", BTC=str(10**8), USD=str(10**7))
    bob = market.account("bob", USD=str(10**7))
    older = market.order(alice, "bid", 20_000_000, 1320000)
    newer = market.order(bob, "bid", 20_000_000, 1320000)
    market.until(1_000_000)
    assert market.status(older) == ("filled", 0)
    assert market.status(newer) == ("open", 10_000_000)  # what was left of the 0.3 BTC print
    # an ask at or below a print fills the same way
    ask = market.order(alice, "ask", 40_000_000, 1325000)  # above every bid: it rests
    assert market.status(ask)[0] == "open"
    market.check()


def test_the_ladder_never_crosses_a_users_order(conn: sqlite3.Connection, tmp_path: Path) -> None:
    market = Market(conn, recording(tmp_path, [(0, "13.5", "1", "bid"), (60_000_000, "13.4", "0.01", "ask")]))
    market.until(0)
    alice = market.account("alice", USD=str(10**7))
    bid = market.order(alice, "bid", 10**8, 1355000)  # below the ladder's first ask (13.5675): it rests
    assert market.status(bid) == ("open", 10**8)
    market.until(60_000_000)
    # the print at 13.40 left the ladder and took 0.01 of alice's bid; a ladder around 13.40 would
    # ask 13.467, under her 13.55: it asks above her bid instead, so the rest waits for the tape
    assert market.status(bid) == ("open", 99_000_000)
    with transaction(conn, write=False, clock=market.clock) as tx:
        mm = ledger.account_by_login(tx, LOGIN)
        asks = [
            int(r[0])
            for r in tx.all("SELECT price FROM orders WHERE account_id = ? AND side = 'ask' AND status = 'open'", (mm,))
        ]
        bids = [
            int(r[0])
            for r in tx.all("SELECT price FROM orders WHERE account_id = ? AND side = 'bid' AND status = 'open'", (mm,))
        ]
    assert min(asks) == 1355001 and max(bids) < 1340000
    market.check()


def test_queued_orders_wait_their_time(conn: sqlite3.Connection, tmp_path: Path) -> None:
    market = Market(conn, recording(tmp_path, [(0, "13.5", "1", "bid"), (30_000_000, "13.5", "1", "bid")]))
    market.until(0)
    alice = market.account("alice", USD=str(10**7))
    oid = market.order(alice, "bid", 10**6, 1200000, delay_s=10)
    assert market.status(oid) == ("pending", 10**6)
    with transaction(conn, write=False, clock=market.clock) as tx:
        lag, length = market.ex.engine.queue(tx)
        assert (lag, length) == (0, 1)
    market.until(9_000_000)
    assert market.status(oid)[0] == "pending"
    _, facts = market.until(30_000_000)  # due at 10 s, before the print at 30 s
    assert market.status(oid) == ("open", 10**6)
    queued = [f for f in facts if isinstance(f, ev.OrderQueued)]
    assert queued and queued[0].age_us >= 10_000_000  # the lag message: how long it waited
    cancel_me = market.order(alice, "bid", 10**6, 1200000, delay_s=10)
    with market.tx() as tx:
        market.ex.engine.cancel(tx, alice, cancel_me)  # a queued order can be cancelled
    assert market.status(cancel_me)[0] == "cancelled"
    market.check()


def test_a_replay_sets_the_clock_back_only_on_an_exchange_without_orders_or_trades(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    market = Market(conn, recording(tmp_path, [(0, "13.5", "1", "bid")]))
    market.until(0)
    with market.tx() as tx:
        assert replay.check_start(tx, T0 + 10**9) is False  # later: nothing to set back
        with pytest.raises(ReplayError, match="already holds orders or trades"):
            replay.begin(tx, T0 - 10**9, {"file": "again"})
