"""The matching engine in-process, against a real SQLite file."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.db import FEE_ACCOUNT_ID, connect, transaction
from mtgox_sandbox.core.errors import SandboxError
from mtgox_sandbox.core.exchange import Exchange

BTC = 100_000_000
USD = 100_000
EXCHANGE = Exchange(load())


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    c = connect(tmp_path / "engine.db")
    yield c
    c.close()


def account(conn: sqlite3.Connection, btc: int = 0, usd: int = 0, fee_ppm: int = 6000) -> int:
    with transaction(conn) as tx:
        creds = ledger.create_account(tx, fee_ppm=fee_ppm)
        ledger.fund(tx, creds.account_id, {"BTC": btc, "USD": usd})
    return creds.account_id


def place(conn: sqlite3.Connection, who: int, side: str, amount: int, price: int | None, pair: str = "BTCUSD") -> str:
    with transaction(conn) as tx:
        return EXCHANGE.engine.place(tx, who, pair, side, amount, price).oid


def wallet(conn: sqlite3.Connection, who: int, currency: str) -> tuple[int, int]:
    with transaction(conn, write=False) as tx:
        return ledger.wallet(tx, who, currency)


def order(conn: sqlite3.Connection, oid: str) -> sqlite3.Row:
    row: sqlite3.Row = conn.execute("SELECT * FROM orders WHERE oid = ?", (oid,)).fetchone()
    return row


def invariants(conn: sqlite3.Connection) -> list[str]:
    with transaction(conn, write=False) as tx:
        return ledger.check_invariants(tx)


def test_limit_orders_cross_at_the_resting_price_with_fees(conn: sqlite3.Connection) -> None:
    seller = account(conn, btc=10 * BTC)
    buyer = account(conn, usd=1_000 * USD)
    ask = place(conn, seller, "ask", 2 * BTC, 100 * USD)
    assert wallet(conn, seller, "BTC") == (10 * BTC, 2 * BTC)  # held for the ask
    bid = place(conn, buyer, "bid", 1 * BTC, 110 * USD)
    # one trade at the ask's price: 100 USD for 1 BTC; fees 0.6 % of what each receives
    assert order(conn, bid)["status"] == "filled"
    assert order(conn, ask)["status"] == "open" and order(conn, ask)["remaining"] == BTC
    assert wallet(conn, buyer, "USD") == (900 * USD, 0)
    assert wallet(conn, buyer, "BTC") == (BTC - BTC * 6 // 1000, 0)
    assert wallet(conn, seller, "USD") == (100 * USD - 100 * USD * 6 // 1000, 0)
    assert wallet(conn, seller, "BTC") == (9 * BTC, BTC)
    assert wallet(conn, FEE_ACCOUNT_ID, "BTC")[0] == BTC * 6 // 1000
    assert wallet(conn, FEE_ACCOUNT_ID, "USD")[0] == 100 * USD * 6 // 1000
    rows = conn.execute(
        "SELECT currency, type, info FROM history WHERE account_id = ? AND tid IS NOT NULL ORDER BY id", (buyer,)
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [("BTC", "in"), ("USD", "spent"), ("BTC", "fee")]
    assert rows[0][2].startswith("BTC bought: [tid:") and rows[0][2].endswith("] 1.00000000 BTC at $100.00000")
    assert rows[2][2].endswith("(0.6% fee)")
    assert invariants(conn) == []


def test_partial_fill_rests_and_holds_only_what_is_left(conn: sqlite3.Connection) -> None:
    seller = account(conn, btc=10 * BTC)
    buyer = account(conn, usd=1_000 * USD)
    place(conn, seller, "ask", BTC // 2, 90 * USD)
    bid = place(conn, buyer, "bid", 2 * BTC, 100 * USD)
    row = order(conn, bid)
    assert row["status"] == "open" and row["remaining"] == 3 * BTC // 2
    # 45 USD paid for half a BTC; 150 USD held for the 1.5 BTC left at 100
    assert wallet(conn, buyer, "USD") == (955 * USD, 150 * USD)
    assert invariants(conn) == []


def test_price_time_priority(conn: sqlite3.Connection) -> None:
    makers = [account(conn, btc=BTC) for _ in range(4)]
    first = place(conn, makers[0], "ask", BTC, 101 * USD)
    second = place(conn, makers[1], "ask", BTC, 100 * USD)
    third = place(conn, makers[2], "ask", BTC, 100 * USD)
    fourth = place(conn, makers[3], "ask", BTC, 102 * USD)
    buyer = account(conn, usd=1_000 * USD)
    place(conn, buyer, "bid", 5 * BTC // 2, 101 * USD)
    # best price first (100), oldest first at a price (second before third), then 101
    assert order(conn, second)["status"] == "filled"
    assert order(conn, third)["status"] == "filled"
    assert order(conn, first)["remaining"] == BTC // 2
    assert order(conn, fourth)["remaining"] == BTC
    prices = [r[0] for r in conn.execute("SELECT price FROM trades ORDER BY tid")]
    assert prices == [100 * USD, 100 * USD, 101 * USD]
    tids = [r[0] for r in conn.execute("SELECT tid FROM trades ORDER BY rowid")]
    assert tids == sorted(tids) and len(set(tids)) == 3
    assert invariants(conn) == []


def test_market_orders_take_the_book_and_drop_the_rest(conn: sqlite3.Connection) -> None:
    seller = account(conn, btc=10 * BTC)
    place(conn, seller, "ask", BTC, 100 * USD)
    place(conn, seller, "ask", BTC, 110 * USD)
    buyer = account(conn, usd=1_000 * USD)
    oid = place(conn, buyer, "bid", 3 * BTC, None)
    row = order(conn, oid)
    assert row["status"] == "done" and row["remaining"] == BTC  # the book held only 2 BTC
    assert wallet(conn, buyer, "USD") == (790 * USD, 0)
    sold = place(conn, seller, "ask", BTC, None)  # nothing to sell to
    assert order(conn, sold)["status"] == "done"
    assert invariants(conn) == []


def test_unfunded_orders_are_invalid_and_never_match(conn: sqlite3.Connection) -> None:
    poor = account(conn, usd=10 * USD)
    bid = place(conn, poor, "bid", BTC, 100 * USD)
    assert order(conn, bid)["status"] == "invalid"
    assert wallet(conn, poor, "USD") == (10 * USD, 0)
    seller = account(conn, btc=BTC)
    place(conn, seller, "ask", BTC, 50 * USD)
    assert conn.execute("SELECT COUNT(*) FROM trades").fetchone()[0] == 0
    with transaction(conn) as tx:
        EXCHANGE.engine.cancel(tx, poor, bid)
    assert order(conn, bid)["status"] == "cancelled"
    assert invariants(conn) == []


def test_minimum_amount_and_cancel(conn: sqlite3.Connection) -> None:
    who = account(conn, btc=BTC, usd=100 * USD)
    with pytest.raises(SandboxError, match="Order amount is too low"), transaction(conn) as tx:
        EXCHANGE.engine.place(tx, who, "BTCUSD", "ask", BTC // 100 - 1, 100 * USD)
    oid = place(conn, who, "bid", BTC // 2, 100 * USD)
    assert wallet(conn, who, "USD") == (100 * USD, 50 * USD)
    with transaction(conn) as tx:
        EXCHANGE.engine.cancel(tx, who, oid)
    assert wallet(conn, who, "USD") == (100 * USD, 0)
    with pytest.raises(SandboxError, match="Order not found"), transaction(conn) as tx:
        EXCHANGE.engine.cancel(tx, who, oid)


def random_trading(conn: sqlite3.Connection, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    accounts = [
        account(
            conn,
            btc=rng.randint(0, 20) * BTC,
            usd=rng.randint(0, 3000) * USD,
            fee_ppm=rng.choice([0, 5000, 6000, 6500]),
        )
        for _ in range(6)
    ]
    for _ in range(steps):
        who = rng.choice(accounts)
        action = rng.random()
        with transaction(conn) as tx:
            if action < 0.15:
                open_orders = tx.all(
                    "SELECT oid FROM orders WHERE account_id = ? AND status IN ('open', 'invalid')", (who,)
                )
                if open_orders:
                    EXCHANGE.engine.cancel(tx, who, rng.choice(open_orders)[0])
                continue
            side = rng.choice(["bid", "ask"])
            amount = rng.randint(BTC // 100, 3 * BTC) + rng.randint(0, 99)
            price = None if action < 0.25 else rng.randint(90 * USD, 110 * USD) + rng.randint(0, 9)
            EXCHANGE.engine.place(tx, who, "BTCUSD", side, amount, price)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_random_trading_conserves_balances(tmp_path: Path, seed: int) -> None:
    conn = connect(tmp_path / f"random-{seed}.db")
    try:
        random_trading(conn, seed, 120)
        assert invariants(conn) == []
        assert conn.execute("SELECT COUNT(*) FROM trades").fetchone()[0] > 0
    finally:
        conn.close()
