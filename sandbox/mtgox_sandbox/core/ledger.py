"""Accounts, API keys, wallets and their history: every balance change goes through `post`.

A wallet row holds `balance` (everything the account owns in that currency) and `reserved`
(the part held by its open orders); `available = balance - reserved`. `post` changes a
balance and writes the history row Mt. Gox showed for it (Index per wallet, type, value,
balance after, Info, Link, Trade), so a wallet's last history row always carries its balance.
Money entering or leaving the exchange (deposits, withdrawals, codes) is also written to
`external`, which is what makes the conservation check possible.
"""

from __future__ import annotations

import base64
import secrets
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .amounts import DEFAULT_FEE_PPM
from .db import FEE_ACCOUNT_ID, Tx
from .events import WalletChange

#: Every right a key can hold, in the order `info` lists them.
ALL_RIGHTS = ("deposit", "get_info", "merchant", "trade", "withdraw")
DEFAULT_RIGHTS = ("deposit", "get_info", "trade", "withdraw")
SECRET_BYTES = 64
#: The most one wallet holds, in units: far past any real balance, and every sum of two of them
#: still fits SQLite's 64-bit integers.
MAX_BALANCE = 2**62


@dataclass(frozen=True)
class Credentials:
    key: str
    secret: str  # base64 of SECRET_BYTES random bytes, as Mt. Gox handed secrets out
    account_id: int
    login: str


@dataclass(frozen=True)
class Trade:
    """What a history row of a trade points to."""

    oid: str
    tid: int
    amount: int  # BTC units
    properties: str


class LedgerError(ValueError):
    """A bad argument to an account operation (unknown right, negative amount...)."""


def parse_rights(text: str | Iterable[str]) -> tuple[str, ...]:
    items = [r.strip() for r in (text.split(",") if isinstance(text, str) else text)]
    rights = sorted({r for r in items if r})
    unknown = [r for r in rights if r not in ALL_RIGHTS]
    if unknown:
        raise LedgerError(f"unknown right(s): {', '.join(unknown)}; expected some of {', '.join(ALL_RIGHTS)}")
    return tuple(rights)


def create_account(
    tx: Tx,
    login: str | None = None,
    *,
    rights: Iterable[str] = DEFAULT_RIGHTS,
    fee_ppm: int = DEFAULT_FEE_PPM,
    kind: str = "user",
) -> Credentials:
    """A new account with one API key (key: a UUID4; secret: base64 of 64 random bytes)."""
    if not 0 <= fee_ppm <= 1_000_000:
        raise LedgerError("the trade fee must be between 0 and 100 %")
    account_uuid = str(uuid.uuid4())
    login = login or f"sandbox-{account_uuid[:8]}"
    try:
        cur = tx.execute(
            "INSERT INTO accounts (uuid, login, kind, trade_fee_ppm, created, last_login) VALUES (?, ?, ?, ?, ?, ?)",
            (account_uuid, login, kind, fee_ppm, tx.now, tx.now),
        )
    except sqlite3.IntegrityError:
        raise LedgerError(f"an account named {login!r} exists already") from None
    account_id = int(cur.lastrowid or 0)
    key, secret = add_key(tx, account_id, rights)
    return Credentials(key, secret, account_id, login)


def add_key(tx: Tx, account_id: int, rights: Iterable[str]) -> tuple[str, str]:
    key = str(uuid.uuid4())
    raw = secrets.token_bytes(SECRET_BYTES)
    tx.execute(
        "INSERT INTO api_keys (key, account_id, secret, rights, created) VALUES (?, ?, ?, ?, ?)",
        (key, account_id, raw, ",".join(parse_rights(rights)), tx.now),
    )
    return key, base64.b64encode(raw).decode("ascii")


def add_sibling_key(tx: Tx, key: str, rights: Iterable[str]) -> tuple[str, str]:
    """One more key on the account that holds `key` (its own rights and nonce sequence)."""
    account = account_by_key(tx, key)
    if account is None:
        raise LedgerError(f"no account has the API key {key!r}")
    return add_key(tx, account, rights)


def account_by_login(tx: Tx, login: str) -> int | None:
    value = tx.scalar("SELECT id FROM accounts WHERE login = ?", (login,))
    return None if value is None else int(value)


def account_by_key(tx: Tx, key: str) -> int | None:
    value = tx.scalar("SELECT account_id FROM api_keys WHERE key = ?", (key,))
    return None if value is None else int(value)


def wallet(tx: Tx, account_id: int, currency: str) -> tuple[int, int]:
    """(balance, reserved); (0, 0) for a wallet that does not exist yet."""
    row = tx.one("SELECT balance, reserved FROM wallets WHERE account_id = ? AND currency = ?", (account_id, currency))
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def available(tx: Tx, account_id: int, currency: str) -> int:
    balance, reserved = wallet(tx, account_id, currency)
    return balance - reserved


def ensure_wallet(tx: Tx, account_id: int, currency: str) -> None:
    tx.execute("INSERT OR IGNORE INTO wallets (account_id, currency) VALUES (?, ?)", (account_id, currency))


def post(
    tx: Tx,
    account_id: int,
    currency: str,
    delta: int,
    kind: str,
    info: str,
    link: tuple[str, str] = ("", ""),
    trade: Trade | None = None,
    *,
    reserved_delta: int = 0,
) -> int:
    """Change a balance by `delta` and write its history row; returns the new balance.

    `link` is (kind, reference) of the `Link` triple, e.g. ("Money_Trade", tid); its first
    item, the operation's own UUID, is made here. `reserved_delta` changes the held part in
    the same statement (a fill that spends held funds).
    """
    sql = (
        "UPDATE wallets SET balance = balance + ?, reserved = reserved + ?, operations = operations + 1"
        " WHERE account_id = ? AND currency = ? RETURNING balance, operations"
    )
    params = (delta, reserved_delta, account_id, currency)
    row = tx.one(sql, params)
    if row is None:
        ensure_wallet(tx, account_id, currency)
        row = tx.one(sql, params)
        assert row is not None
    balance, index = int(row[0]), int(row[1])
    if tx.events is not None:
        tx.events.append(WalletChange(account_id, currency, kind, delta, balance, info))
    tx.execute(
        "INSERT INTO history (account_id, currency, idx, date, type, value, balance, info, link_id, link_kind,"
        " link_ref, oid, tid, trade_amount, trade_properties) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            account_id,
            currency,
            index,
            tx.now,
            kind,
            abs(delta),
            balance,
            info,
            str(uuid.uuid4()),
            link[0],
            link[1],
            trade.oid if trade else None,
            trade.tid if trade else None,
            trade.amount if trade else None,
            trade.properties if trade else None,
        ),
    )
    return balance


def _update_wallet(tx: Tx, sql: str, params: tuple[int, int, str]) -> None:
    if tx.execute(sql, params).rowcount == 0:
        ensure_wallet(tx, params[1], params[2])
        tx.execute(sql, params)


def move_silently(tx: Tx, account_id: int, currency: str, delta: int) -> None:
    """Change a balance without a history row: only for the exchange's fee account."""
    _update_wallet(
        tx,
        "UPDATE wallets SET balance = balance + ? WHERE account_id = ? AND currency = ?",
        (delta, account_id, currency),
    )


def credit_fee(tx: Tx, currency: str, amount: int) -> None:
    if amount:
        move_silently(tx, FEE_ACCOUNT_ID, currency, amount)


def reserve(tx: Tx, account_id: int, currency: str, delta: int) -> None:
    """Hold (`delta > 0`) or release (`delta < 0`) funds for open orders."""
    if delta:
        _update_wallet(
            tx,
            "UPDATE wallets SET reserved = reserved + ? WHERE account_id = ? AND currency = ?",
            (delta, account_id, currency),
        )


def external(tx: Tx, account_id: int, currency: str, amount: int, kind: str, reference: str) -> None:
    tx.execute(
        "INSERT INTO external (account_id, currency, amount, kind, reference, created) VALUES (?, ?, ?, ?, ?, ?)",
        (account_id, currency, amount, kind, reference, tx.now),
    )


def deposit(tx: Tx, account_id: int, currency: str, amount: int, info: str = "Sandbox deposit") -> str:
    """Money arriving from outside (the CLI's --fund, a bitcoin deposit); returns its reference."""
    if amount <= 0:
        raise LedgerError("a deposit must be positive")
    if wallet(tx, account_id, currency)[0] + amount > MAX_BALANCE:
        raise LedgerError(f"a deposit of {amount} {currency} units would take the balance past what a wallet holds")
    reference = str(uuid.uuid4())
    kind = "Money_Bitcoin_Block_Tx_Out" if currency == "BTC" else "Money_Deposit"
    post(tx, account_id, currency, amount, "deposit", info, (kind, reference))
    external(tx, account_id, currency, amount, "deposit", reference)
    return reference


def fund(tx: Tx, account_id: int, amounts: Mapping[str, int]) -> None:
    for currency, amount in amounts.items():
        if amount:
            deposit(tx, account_id, currency, amount)


def new_secret() -> str:
    return base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def check_invariants(tx: Tx) -> list[str]:
    """Every broken ledger invariant, as text; an empty list when the books balance.

    - per currency, the sum of all balances equals the money that crossed the border;
    - every wallet's `reserved` equals what its open orders hold, and never exceeds its balance;
    - every wallet's last history row carries its balance, and its Index count matches;
    - open orders have something left, closed ones hold nothing.
    """
    problems: list[str] = []
    # Summed here, not by SQLite: its SUM stops at 2**63, and the books must be checked at any size.
    totals: dict[str, int] = {}
    for currency, balance in tx.conn.execute("SELECT currency, balance FROM wallets"):
        totals[currency] = totals.get(currency, 0) + int(balance)
    flows: dict[str, int] = {}
    for currency, amount in tx.conn.execute("SELECT currency, amount FROM external"):
        flows[currency] = flows.get(currency, 0) + int(amount)
    for currency in sorted(set(totals) | set(flows)):
        if totals.get(currency, 0) != flows.get(currency, 0):
            problems.append(
                f"{currency}: balances sum to {totals.get(currency, 0)}, external flows to {flows.get(currency, 0)}"
            )
    held: dict[tuple[int, str], int] = {}
    for account_id, currency, reserved in tx.conn.execute(
        "SELECT account_id, reserve_currency, reserved FROM orders WHERE status = 'open'"
    ):
        held[(account_id, currency)] = held.get((account_id, currency), 0) + int(reserved)
    for r in tx.all("SELECT account_id, currency, balance, reserved, operations FROM wallets"):
        account_id, currency, balance, reserved, operations = r[0], r[1], int(r[2]), int(r[3]), int(r[4])
        holding = held.get((account_id, currency), 0)
        if reserved != holding:
            problems.append(f"account {account_id} {currency}: reserved {reserved} but open orders hold {holding}")
        if reserved > balance:
            problems.append(f"account {account_id} {currency}: reserved {reserved} exceeds balance {balance}")
        if account_id == FEE_ACCOUNT_ID:
            continue
        last = tx.one(
            "SELECT idx, balance FROM history WHERE account_id = ? AND currency = ? ORDER BY idx DESC LIMIT 1",
            (account_id, currency),
        )
        if operations and (last is None or int(last[0]) != operations or int(last[1]) != balance):
            problems.append(
                f"account {account_id} {currency}: history does not end at balance {balance} / index {operations}"
            )
    bad = tx.scalar(
        "SELECT COUNT(*) FROM orders WHERE (status = 'open' AND remaining = 0) OR (status != 'open' AND reserved != 0)"
    )
    if bad:
        problems.append(f"{bad} order(s) with an inconsistent status")
    return problems
