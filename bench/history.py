"""What a long history costs a request: the sandbox with 200,000 trades in the last 24 hours.

`history_order_add_ratio`: a signed v2 `order/add` (a limit order that rests) through the SDK,
median latency with one websocket subscriber to `ticker.BTCUSD` reading every message, against
the same without a subscriber, on the same server in the same run. Every order moves the
book, so every one makes a ticker message: its 24-hour figures must not be recomputed from
the trade table.

`history_trades_fetch_ratio`: an anonymous `BTCUSD/money/trades/fetch` (no `since`), median
latency on that market, against the same call on an empty market (a second sandbox, same run).
A day of trades must cost what one page costs.
"""

from __future__ import annotations

import contextlib
import random
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx

import mtgox
from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.db import connect, transaction

from .harness import Figure, Sizes, median
from .server import server_process

BTC = 100_000_000
USD = 100_000
DAY_US = 86_400 * 1_000_000
ORDER_ADD_TARGET = 1.5
TRADES_FETCH_TARGET = 2.0


def fill_history(db: Path, trades: int, seed: int = 7) -> tuple[str, str]:
    """`trades` BTCUSD trades spread over the last 24 hours, written straight into the database
    (two accounts, one each side), and a funded account's (key, secret)."""
    rng = random.Random(seed)
    conn = connect(db)
    try:
        with transaction(conn) as tx:
            buyer = ledger.create_account(tx, "history-buyer").account_id
            seller = ledger.create_account(tx, "history-seller").account_id
            trader = ledger.create_account(tx, "history-trader")
            ledger.fund(tx, trader.account_id, {"BTC": 1_000 * BTC, "USD": 10_000_000 * USD})
            now = time.time_ns() // 1000
            start = now - DAY_US + 60_000_000
            step = (DAY_US - 120_000_000) // trades
            rows = []
            for i in range(trades):
                tid = start + i * step
                price = 100 * USD + rng.randint(-500_000, 500_000)
                amount = rng.randint(1, 100) * 1_000_000
                side = "bid" if i % 2 else "ask"
                rows.append(
                    (tid, "BTCUSD", price, amount, amount * price // BTC, tid // 1_000_000, tid, side, "limit",
                     f"b{i}", f"a{i}", buyer, seller, 0, 0)
                )  # fmt: skip
            tx.conn.executemany(
                "INSERT INTO trades (tid, pair, price, amount, spent, date, at_us, trade_type, properties, bid_oid,"
                " ask_oid, bid_account, ask_account, bid_fee, ask_fee)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            tx.execute("UPDATE meta SET value = ? WHERE key = 'stamp'", (str(now),))
        return trader.key, trader.secret
    finally:
        conn.close()


@contextlib.contextmanager
def ticker_subscriber(base: str) -> Iterator[list[int]]:
    """A websocket client reading `ticker.BTCUSD` in a thread; yields its message count (a box)."""
    from websockets.sync.client import connect as ws_connect

    count = [0]
    url = base.replace("http://", "ws://") + "/mtgox?Channel=ticker.BTCUSD"
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                text = ws.recv(timeout=0.2)
            except TimeoutError:
                continue
            except Exception:
                return
            if '"ticker"' in str(text):
                count[0] += 1

    with ws_connect(url, max_size=None) as ws:
        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        try:
            yield count
        finally:
            stop.set()
            thread.join(5)


def _order_adds(client: mtgox.Client, n: int, rng: random.Random) -> list[float]:
    out = []
    for _ in range(n):
        # rests below the market: a bid that moves the book
        price = Decimal(50 * USD + rng.randint(0, 1_000_000)) / USD
        began = time.perf_counter()
        client.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.01"), price=price)
        out.append(time.perf_counter() - began)
    return out


def _fetches(base: str, n: int) -> list[float]:
    out = []
    with httpx.Client(base_url=base) as http:
        http.get("/api/2/BTCUSD/money/trades/fetch").raise_for_status()  # warm up
        for _ in range(n):
            began = time.perf_counter()
            http.get("/api/2/BTCUSD/money/trades/fetch").raise_for_status()
            out.append(time.perf_counter() - began)
    return out


def _calls(sizes: Sizes) -> tuple[int, int, int]:
    """(trades of history, calls per side, rounds)."""
    trades = 200_000 if sizes.name != "tiny" else 2_000
    calls = {"full": 300, "quick": 120, "tiny": 10}.get(sizes.name, 120)
    return trades, calls, max(2, sizes.sandbox_rounds)


SERVE = [sys.executable, "-m", "mtgox_sandbox", "serve", "--port", "0", "--db"]


def history_order_add_ratio(sizes: Sizes) -> list[Figure]:
    trades, calls, rounds = _calls(sizes)
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-history-") as tmp:
        busy = Path(tmp) / "history.db"
        key, secret = fill_history(busy, trades)
        with (
            server_process([*SERVE, str(busy)], log=Path(tmp) / "busy.log", timeout=120) as base,
            mtgox.Client(key, secret, base_url=base + "/api", nonce_store="memory") as client,
        ):
            quiet: list[float] = []
            watched: list[float] = []
            tickers = 0
            for r in range(rounds):
                for side in ("quiet", "watched") if r % 2 == 0 else ("watched", "quiet"):
                    if side == "quiet":
                        quiet += _order_adds(client, calls // rounds, rng)
                    else:
                        with ticker_subscriber(base) as seen:
                            time.sleep(0.2)
                            watched += _order_adds(client, calls // rounds, rng)
                            time.sleep(0.2)
                            tickers += seen[0]
    if tickers == 0:
        raise RuntimeError("the ticker subscriber received no ticker: the figure would measure nothing")
    return [
        Figure(
            "history_order_add_ratio",
            "ms",
            median(watched) * 1000,
            median(quiet) * 1000,
            "the same signed order/add without a ticker subscriber, same server, same run",
            len(watched),
            f"{trades:,} BTCUSD trades in the last 24 h written into the sandbox's database; real sandbox "
            f"subprocess; SDK sync client, resting limit bids; {rounds} interleaved rounds; the subscriber read "
            f"{tickers} ticker messages",
            target=ORDER_ADD_TARGET,
            extra={"ticker_messages": tickers},
        )
    ]


def history_trades_fetch_ratio(sizes: Sizes) -> list[Figure]:
    trades, calls, rounds = _calls(sizes)
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-history-") as tmp:
        busy, empty = Path(tmp) / "history.db", Path(tmp) / "empty.db"
        fill_history(busy, trades)
        connect(empty).close()
        with (
            server_process([*SERVE, str(busy)], log=Path(tmp) / "busy.log", timeout=120) as base,
            server_process([*SERVE, str(empty)], log=Path(tmp) / "empty.log") as empty_base,
        ):
            full: list[float] = []
            bare: list[float] = []
            for r in range(rounds):
                for name in ("full", "bare") if r % 2 == 0 else ("bare", "full"):
                    samples = _fetches(base if name == "full" else empty_base, calls // rounds)
                    (full if name == "full" else bare).extend(samples)
            with httpx.Client(base_url=base) as http:
                page = http.get("/api/2/BTCUSD/money/trades/fetch").json()["data"]
    return [
        Figure(
            "history_trades_fetch_ratio",
            "ms",
            median(full) * 1000,
            median(bare) * 1000,
            "the same anonymous trades/fetch on an empty market (a second sandbox), same run",
            len(full),
            f"{trades:,} BTCUSD trades in the last 24 h written into the sandbox's database; real sandbox "
            "subprocess; httpx keep-alive GET /api/2/BTCUSD/money/trades/fetch polled back to back on an "
            f"unchanged market (as a bot polls it); the answer held {len(page)} trades",
            target=TRADES_FETCH_TARGET,
            extra={"page_trades": len(page)},
        )
    ]
