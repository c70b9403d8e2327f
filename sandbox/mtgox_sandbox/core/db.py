"""The sandbox's state in one SQLite file: schema, connections, transactions, the stamp clock.

Durability. The database runs in WAL mode with `synchronous=NORMAL` by default: a commit is
written to the WAL (the operating system holds it) before the answer leaves, so a killed
process (`kill -9`, a crash, a test's SIGKILL) loses nothing it acknowledged; only a power
failure or kernel crash can drop the last transactions, never corrupt the file. That is the
right trade for a sandbox (about twice the write throughput of an fsync per request); `--synchronous FULL`
fsyncs the WAL on every commit for those who want power-loss durability too.

Transactions. `BEGIN IMMEDIATE` (the write lock, taken up front, so two writers never
deadlock) ... `COMMIT`, or `ROLLBACK` on any exception; the server runs requests in them as
worker.py says (requests that arrive together share one, each in its savepoint). Other
processes (the CLI adding an account while the server runs) wait up to `busy_timeout`.

Money is stored as integers of each currency's smallest unit; CHECK constraints refuse a
negative balance or reservation, so a bug becomes a rolled-back 500, never a bad ledger.

Stamps. Trade ids, order priorities and depth stamps are Unix microseconds, strictly
increasing across the whole database (and across processes writing to it): `Tx.stamp()`
reads the last one handed out from `meta` once per transaction and writes it back at commit.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from .clock import WALL, Clock, ClockError, ClockState, ExchangeClock

T = TypeVar("T")
Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]
SCHEMA_VERSION = 2
#: The exchange's own account: it receives every trading fee.
FEE_ACCOUNT_ID = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS accounts (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    login         TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'fees', 'market_maker')),
    trade_fee_ppm INTEGER NOT NULL DEFAULT 6000 CHECK (trade_fee_ppm BETWEEN 0 AND 1000000),
    created       INTEGER NOT NULL,
    last_login    INTEGER
);

CREATE TABLE IF NOT EXISTS api_keys (
    key        TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    secret     BLOB NOT NULL,
    rights     TEXT NOT NULL,
    last_nonce INTEGER NOT NULL DEFAULT 0,
    created    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS used_tonces (
    key   TEXT NOT NULL,
    tonce INTEGER NOT NULL,
    PRIMARY KEY (key, tonce)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS wallets (
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    currency   TEXT NOT NULL,
    balance    INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
    reserved   INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    operations INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, currency)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS history (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    currency   TEXT NOT NULL,
    idx        INTEGER NOT NULL,
    date       INTEGER NOT NULL,
    type       TEXT NOT NULL CHECK (type IN ('in', 'out', 'spent', 'earned', 'fee', 'deposit', 'withdraw')),
    value      INTEGER NOT NULL CHECK (value >= 0),
    balance    INTEGER NOT NULL,
    info       TEXT NOT NULL,
    link_id    TEXT NOT NULL,
    link_kind  TEXT NOT NULL,
    link_ref   TEXT NOT NULL,
    oid        TEXT,
    tid        INTEGER,
    trade_amount INTEGER,
    trade_properties TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS history_wallet ON history (account_id, currency, idx);

CREATE TABLE IF NOT EXISTS orders (
    oid        TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    pair       TEXT NOT NULL,
    side       TEXT NOT NULL CHECK (side IN ('bid', 'ask')),
    kind       TEXT NOT NULL CHECK (kind IN ('limit', 'market')),
    price      INTEGER CHECK (price > 0),
    amount     INTEGER NOT NULL CHECK (amount > 0),
    remaining  INTEGER NOT NULL CHECK (remaining >= 0),
    reserved   INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    reserve_currency TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'open', 'invalid', 'filled', 'cancelled', 'done')),
    priority   INTEGER NOT NULL,
    created    INTEGER NOT NULL,
    updated_us INTEGER NOT NULL,
    -- a `pending` order waits in the trade engine's queue until then (a lagging engine)
    due_us     INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS orders_asks ON orders (pair, price, priority) WHERE status = 'open' AND side = 'ask';
CREATE INDEX IF NOT EXISTS orders_bids ON orders (pair, price DESC, priority) WHERE status = 'open' AND side = 'bid';
CREATE INDEX IF NOT EXISTS orders_owned ON orders (account_id, priority) WHERE status IN ('pending', 'open', 'invalid');
CREATE INDEX IF NOT EXISTS orders_queue ON orders (due_us, priority) WHERE status = 'pending';

-- `seq`: the order trades were written in (the ticker windows fold them in that order).
-- `tid`: the trade id on the wire, a microsecond stamp for a trade made here, the recorded one
-- for a replayed trade (small sequential numbers before June 2011). `at_us`: when it happened
-- (the 24-hour windows). `trade_type` is empty for a recorded trade without a side.
CREATE TABLE IF NOT EXISTS trades (
    seq         INTEGER PRIMARY KEY,
    tid         INTEGER NOT NULL,
    pair        TEXT NOT NULL,
    price       INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    spent       INTEGER NOT NULL,
    date        INTEGER NOT NULL,
    at_us       INTEGER NOT NULL,
    trade_type  TEXT NOT NULL CHECK (trade_type IN ('bid', 'ask', '')),
    properties  TEXT NOT NULL,
    bid_oid     TEXT NOT NULL,
    ask_oid     TEXT NOT NULL,
    bid_account INTEGER NOT NULL,
    ask_account INTEGER NOT NULL,
    bid_fee     INTEGER NOT NULL,
    ask_fee     INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS trades_pair_tid ON trades (pair, tid);
CREATE INDEX IF NOT EXISTS trades_tid ON trades (tid);
CREATE INDEX IF NOT EXISTS trades_pair_at ON trades (pair, at_us);
CREATE INDEX IF NOT EXISTS trades_pair_seq ON trades (pair, seq);
CREATE INDEX IF NOT EXISTS trades_bid_oid ON trades (bid_oid);
CREATE INDEX IF NOT EXISTS trades_ask_oid ON trades (ask_oid);

CREATE TABLE IF NOT EXISTS addresses (
    addr        TEXT PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    description TEXT,
    ipn         TEXT,
    created     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS addresses_account ON addresses (account_id, created);

CREATE TABLE IF NOT EXISTS codes (
    code        TEXT PRIMARY KEY,
    currency    TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    created_by  INTEGER NOT NULL,
    redeemed_by INTEGER,
    reference   TEXT NOT NULL,
    created     INTEGER NOT NULL
) WITHOUT ROWID;

-- Every flow across the exchange's border (deposits, withdrawals, codes): for each currency,
-- the sum of all wallet balances equals the sum of `amount` here. Trades move money inside.
CREATE TABLE IF NOT EXISTS external (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    currency   TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    reference  TEXT NOT NULL,
    created    INTEGER NOT NULL
);
"""


class Transactions(Protocol):
    """Runs a function in one transaction of the exchange's database, wherever that runs (the
    server's worker: on the event loop or its database thread). Layers above the core are
    handed one of these; they never open connections of their own."""

    async def run(self, fn: Callable[[Tx], T], *, write: bool = True) -> T: ...


class DatabaseError(Exception):
    """The file is not a sandbox database of a version this code reads."""


class TooBigForTheLoop(Exception):
    """An inline transaction outgrew the event loop (worker.py): roll it back, run it on the thread."""


def connect(
    path: str | Path, synchronous: Synchronous = "NORMAL", *, check_same_thread: bool = True
) -> sqlite3.Connection:
    """Open (creating when missing) a sandbox database, in WAL mode, with the schema in place."""
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
    conn = sqlite3.connect(
        str(path), isolation_level=None, timeout=10.0, check_same_thread=check_same_thread, cached_statements=256
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    _ensure_schema(conn)
    return conn


def _stored_version(conn: sqlite3.Connection) -> int | None:
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone() is None:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else int(row[0])


def _table(name: str) -> str:
    """The CREATE TABLE statement of `name` in SCHEMA."""
    head = f"CREATE TABLE IF NOT EXISTS {name} ("
    start = SCHEMA.index(head)
    return SCHEMA[start : SCHEMA.index(";", start)]


#: From version 1: trades get `seq` (their order), `at_us` (their time; a version-1 tid was it)
#: and may have no side; orders may wait in the engine's queue (`pending`, `due_us`).
_FROM_VERSION_1 = (
    "ALTER TABLE orders RENAME TO orders_v1",
    "ALTER TABLE trades RENAME TO trades_v1",
    *(f"DROP INDEX IF EXISTS {index}" for index in ("orders_asks", "orders_bids", "orders_listed", "trades_pair")),
    *(f"DROP INDEX IF EXISTS {index}" for index in ("trades_bid_oid", "trades_ask_oid")),
    _table("orders"),
    _table("trades"),
    "INSERT INTO orders (oid, account_id, pair, side, kind, price, amount, remaining, reserved, reserve_currency,"
    " status, priority, created, updated_us) SELECT oid, account_id, pair, side, kind, price, amount, remaining,"
    " reserved, reserve_currency, status, priority, created, updated_us FROM orders_v1",
    "INSERT INTO trades (tid, pair, price, amount, spent, date, at_us, trade_type, properties, bid_oid, ask_oid,"
    " bid_account, ask_account, bid_fee, ask_fee) SELECT tid, pair, price, amount, spent, date, tid, trade_type,"
    " properties, bid_oid, ask_oid, bid_account, ask_account, bid_fee, ask_fee FROM trades_v1 ORDER BY tid",
    "DROP TABLE orders_v1",
    "DROP TABLE trades_v1",
    "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
)


def _ensure_schema(conn: sqlite3.Connection) -> None:
    version = _stored_version(conn)
    if version == 1:
        with transaction(conn, clock=WALL) as tx:
            for statement in _FROM_VERSION_1:
                tx.execute(statement)
    elif version not in (None, SCHEMA_VERSION):
        raise DatabaseError(f"database schema version {version}; this sandbox reads version {SCHEMA_VERSION}")
    conn.executescript(SCHEMA)  # idempotent (IF NOT EXISTS); outside a transaction, as executescript commits
    with transaction(conn, clock=WALL) as tx:
        if tx.scalar("SELECT value FROM meta WHERE key = 'schema_version'") is None:
            now = int(time.time())
            tx.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            tx.execute("INSERT INTO meta (key, value) VALUES ('stamp', '0')")
            tx.execute(
                "INSERT INTO accounts (id, uuid, login, kind, trade_fee_ppm, created) VALUES (?, ?, ?, 'fees', 0, ?)",
                (FEE_ACCOUNT_ID, "00000000-0000-4000-8000-000000000001", "mtgox-fees", now),
            )


#: The `meta` row holding the exchange clock's state (clock.py), when it is not the wall's.
CLOCK_ROW = "clock"


def stored_clock(conn: sqlite3.Connection) -> Clock:
    """The exchange's clock as the database holds it: the wall clock, or a replay's or a test's."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (CLOCK_ROW,)).fetchone()
    if row is None:
        return WALL
    try:
        return ExchangeClock(ClockState.from_text(str(row[0])))
    except ClockError as exc:
        raise DatabaseError(f"the exchange's clock in the database is unreadable: {exc}") from None


def save_clock(tx: Tx, state: ClockState) -> None:
    """Write the clock's state, for every process that writes to this exchange (and a restart)."""
    if state.mode == "wall":
        tx.execute("DELETE FROM meta WHERE key = ?", (CLOCK_ROW,))
    else:
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (CLOCK_ROW, state.to_text()))


class Tx:
    """One transaction: query helpers, the exchange's clock and the stamp clock."""

    __slots__ = (
        "_first_stamp",
        "_last_stamp",
        "clock",
        "conn",
        "events",
        "now",
        "now_us",
        "order_delay_us",
        "pinned",
        "rows_left",
        "started_us",
        "traded",
        "write",
    )

    def __init__(self, conn: sqlite3.Connection, clock: Clock = WALL, *, write: bool = True) -> None:
        self.conn = conn
        self.clock = clock
        #: A write transaction (BEGIN IMMEDIATE); a read one sees only what others committed.
        self.write = write
        #: Rows `all` may still read before the transaction is too big for the event loop
        #: (set by worker.py for inline transactions; None: no bound).
        self.rows_left: int | None = None
        #: What the exchange did (events.py), for whoever listens; None while nobody does.
        self.events: list[Any] | None = None
        #: The exchange's time, fixed for the whole transaction: Unix microseconds and seconds
        #: (a replay moves it to each recorded trade it prints: `set_time`).
        self.now_us = self.started_us = clock.now_us()
        self.now = self.now_us // 1_000_000
        #: Whether `set_time` moved the time: stamps then follow it rather than the clock.
        self.pinned = False
        #: How long the trade engine keeps the orders placed now in its queue (a lagging engine:
        #: the API sets it around a call it applies a `lag` fault to); 0: they run at once.
        self.order_delay_us = 0
        #: Whether a trade was written (what follows a commit skips the trade table otherwise).
        self.traded = False
        self._last_stamp: int | None = None
        self._first_stamp: int | None = None

    def set_time(self, now_us: int | None) -> None:
        """Move the transaction's time to `now_us` (a replay printing a recorded trade: what it
        does carries that time, and stamps follow it); None: back to the time it began with."""
        self.pinned = now_us is not None
        self.now_us = self.started_us if now_us is None else now_us
        self.now = self.now_us // 1_000_000

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = self.conn.execute(sql, params).fetchall()
        if self.rows_left is not None:
            self.rows_left -= len(rows)
            if self.rows_left < 0:
                raise TooBigForTheLoop
        return rows

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def _last(self) -> int:
        last = self._last_stamp
        if last is None:
            last = int(self.scalar("SELECT value FROM meta WHERE key = 'stamp'") or 0)
            self._first_stamp = self._last_stamp = last
        return last

    def stamp(self) -> int:
        """A Unix-microsecond stamp larger than every stamp handed out before, in any process."""
        last = self._last()
        now_us = self.now_us if self.pinned else self.clock.now_us()
        stamp = now_us if now_us > last else last + 1
        self._last_stamp = stamp
        return stamp

    def stamp_past(self, taken: int) -> None:
        """Hand out only stamps above `taken` from now on (a replayed trade's recorded tid)."""
        if taken > self._last():
            self._last_stamp = taken

    def rewind_stamps(self, floor: int) -> None:
        """Start the stamps again just above `floor`, earlier than before: only for an exchange
        with no order or trade yet, whose clock is set back (a replay starting)."""
        self._last()
        self._last_stamp = floor

    def finish(self) -> None:
        if self._last_stamp is not None and self._last_stamp != self._first_stamp:
            self.execute("UPDATE meta SET value = ? WHERE key = 'stamp'", (str(self._last_stamp),))


@contextmanager
def transaction(conn: sqlite3.Connection, *, write: bool = True, clock: Clock | None = None) -> Iterator[Tx]:
    """`BEGIN IMMEDIATE` (or a read-only `BEGIN`) ... `COMMIT`; `ROLLBACK` on any exception.

    Without a `clock`, the transaction runs on the one the database holds (`stored_clock`):
    a process writing beside the server stamps with the exchange's time."""
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        tx = Tx(conn, stored_clock(conn) if clock is None else clock, write=write)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        yield tx
        tx.finish()
    except BaseException:
        if conn.in_transaction:  # an interrupted write statement has rolled the transaction back already
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # a COMMIT that failed leaves the transaction open: never the next one's
            conn.execute("ROLLBACK")
        raise


@contextmanager
def savepoint(tx: Tx, name: str = "handler") -> Iterator[None]:
    """Undo only what the block did when it raises (the nonce, recorded before, stays)."""
    tx.execute(f"SAVEPOINT {name}")
    mark = len(tx.events) if tx.events is not None else 0
    try:
        yield
    except BaseException:
        tx.execute(f"ROLLBACK TO {name}")
        if tx.events is not None:
            del tx.events[mark:]  # what was undone did not happen
        tx.execute(f"RELEASE {name}")
        raise
    tx.execute(f"RELEASE {name}")
