"""What the exchange did, recorded inside its transaction: the one interface the engine and the
ledger know of the stream.

`Tx.events` is a list while anyone listens to the stream and None otherwise (then nothing is
recorded and nothing costs). The engine and the ledger append these facts in the order things
happen; after the handler, still inside the transaction, the stream turns them into messages
(reading what it needs), and publishes them once the transaction has committed. A savepoint
that rolls back drops the facts recorded inside it (db.savepoint).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OrderState:
    """An order as its owner sees it now (a `user_order` message)."""

    account_id: int
    oid: str
    pair: str
    side: str
    kind: str  # limit | market
    price: int | None
    amount: int  # what is left
    invalid: bool  # not covered by funds
    status: str  # pending | open | invalid
    priority: int
    date: int


@dataclass(frozen=True)
class OrderGone:
    """An order left the book: `requested` (cancel), `completed_passive`, `completed_active`."""

    account_id: int
    oid: str
    reason: str


@dataclass(frozen=True)
class DepthChange:
    """A price level changed by `delta` (0 after a trade, as Mt. Gox sent it) to `total`."""

    pair: str
    side: str
    price: int
    delta: int
    total: int
    stamp: int


@dataclass(frozen=True)
class TradeDone:
    pair: str
    tid: int
    price: int
    amount: int
    trade_type: str  # the taker's side
    properties: str  # limit | market
    accounts: tuple[int, ...]  # the buyer and the seller (once when they are the same)


@dataclass(frozen=True)
class WalletChange:
    account_id: int
    currency: str
    op: str  # in | out | spent | earned | fee | deposit | withdraw
    delta: int
    balance: int
    info: str


@dataclass(frozen=True)
class OrderQueued:
    """The trade engine took an order off its queue (a `lag` message)."""

    qid: str
    stamp: int
    age_us: int


Event = OrderState | OrderGone | DepthChange | TradeDone | WalletChange | OrderQueued
