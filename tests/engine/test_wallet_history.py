"""Wallet history: one row per balance change, numbered per wallet, carrying the balance after it.

The rows Mt. Gox showed (api-v0-v1.md, wallet history): `Index`, `Type`, `Value`, `Balance`,
`Info` ("BTC bought: [tid:...] 0.10000000 BTC at $100.00000", fee rows ending "(0.6% fee)"),
`Link` (an id, "Money_Trade", the tid) and `Trade`.
"""

from __future__ import annotations

import uuid

from .venue import BTC, EUR, NOW, USD, Venue


def test_a_trade_writes_three_rows_for_each_side(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    buyer = venue.account(usd=100 * USD)
    ask = venue.place(seller, "ask", 1 * BTC, 100 * USD)
    bid = venue.place(buyer, "bid", 1 * BTC, 100 * USD)
    tid = venue.trades()[0]["tid"]
    sold = f"BTC sold: [tid:{tid}] 1.00000000 BTC at $100.00000"
    bought = f"BTC bought: [tid:{tid}] 1.00000000 BTC at $100.00000"
    assert venue.history(seller, "BTC") == [
        (1, "deposit", 100_000_000, 100_000_000, "Sandbox deposit"),
        (2, "out", 100_000_000, 0, sold),
    ]
    assert venue.history(seller, "USD") == [
        (1, "earned", 10_000_000, 10_000_000, sold),
        (2, "fee", 60_000, 9_940_000, sold + " (0.6% fee)"),
    ]
    assert venue.history(buyer, "USD") == [
        (1, "deposit", 10_000_000, 10_000_000, "Sandbox deposit"),
        (2, "spent", 10_000_000, 0, bought),
    ]
    assert venue.history(buyer, "BTC") == [
        (1, "in", 100_000_000, 100_000_000, bought),
        (2, "fee", 600_000, 99_400_000, bought + " (0.6% fee)"),
    ]
    rows = venue.conn.execute(
        "SELECT account_id, link_kind, link_ref, oid, tid, trade_amount, trade_properties, date FROM history"
        " WHERE tid IS NOT NULL ORDER BY id"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        (seller, "Money_Trade", str(tid), ask.oid, tid, 100_000_000, "limit", NOW),
        (seller, "Money_Trade", str(tid), ask.oid, tid, 100_000_000, "limit", NOW),
        (seller, "Money_Trade", str(tid), ask.oid, tid, 100_000_000, "limit", NOW),
        (buyer, "Money_Trade", str(tid), bid.oid, tid, 100_000_000, "limit", NOW),
        (buyer, "Money_Trade", str(tid), bid.oid, tid, 100_000_000, "limit", NOW),
        (buyer, "Money_Trade", str(tid), bid.oid, tid, 100_000_000, "limit", NOW),
    ]
    link_ids = [r[0] for r in venue.conn.execute("SELECT link_id FROM history")]
    assert len(set(link_ids)) == len(link_ids) == 8
    assert all(uuid.UUID(link).version == 4 for link in link_ids)
    assert venue.invariants() == []


def test_each_wallet_counts_its_own_operations(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    buyer = venue.account(usd=100 * USD)
    venue.place(seller, "ask", BTC // 2, 100 * USD)
    venue.place(seller, "ask", BTC // 2, 100 * USD)
    venue.place(buyer, "bid", 1 * BTC, 100 * USD)
    # two fills: the buyer's BTC wallet gets in, fee, in, fee; its USD wallet deposit, spent, spent
    assert [r[:4] for r in venue.history(buyer, "BTC")] == [
        (1, "in", 50_000_000, 50_000_000),
        (2, "fee", 300_000, 49_700_000),
        (3, "in", 50_000_000, 99_700_000),
        (4, "fee", 300_000, 99_400_000),
    ]
    assert [r[:4] for r in venue.history(buyer, "USD")] == [
        (1, "deposit", 10_000_000, 10_000_000),
        (2, "spent", 5_000_000, 5_000_000),
        (3, "spent", 5_000_000, 0),
    ]
    operations = dict(
        venue.conn.execute("SELECT currency, operations FROM wallets WHERE account_id = ?", (buyer,)).fetchall()
    )
    assert operations == {"BTC": 4, "USD": 3}


def test_info_texts_write_amounts_and_prices_as_mt_gox_did(venue: Venue) -> None:
    seller = venue.account(btc=BTC, eur=0)
    buyer = venue.account(usd=10_000 * USD, eur=1_000 * EUR)
    venue.place(seller, "ask", 12_345_678, 123_456_789)  # 0.12345678 BTC at 1,234.56789 USD
    venue.place(buyer, "bid", 12_345_678, 123_456_789)
    venue.place(seller, "ask", 1 * BTC - 12_345_678, 7_500_000, pair="BTCEUR")  # at 75 EUR
    venue.place(buyer, "bid", 1 * BTC - 12_345_678, 7_500_000, pair="BTCEUR")
    first, second = (t["tid"] for t in venue.trades())
    # no thousands separator; the euro sign after the number, a plain space before it
    assert venue.history(buyer, "BTC")[0][4] == f"BTC bought: [tid:{first}] 0.12345678 BTC at $1234.56789"
    assert venue.history(seller, "EUR")[0][4] == f"BTC sold: [tid:{second}] 0.87654322 BTC at 75.00000 €"


def test_deposits_link_to_their_reference_by_kind(venue: Venue) -> None:
    who = venue.account(btc=BTC, usd=USD)
    rows = venue.conn.execute(
        "SELECT h.currency, h.link_kind, h.link_ref, e.reference, e.amount FROM history h"
        " JOIN external e ON e.account_id = h.account_id AND e.currency = h.currency WHERE h.account_id = ?"
        " ORDER BY h.currency",
        (who,),
    ).fetchall()
    assert [(r[0], r[1], r[4]) for r in rows] == [
        ("BTC", "Money_Bitcoin_Block_Tx_Out", 100_000_000),
        ("USD", "Money_Deposit", 100_000),
    ]
    assert all(r[2] == r[3] for r in rows)
    assert all(uuid.UUID(r[3]).version == 4 for r in rows) and rows[0][3] != rows[1][3]
