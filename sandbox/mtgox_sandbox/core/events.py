"""What the exchange did, recorded inside its transaction: facts of the domain, in the order
things happened, for whoever listens (the Streaming API turns them into messages).

`Tx.events` is a list while anyone listens and None otherwise (then nothing is recorded and
nothing costs). A savepoint that rolls back drops the facts recorded inside it (db.savepoint),
so what stays is exactly what the committed transaction did. Each fact carries everything a
message about it needs, so messages are built from facts alone, after the commit, without
reading the database again.
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
    status: str  # pending -> executing -> post-pending -> open, or pending -> invalid (not covered by funds)
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
    """A trade printed: made here (between one or two accounts) or replayed from a recording
    (no account: `accounts` is empty, `trade_type` may be empty)."""

    pair: str
    tid: int
    date: int  # Unix seconds
    price: int
    amount: int
    trade_type: str  # the taker's side ("" for a recorded trade without one)
    properties: str  # limit | market
    accounts: tuple[int, ...]  # the buyer and the seller (once when they are the same; none for a replayed one)


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
