"""The exchange's one clock (core/clock.py): its three modes, forward only, its state kept in the
database so every process writing to the exchange stamps with the same time, and times as
people write them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.clock import ClockError, ClockState, ExchangeClock, parse_time
from mtgox_sandbox.core.db import DatabaseError, connect, save_clock, transaction

DAY = 1356998400_000000  # 2013-01-01T00:00:00Z


class Wall:
    def __init__(self, now_us: int) -> None:
        self.now = now_us

    def now_us(self) -> int:
        return self.now


def test_stepped_moves_only_when_told_and_only_forward() -> None:
    clock = ExchangeClock(wall=Wall(2 * DAY))
    assert clock.now_us() == 2 * DAY  # the wall's, until told otherwise
    clock.restart_at(DAY, mode="stepped")
    assert clock.now_us() == DAY
    clock.step_to(DAY + 5)
    assert clock.now_us() == DAY + 5
    with pytest.raises(ClockError, match="only moves forward"):
        clock.step_to(DAY)
    assert clock.describe() == {
        "now": DAY // 10**6,
        "now_us": str(DAY + 5),
        "date": "2013-01-01 00:00:00",
        "mode": "stepped",
        "speed": None,
    }


def test_scaled_runs_n_times_the_wall_and_freezes_where_it_is() -> None:
    wall = Wall(10 * DAY)
    clock = ExchangeClock(wall=wall)
    clock.restart_at(DAY, mode="scaled", speed=60.0)
    wall.now += 1_000_000  # a second of the wall: a minute of the exchange
    assert clock.now_us() == DAY + 60_000_000
    clock.freeze()
    wall.now += 10_000_000
    assert clock.now_us() == DAY + 60_000_000
    clock.scale(2.0)
    wall.now += 1_000_000
    assert clock.now_us() == DAY + 62_000_000
    with pytest.raises(ClockError, match="only moves forward"):  # the wall is not behind it here...
        ExchangeClock(ClockState("stepped", 20 * DAY), wall=wall).follow_wall()
    clock.follow_wall()  # ...but it is ahead of this one
    assert clock.now_us() == wall.now


@pytest.mark.parametrize("speed", [0, -1, float("nan"), float("inf"), 2_000_000, True, "fast"])
def test_speeds_that_are_not_one_are_refused(speed: object) -> None:
    with pytest.raises(ClockError, match="speed"):
        ExchangeClock().restart_at(DAY, mode="scaled", speed=speed)  # type: ignore[arg-type]


def test_state_round_trips_and_bad_state_is_refused() -> None:
    state = ClockState("scaled", DAY, 2 * DAY, 12.5)
    assert ClockState.from_text(state.to_text()) == state
    for text in ("", "[]", '{"mode": "fast"}', '{"mode": "stepped", "at_us": -1}', '{"mode": "scaled", "speed": 0}'):
        with pytest.raises(ClockError):
            ClockState.from_text(text)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (1356998400, DAY),
        ("1356998400.5", DAY + 500_000),
        ("2013-01-01", DAY),
        ("2013-01-01T00:00:01Z", DAY + 1_000_000),
        ("2013-01-01 02:00:00+02:00", DAY),
    ],
)
def test_times_as_people_write_them(given: object, expected: int) -> None:
    assert parse_time(given) == expected


@pytest.mark.parametrize("given", ["yesterday", "", -5, True, None, "99999-01-01", float("nan")])
def test_times_that_are_not_are_refused(given: object) -> None:
    with pytest.raises(ClockError, match="not a time"):
        parse_time(given)


def test_every_process_writing_to_the_exchange_stamps_with_its_clock(tmp_path: Path) -> None:
    conn = connect(tmp_path / "ex.db")
    with transaction(conn) as tx:
        save_clock(tx, ClockState("stepped", DAY + 42))
    other = connect(tmp_path / "ex.db")  # another process: the CLI, the test fixture
    with transaction(other) as tx:
        assert tx.now_us == DAY + 42
        creds = ledger.create_account(tx, "alice")
        ledger.deposit(tx, creds.account_id, "USD", 100)
    assert other.execute("SELECT created FROM accounts WHERE login = 'alice'").fetchone()[0] == DAY // 10**6
    assert other.execute("SELECT date FROM history").fetchone()[0] == DAY // 10**6
    with transaction(conn) as tx:
        save_clock(tx, ClockState())  # back to the wall: nothing kept
    assert conn.execute("SELECT COUNT(*) FROM meta WHERE key = 'clock'").fetchone()[0] == 0
    conn.execute("INSERT INTO meta (key, value) VALUES ('clock', 'garbage')")
    with pytest.raises(DatabaseError, match="clock"), transaction(other):
        pass
    assert not other.in_transaction  # refused before anything, and rolled back
    conn.close()
    other.close()


def test_a_version_1_database_is_migrated_with_its_trades_and_orders(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    old = sqlite3.connect(path)
    old.executescript(V1)
    old.close()
    conn = connect(path)
    row = conn.execute("SELECT seq, tid, at_us, date, trade_type FROM trades").fetchone()
    assert tuple(row) == (1, 1357000000123456, 1357000000123456, 1357000000, "bid")
    order = conn.execute("SELECT oid, status, due_us FROM orders").fetchone()
    assert tuple(order) == ("o1", "open", None)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
    conn.close()
    connect(path).close()  # and a second open is a no-op


#: A version-1 sandbox database with one order and one trade, as the sandbox of before wrote it.
V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO meta VALUES ('schema_version', '1'), ('stamp', '1357000000123456');
CREATE TABLE accounts (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, login TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'user', trade_fee_ppm INTEGER NOT NULL DEFAULT 6000, created INTEGER NOT NULL,
    last_login INTEGER);
INSERT INTO accounts (id, uuid, login, kind, trade_fee_ppm, created) VALUES
    (1, '00000000-0000-4000-8000-000000000001', 'mtgox-fees', 'fees', 0, 1357000000);
CREATE TABLE orders (
    oid TEXT PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id), pair TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('bid', 'ask')), kind TEXT NOT NULL CHECK (kind IN ('limit', 'market')),
    price INTEGER CHECK (price > 0), amount INTEGER NOT NULL CHECK (amount > 0),
    remaining INTEGER NOT NULL CHECK (remaining >= 0), reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    reserve_currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'invalid', 'filled', 'cancelled', 'done')),
    priority INTEGER NOT NULL, created INTEGER NOT NULL, updated_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX orders_asks ON orders (pair, price, priority) WHERE status = 'open' AND side = 'ask';
CREATE INDEX orders_bids ON orders (pair, price DESC, priority) WHERE status = 'open' AND side = 'bid';
CREATE INDEX orders_listed ON orders (account_id, priority) WHERE status IN ('open', 'invalid');
INSERT INTO orders VALUES ('o1', 1, 'BTCUSD', 'bid', 'limit', 1300000, 100000000, 100000000, 0, 'USD', 'open',
    1357000000000001, 1357000000, 1357000000000001);
CREATE TABLE trades (
    tid INTEGER PRIMARY KEY, pair TEXT NOT NULL, price INTEGER NOT NULL, amount INTEGER NOT NULL,
    spent INTEGER NOT NULL, date INTEGER NOT NULL, trade_type TEXT NOT NULL CHECK (trade_type IN ('bid', 'ask')),
    properties TEXT NOT NULL, bid_oid TEXT NOT NULL, ask_oid TEXT NOT NULL, bid_account INTEGER NOT NULL,
    ask_account INTEGER NOT NULL, bid_fee INTEGER NOT NULL, ask_fee INTEGER NOT NULL
);
CREATE INDEX trades_pair ON trades (pair, tid);
CREATE INDEX trades_bid_oid ON trades (bid_oid);
CREATE INDEX trades_ask_oid ON trades (ask_oid);
INSERT INTO trades VALUES (1357000000123456, 'BTCUSD', 1300000, 1000000, 13000, 1357000000, 'bid', 'limit',
    'o1', 'o2', 1, 1, 0, 0);
"""
