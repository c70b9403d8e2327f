"""The ledger's own check (`mtgox-sandbox check`): each invariant, broken on purpose, is named.

The database is edited behind the engine's back, as a bug would leave it; the check must say
exactly what is wrong, with the figures.
"""

from __future__ import annotations

from .venue import BTC, FEES, USD, Venue


def books(venue: Venue) -> tuple[int, int, str]:
    """A seller with an open ask of 0.5 BTC (of 1), a buyer who bought 0.5 BTC at 100 USD."""
    seller = venue.account(btc=BTC)
    buyer = venue.account(usd=100 * USD)
    venue.place(seller, "ask", BTC // 2, 100 * USD)
    venue.place(buyer, "bid", BTC // 2, 100 * USD)
    oid = venue.place(seller, "ask", BTC // 2, 110 * USD).oid
    assert venue.invariants() == []
    return seller, buyer, oid


def test_money_made_out_of_nothing_is_seen(venue: Venue) -> None:
    seller, _, _ = books(venue)
    venue.conn.execute("UPDATE wallets SET balance = balance + 7 WHERE account_id = ? AND currency = 'USD'", (seller,))
    # 100 USD deposited in all; the seller now has 7 units more than its history says
    assert venue.invariants() == [
        "USD: balances sum to 10000007, external flows to 10000000",
        f"account {seller} USD: history does not end at balance 4970007 / index 2",
    ]


def test_fees_count_in_the_sums_but_keep_no_history(venue: Venue) -> None:
    books(venue)
    venue.conn.execute("UPDATE wallets SET balance = balance - 1 WHERE account_id = ? AND currency = 'BTC'", (FEES,))
    # the fee account held 300_000 satoshi of the 100_000_000 deposited
    assert venue.invariants() == ["BTC: balances sum to 99999999, external flows to 100000000"]


def test_a_reservation_no_order_explains_is_seen(venue: Venue) -> None:
    seller, buyer, _ = books(venue)
    venue.conn.execute("UPDATE wallets SET reserved = reserved + 1 WHERE account_id = ? AND currency = 'USD'", (buyer,))
    assert venue.invariants() == [f"account {buyer} USD: reserved 1 but open orders hold 0"]
    venue.conn.execute("UPDATE wallets SET reserved = 0 WHERE account_id = ? AND currency = 'USD'", (buyer,))
    venue.conn.execute("UPDATE wallets SET reserved = 1 WHERE account_id = ? AND currency = 'BTC'", (seller,))
    assert venue.invariants() == [f"account {seller} BTC: reserved 1 but open orders hold 50000000"]


def test_a_reservation_beyond_the_balance_is_seen(venue: Venue) -> None:
    seller, _, oid = books(venue)
    venue.conn.execute("UPDATE orders SET reserved = 60000000 WHERE oid = ?", (oid,))
    venue.conn.execute("UPDATE wallets SET reserved = 60000000 WHERE account_id = ? AND currency = 'BTC'", (seller,))
    assert venue.invariants() == [f"account {seller} BTC: reserved 60000000 exceeds balance 50000000"]


def test_a_history_that_does_not_end_at_the_balance_is_seen(venue: Venue) -> None:
    _, buyer, _ = books(venue)
    venue.conn.execute("UPDATE wallets SET operations = 5 WHERE account_id = ? AND currency = 'USD'", (buyer,))
    assert venue.invariants() == [f"account {buyer} USD: history does not end at balance 5000000 / index 5"]
    venue.conn.execute("UPDATE wallets SET operations = 2 WHERE account_id = ? AND currency = 'USD'", (buyer,))
    venue.conn.execute("UPDATE history SET balance = 1 WHERE account_id = ? AND currency = 'USD' AND idx = 2", (buyer,))
    assert venue.invariants() == [f"account {buyer} USD: history does not end at balance 5000000 / index 2"]
    venue.conn.execute("DELETE FROM history WHERE account_id = ? AND currency = 'USD'", (buyer,))
    assert venue.invariants() == [f"account {buyer} USD: history does not end at balance 5000000 / index 2"]


def test_orders_whose_status_contradicts_them_are_seen(venue: Venue) -> None:
    _, _, oid = books(venue)
    venue.conn.execute("UPDATE orders SET remaining = 0 WHERE oid = ?", (oid,))
    assert venue.invariants() == ["1 order(s) with an inconsistent status"]
    venue.conn.execute("UPDATE orders SET remaining = 1, status = 'cancelled' WHERE oid = ?", (oid,))
    problems = venue.invariants()
    assert problems[-1] == "1 order(s) with an inconsistent status"  # closed, still holding 0.5 BTC


def test_money_without_a_flow_and_a_flow_without_money_are_seen(venue: Venue) -> None:
    seller, _, _ = books(venue)
    # one unit each way, in currencies nobody else holds or moved
    venue.conn.execute("INSERT INTO wallets (account_id, currency, balance) VALUES (?, 'JPY', 1)", (FEES,))
    venue.conn.execute(
        "INSERT INTO external (account_id, currency, amount, kind, reference, created)"
        " VALUES (?, 'EUR', 1, 'deposit', 'r', 0)",
        (seller,),
    )
    assert venue.invariants() == [
        "EUR: balances sum to 0, external flows to 1",
        "JPY: balances sum to 1, external flows to 0",
    ]


def test_an_empty_wallet_and_flows_that_cancel_out_are_fine(venue: Venue) -> None:
    seller, _, _ = books(venue)
    venue.conn.execute("INSERT INTO wallets (account_id, currency) VALUES (?, 'JPY')", (seller,))
    venue.conn.executemany(
        "INSERT INTO external (account_id, currency, amount, kind, reference, created)"
        " VALUES (?, 'EUR', ?, 'code', 'r', 0)",
        [(seller, 5), (seller, -5)],
    )
    assert venue.invariants() == []
