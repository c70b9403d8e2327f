"""An exchange on a temporary SQLite file, driven through the sandbox's core directly.

No socket, no server: the engine and the ledger run in transactions of their own
(`core.db.transaction`) on a clock that stands still, so every stamp a test sees follows from
what it did. What an account's private channel receives is built from the facts the
transaction recorded (`Tx.events`) by the stream's message builder, as the server does after
its commit.

Every figure a test asserts is written out by hand in the test, never read back from the code
under test: these helpers only place orders and read rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mtgox_sandbox.core import events as ev
from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.db import FEE_ACCOUNT_ID, Tx, connect, transaction
from mtgox_sandbox.core.engine import Placed
from mtgox_sandbox.core.exchange import Exchange
from mtgox_sandbox.stream.channels import Channels
from mtgox_sandbox.stream.messages import Builder, Snapshot

#: Units of one BTC (satoshi) and of one USD (1e-5 USD): the catalogue's divisors, written out.
BTC = 100_000_000
USD = 100_000
EUR = 100_000
#: The exchange's time in every test: 2013-04-15 14:05:51 UTC.
NOW_US = 1_366_034_751_000_000
NOW = 1_366_034_751
FEES = FEE_ACCOUNT_ID
CATALOGUE = load()


class StillClock:
    """The exchange's clock, stopped: stamps are then NOW_US, NOW_US + 1, ... in the order taken."""

    def now_us(self) -> int:
        return NOW_US


class Venue:
    def __init__(self, path: Path) -> None:
        self.conn = connect(path)
        self.exchange = Exchange(CATALOGUE)
        self.engine = self.exchange.engine
        assert CATALOGUE.stream is not None
        self.builder = Builder(self.exchange, Channels(CATALOGUE.stream))

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def tx(self, *, write: bool = True, listen: bool = False) -> Iterator[Tx]:
        with transaction(self.conn, write=write, clock=StillClock()) as tx:
            if listen:
                tx.events = []
            yield tx

    # -- acting ------------------------------------------------------------------------------

    def account(
        self, *, btc: int = 0, usd: int = 0, eur: int = 0, fee_ppm: int = 6000, login: str | None = None
    ) -> int:
        with self.tx() as tx:
            creds = ledger.create_account(tx, login, fee_ppm=fee_ppm)
            ledger.fund(tx, creds.account_id, {"BTC": btc, "USD": usd, "EUR": eur})
        return creds.account_id

    def place(self, who: int, side: str, amount: int, price: int | None, pair: str = "BTCUSD") -> Placed:
        with self.tx() as tx:
            return self.engine.place(tx, who, pair, side, amount, price)

    def cancel(self, who: int, oid: str) -> None:
        with self.tx() as tx:
            self.engine.cancel(tx, who, oid)

    def listened(self, act: Callable[[Tx], object]) -> list[ev.Event]:
        """The facts one transaction recorded while someone listened."""
        with self.tx(listen=True) as tx:
            act(tx)
            assert tx.events is not None
            return list(tx.events)

    def place_listened(
        self, who: int, side: str, amount: int, price: int | None, pair: str = "BTCUSD"
    ) -> tuple[Placed, list[ev.Event]]:
        placed: list[Placed] = []
        facts = self.listened(lambda tx: placed.append(self.engine.place(tx, who, pair, side, amount, price)))
        return placed[0], facts

    # -- reading -----------------------------------------------------------------------------

    def wallet(self, who: int, currency: str) -> tuple[int, int]:
        """(balance, reserved)."""
        with self.tx(write=False) as tx:
            return ledger.wallet(tx, who, currency)

    def order(self, oid: str) -> tuple[str, int, int]:
        """(status, remaining, reserved) of an order."""
        row = self.conn.execute("SELECT status, remaining, reserved FROM orders WHERE oid = ?", (oid,)).fetchone()
        assert row is not None, oid
        return str(row[0]), int(row[1]), int(row[2])

    def trades(self) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = self.conn.execute("SELECT * FROM trades ORDER BY tid").fetchall()
        return rows

    def fills(self) -> list[tuple[str, str, int, int, int]]:
        """Every trade as (bid oid, ask oid, amount, price, spent), oldest first."""
        return [(r["bid_oid"], r["ask_oid"], r["amount"], r["price"], r["spent"]) for r in self.trades()]

    def history(self, who: int, currency: str) -> list[tuple[int, str, int, int, str]]:
        """A wallet's history as (Index, type, value, balance after, Info)."""
        rows = self.conn.execute(
            "SELECT idx, type, value, balance, info FROM history WHERE account_id = ? AND currency = ? ORDER BY idx",
            (who, currency),
        ).fetchall()
        return [(int(r[0]), str(r[1]), int(r[2]), int(r[3]), str(r[4])) for r in rows]

    def invariants(self) -> list[str]:
        with self.tx(write=False) as tx:
            return ledger.check_invariants(tx)

    def channel_of(self, who: int) -> str:
        return str(self.conn.execute("SELECT uuid FROM accounts WHERE id = ?", (who,)).fetchone()[0])

    def private(self, facts: list[ev.Event], *accounts: int) -> dict[int, list[dict[str, Any]]]:
        """What each account's private channel receives for these facts, in order."""
        mine = {who: self.channel_of(who) for who in accounts}
        everyone = {
            int(r[0]): str(r[1]) for r in self.conn.execute("SELECT id, uuid FROM accounts WHERE id != ?", (FEES,))
        }
        wanted = set(mine.values())
        snap = Snapshot(everyone, {}, NOW_US)
        out: dict[int, list[dict[str, Any]]] = {who: [] for who in accounts}
        by_channel = {channel: who for who, channel in mine.items()}
        for message in self.builder.build(facts, snap, wanted.__contains__):
            decoded = json.loads(message.text)
            assert decoded["channel"] == message.channel
            out[by_channel[message.channel]].append(decoded)
        return out


def summary(message: dict[str, Any]) -> tuple[Any, ...]:
    """A private message in a line: its kind and the figures it carries."""
    kind = message["private"]
    body = message[kind]
    if kind == "wallet":
        return (
            "wallet",
            body["op"],
            body["amount"]["currency"],
            int(body["amount"]["value_int"]),
            int(body["balance"]["value_int"]),
        )
    if kind == "trade":
        return ("trade", body["trade_type"], int(body["amount_int"]), int(body["price_int"]), body["properties"])
    if "reason" in body:
        return ("user_order", body["oid"], body["reason"])
    return ("user_order", body["oid"], body["status"], int(body["amount"]["value_int"]))
