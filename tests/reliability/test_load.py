"""Load and concurrency against the real sandbox.

- One API key shared by processes x threads, threads, event loops and asyncio tasks: no call fails,
  the server refuses no nonce (counted by a proxy in the answers themselves; any refusal would have
  to match a re-sign in the SDK's DEBUG log), every acknowledged order is in the database once.
- Accounts trading at random on BTCUSD and BTCEUR, sync and async, every version: each
  currency's total over the accounts (their `v1.info`) and the exchange's fee account is what
  was deposited, and every acknowledged order is accounted for (open, filled or cancelled).
- SIGKILL mid-load, restart: the ledger's invariants hold and no acknowledged order is lost.

The default run is short; `-m stress` runs the long versions.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest

import mtgox
from mtgox_sandbox.core.db import FEE_ACCOUNT_ID
from mtgox_sandbox.fixture import Sandbox

from ._worker import load as load_in_process
from .support import REPO, counting_logs, record
from .wire import TcpProxy

pytestmark = pytest.mark.integration  # real servers and sockets on loopback

NONCE_REJECTION = b"login_error_invalid_nonce"


@pytest.fixture
def counting_proxy(shared_sandbox: Sandbox) -> Iterator[TcpProxy]:
    with TcpProxy((shared_sandbox.host, shared_sandbox.port), count=NONCE_REJECTION) as running:
        yield running


def worker_process(
    proxy: TcpProxy, key: str, secret: str, threads: int, calls: int, nonce_dir: Path
) -> subprocess.Popen[str]:
    env = dict(os.environ, MTGOX_API_KEY=key, MTGOX_API_SECRET=secret, MTGOX_BASE_URL=proxy.base_url)
    env.pop("MTGOX_LOG", None)
    command = [
        sys.executable, "-m", "tests.reliability._worker", "load",
        "--threads", str(threads), "--calls", str(calls), "--nonce-dir", str(nonce_dir),
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def async_tasks(base_url: str, key: str, secret: str, tasks: int, calls: int, nonce_dir: Path) -> dict[str, Any]:
    failures: list[str] = []
    oids: list[str] = []
    async with mtgox.AsyncClient(key, secret, base_url=base_url, nonce_store=nonce_dir, rate_limit=None) as api:

        async def one(index: int) -> None:
            for i in range(calls):
                try:
                    if (index + i) % 5 == 4:
                        oids.append(await api.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.01"), price=1))
                    elif (index + i) % 2:
                        await api.v2.info()
                    else:
                        await api.v1.info()
                except mtgox.MtGoxError as exc:
                    failures.append(f"{type(exc).__name__}: {exc}"[:300])

        await asyncio.gather(*(one(n) for n in range(tasks)))
    return {
        "calls": tasks * calls,
        "failed": len(failures),
        "nonce failures": sum(f.startswith("NonceError") for f in failures),
        "failures": failures[:5],
        "oids": oids,
    }


def one_key_everywhere(
    sandbox: Sandbox,
    proxy: TcpProxy,
    tmp_path: Path,
    *,
    processes: int,
    threads: int,
    calls: int,
    tasks: int,
    task_calls: int,
) -> dict[str, Any]:
    key, secret = sandbox.add_account(fund={"USD": "100000"})
    nonce_dir = tmp_path / "nonces"
    children = [worker_process(proxy, key, secret, threads, calls, nonce_dir) for _ in range(processes)]
    in_process: dict[str, Any] = {}
    in_tasks: dict[str, Any] = {}

    def run_threads() -> None:
        in_process.update(
            load_in_process(threads, calls, str(nonce_dir), key=key, secret=secret, base_url=proxy.base_url)
        )

    def run_tasks() -> None:
        in_tasks.update(asyncio.run(async_tasks(proxy.base_url, key, secret, tasks, task_calls, nonce_dir)))

    with counting_logs() as counts:
        side = [threading.Thread(target=run_threads), threading.Thread(target=run_tasks)]
        for t in side:
            t.start()
        for t in side:
            t.join()
    results = [in_process, in_tasks]
    for child in children:
        out, err = child.communicate(timeout=600)
        assert child.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    oids = [oid for r in results for oid in r["oids"]]
    stored = sandbox.query(
        "SELECT o.oid FROM orders o JOIN api_keys k ON k.account_id = o.account_id WHERE k.key = ?", (key,)
    )
    return {
        "calls": sum(r["calls"] for r in results),
        "failed": sum(r["failed"] for r in results),
        "nonce failures": sum(r["nonce failures"] for r in results),
        "failures": [f for r in results for f in r["failures"]][:10],
        # in this process, threads and tasks log to the same counter (`counts`); children report theirs
        "resigned by the SDK": counts["resigned"] + sum(r.get("resigned", 0) for r in results[2:]),
        "rejected by the server": proxy.matches,
        "orders acknowledged": len(oids),
        "orders distinct": len(set(oids)),
        "orders stored": sorted(row[0] for row in stored),
        "oids": sorted(oids),
    }


def check_one_key(outcome: dict[str, Any], label: str) -> None:
    record(f"{label}: signed calls", outcome["calls"])
    record(f"{label}: calls failed", outcome["failed"])
    record(f"{label}: server nonce rejections", outcome["rejected by the server"])
    record(f"{label}: SDK re-signs", outcome["resigned by the SDK"])
    record(f"{label}: orders placed", outcome["orders acknowledged"])
    # Each rejection the server sent is re-signed, except the last of a call that ran out of re-signs.
    assert outcome["rejected by the server"] == outcome["resigned by the SDK"] + outcome["nonce failures"]
    assert outcome["failed"] == 0, outcome["failures"]
    assert outcome["orders acknowledged"] == outcome["orders distinct"]
    assert outcome["orders stored"] == outcome["oids"], "every acknowledged order stored once, nothing else"
    # Since 6a3d6ae the key's signed calls are ordered across threads, event loops and processes (before,
    # the server refused 20-30% of the nonces of processes sharing a key, and some calls failed).
    assert outcome["rejected by the server"] == 0


def test_one_key_shared_by_processes_threads_and_tasks(
    shared_sandbox: Sandbox, counting_proxy: TcpProxy, tmp_path: Path
) -> None:
    outcome = one_key_everywhere(
        shared_sandbox, counting_proxy, tmp_path, processes=2, threads=3, calls=20, tasks=40, task_calls=2
    )
    check_one_key(outcome, "one key (short: 2 processes x 3 threads x 20 + 3 threads x 20 + 40 tasks x 2)")


@pytest.mark.stress
def test_one_key_shared_by_processes_threads_and_tasks_long(
    shared_sandbox: Sandbox, counting_proxy: TcpProxy, tmp_path: Path
) -> None:
    outcome = one_key_everywhere(
        shared_sandbox, counting_proxy, tmp_path, processes=4, threads=4, calls=250, tasks=200, task_calls=10
    )
    check_one_key(outcome, "one key (stress: 4 processes x 4 threads x 250 + 4 threads x 250 + 200 tasks x 10)")


def many_event_loops(
    base_url: str, key: str, secret: str, loops: int, tasks: int, calls: int, nonce_dir: Path
) -> dict[str, Any]:
    """`loops` threads, each with its own event loop and AsyncClient: separate ordering domains in one process."""
    results: list[dict[str, Any]] = []

    def run() -> None:
        results.append(asyncio.run(async_tasks(base_url, key, secret, tasks, calls, nonce_dir)))

    with counting_logs() as counts:
        threads = [threading.Thread(target=run) for _ in range(loops)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return {
        "calls": sum(r["calls"] for r in results),
        "failed": sum(r["failed"] for r in results),
        "nonce failures": sum(r["nonce failures"] for r in results),
        "failures": [f for r in results for f in r["failures"]][:5],
        "resigned": counts["resigned"],
    }


@pytest.mark.stress
def test_one_key_shared_by_many_ordering_domains_never_fails_a_call(
    shared_sandbox: Sandbox, counting_proxy: TcpProxy, tmp_path: Path
) -> None:
    """Regression (fixed in 6a3d6ae): each event loop (and process) was its own ordering domain; 16 loops
    made the server refuse more nonces than there were calls, and ~50 of 1,920 calls failed with NonceError."""
    key, secret = shared_sandbox.add_account(fund={"USD": "100000"})
    outcome = many_event_loops(counting_proxy.base_url, key, secret, 16, 2, 60, tmp_path / "nonces")
    record("one key (stress, 16 event loops x 2 tasks x 60): signed calls", outcome["calls"])
    record("one key (stress, 16 event loops x 2 tasks x 60): calls failed", outcome["failed"])
    record("one key (stress, 16 event loops x 2 tasks x 60): server nonce rejections", counting_proxy.matches)
    assert counting_proxy.matches == outcome["resigned"] + outcome["nonce failures"]
    assert outcome["failed"] == 0, outcome["failures"]
    assert counting_proxy.matches == 0


# -- random trading: conservation and accounting ---------------------------------------------------------

FUNDING = {"BTC": Decimal("50"), "USD": Decimal("20000"), "EUR": Decimal("20000")}
Side = Literal["bid", "ask"]
PAIRS: tuple[mtgox.Pair, ...] = ("BTCUSD", "BTCEUR")
SIDES: tuple[Side, ...] = ("bid", "ask")
QUOTE: dict[str, mtgox.Currency] = {"BTCUSD": "USD", "BTCEUR": "EUR"}


@dataclass
class Ledger:
    """What one trader was told: every acknowledged order (pair, side) and every acknowledged cancel."""

    key: str
    secret: str
    placed: dict[str, tuple[mtgox.Pair, Side]] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    #: Cancels sent whose answer never came (a kill): the order may or may not be cancelled.
    maybe_cancelled: set[str] = field(default_factory=set)
    in_doubt: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)


def place(api: mtgox.Client, rng: random.Random, book: Ledger) -> None:
    pair, side = rng.choice(PAIRS), rng.choice(SIDES)
    amount = Decimal(rng.randint(1, 200)) / 100
    price = Decimal(rng.randint(9000, 11000)) / 100
    version = rng.choice(("v0", "v1", "v2"))
    if version == "v0":
        placer = api.v0.buy_btc if side == "bid" else api.v0.sell_btc
        answer = placer(amount=amount, price=price, currency=QUOTE[pair])
        oid = str(answer.extra["oid"])  # the sandbox also returns the new order's oid
    elif version == "v1":
        oid = api.v1.order_add(pair=pair, type=side, amount=amount, price=price)
    else:
        oid = api.v2.order_add(pair=pair, type=side, amount=amount, price=price)
    book.placed[oid] = (pair, side)


def cancel(api: mtgox.Client, rng: random.Random, book: Ledger) -> None:
    open_oids = [o for o in book.placed if o not in book.cancelled and o not in book.maybe_cancelled]
    if not open_oids:
        return
    oid = rng.choice(open_oids)
    pair = book.placed[oid][0]
    try:
        version = rng.choice(("v0", "v1", "v2"))
        if version == "v0":
            api.v0.cancel_order(oid=oid)
        elif version == "v1":
            api.v1.order_cancel(pair=pair, oid=oid)
        else:
            api.v2.order_cancel(oid=oid)
    except mtgox.OrderNotFoundError:
        return  # filled meanwhile (or cancelled by a cancel whose answer was lost)
    except mtgox.TransportError:
        book.maybe_cancelled.add(oid)
        raise
    book.cancelled.add(oid)


def trade(api: mtgox.Client, book: Ledger, seed: int, operations: int, stop: threading.Event | None = None) -> None:
    rng = random.Random(seed)
    for _ in range(operations):
        if stop is not None and stop.is_set():
            return
        try:
            if rng.random() < 0.7:
                place(api, rng, book)
            else:
                cancel(api, rng, book)
        except (mtgox.APIConnectionError, mtgox.APITimeoutError) as exc:
            if "could not connect" in str(exc):
                book.refused += 1  # surely not sent (and retried before this was raised)
            else:
                book.in_doubt += 1  # the order or cancel may or may not have been acted on
            if stop is None:
                book.failures.append(f"{type(exc).__name__}: {exc}"[:200])
        except mtgox.MtGoxError as exc:
            book.failures.append(f"{type(exc).__name__}: {exc}"[:200])


async def trade_async(api: mtgox.AsyncClient, book: Ledger, seed: int, operations: int) -> None:
    rng = random.Random(seed)
    for _ in range(operations):
        try:
            if rng.random() < 0.7 or not book.placed:
                pair, side = rng.choice(PAIRS), rng.choice(SIDES)
                amount = Decimal(rng.randint(1, 200)) / 100
                price = Decimal(rng.randint(9000, 11000)) / 100
                if rng.random() < 0.5:
                    oid = await api.v2.order_add(pair=pair, type=side, amount=amount, price=price)
                else:
                    oid = await api.v1.order_add(pair=pair, type=side, amount=amount, price=price)
                book.placed[oid] = (pair, side)
            else:
                oid = rng.choice(list(book.placed))
                if oid in book.cancelled:
                    continue
                try:
                    await api.v2.order_cancel(oid=oid)
                except mtgox.OrderNotFoundError:
                    continue
                book.cancelled.add(oid)
        except mtgox.MtGoxError as exc:
            book.failures.append(f"{type(exc).__name__}: {exc}"[:200])


@dataclass
class Market:
    """A fresh exchange and every account opened in it: only they (and its fee account) hold money."""

    sandbox: Sandbox
    books: list[Ledger] = field(default_factory=list)


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Market]:
    with Sandbox(tmp_path_factory.mktemp("market") / "market.db") as running:
        yield Market(running)


def traders(market: Market, n: int) -> list[Ledger]:
    books = [Ledger(*market.sandbox.add_account(fund=FUNDING)) for _ in range(n)]
    market.books += books
    return books


def client_for(sandbox: Sandbox, book: Ledger, **options: Any) -> mtgox.Client:
    options.setdefault("max_retries", 2)
    return mtgox.Client(
        book.key, book.secret, base_url=sandbox.base_url, rate_limit=None, nonce_store="memory", **options
    )


def run_market(sandbox: Sandbox, books: list[Ledger], operations: int, seed: int) -> None:
    half = len(books) // 2
    sync_books, async_books = books[:half], books[half:]

    def sync_trader(book: Ledger, index: int) -> None:
        with client_for(sandbox, book) as api:
            trade(api, book, seed * 100 + index, operations)

    async def async_traders() -> None:
        clients = [
            mtgox.AsyncClient(b.key, b.secret, base_url=sandbox.base_url, rate_limit=None, nonce_store="memory")
            for b in async_books
        ]
        await asyncio.gather(
            *(
                trade_async(c, b, seed * 100 + 50 + i, operations)
                for i, (c, b) in enumerate(zip(clients, async_books, strict=True))
            )
        )
        for c in clients:
            await c.aclose()

    threads = [threading.Thread(target=sync_trader, args=(b, i)) for i, b in enumerate(sync_books)]
    threads.append(threading.Thread(target=lambda: asyncio.run(async_traders())))
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def account_for(books: list[Ledger], sandbox: Sandbox, keys_in_doubt: bool = False) -> tuple[list[str], int]:
    """Every acknowledged order, seen through the SDK: open (orders), filled (order_result) or cancelled."""
    problems: list[str] = []
    checked = 0
    for book in books:
        with client_for(sandbox, book) as api:
            open_now = {o.oid for o in api.v2.orders()}
            for oid, (pair, side) in book.placed.items():
                checked += 1
                if oid in open_now:
                    if oid in book.cancelled:
                        problems.append(f"{oid}: cancelled (acknowledged) but still open")
                    continue
                try:
                    result = api.v2.order_result(pair=pair, type=side, oid=oid)
                except mtgox.OrderNotFoundError:
                    if oid not in book.cancelled | book.maybe_cancelled:
                        problems.append(f"{oid}: neither open, nor filled, nor cancelled")
                    continue
                if not result.trades:
                    problems.append(f"{oid}: an order result without trades")
        status = {str(oid): str(state) for oid, state in sandbox.query("SELECT oid, status FROM orders")}
        for oid in book.placed:
            if oid not in status:
                problems.append(f"{oid}: acknowledged but not in the database")
            elif oid in book.cancelled and status[oid] != "cancelled":
                problems.append(f"{oid}: cancel acknowledged, status {status[oid]}")
    return problems, checked


def totals(books: list[Ledger], sandbox: Sandbox) -> dict[str, int]:
    """Each currency's total, in integer units, over the accounts (as `v1.info` says) and the fee account."""
    out: dict[str, int] = {}
    for book in books:
        with client_for(sandbox, book) as api:
            for code, wallet in api.v1.info().wallets.items():
                out[code] = out.get(code, 0) + wallet.balance.value_int
    for row in sandbox.query("SELECT currency, balance FROM wallets WHERE account_id = ?", (FEE_ACCOUNT_ID,)):
        fee_code, balance = str(row[0]), row[1]
        assert isinstance(balance, int)
        out[fee_code] = out.get(fee_code, 0) + balance
    return {k: v for k, v in out.items() if v}


def deposited(books: list[Ledger], sandbox: Sandbox) -> dict[str, int]:
    units = {code: sandbox.catalogue.currencies[code].divisor for code in FUNDING}
    return {code: int(amount * units[code]) * len(books) for code, amount in FUNDING.items()}


def trades_in(sandbox: Sandbox) -> int:
    count = sandbox.query("SELECT COUNT(*) FROM trades")[0][0]
    assert isinstance(count, int)
    return count


def check_market(sandbox: Sandbox, books: list[Ledger], label: str) -> None:
    problems, checked = account_for(books, sandbox)
    failures = [f for b in books for f in b.failures]
    record(f"{label}: accounts", len(books))
    record(f"{label}: orders acknowledged and accounted for", checked)
    record(f"{label}: cancels acknowledged", sum(len(b.cancelled) for b in books))
    record(f"{label}: trades in the sandbox", trades_in(sandbox))
    assert failures == []
    assert problems == []
    assert sandbox.check_invariants() == []
    check = subprocess.run(
        [sys.executable, "-m", "mtgox_sandbox", "check", "--db", str(sandbox.db_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


def test_random_trading_conserves_every_currency(market: Market) -> None:
    books = traders(market, 8)
    run_market(market.sandbox, books, operations=30, seed=1)
    check_market(market.sandbox, market.books, "random trading (short)")
    assert totals(market.books, market.sandbox) == deposited(market.books, market.sandbox), "money created or lost"
    assert trades_in(market.sandbox) > 0, "the traders should have crossed"


@pytest.mark.stress
def test_random_trading_conserves_every_currency_long(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "long.db") as sandbox:
        books = traders(Market(sandbox), 8)
        before = deposited(books, sandbox)
        run_market(sandbox, books, operations=400, seed=2)
        check_market(sandbox, books, "random trading (stress)")
        assert totals(books, sandbox) == before


# -- SIGKILL mid-load ------------------------------------------------------------------------------------


def kill_cycle(sandbox: Sandbox, books: list[Ledger], seconds: float, seed: int) -> dict[str, int]:
    stop = threading.Event()
    clients = [client_for(sandbox, b, max_retries=1, timeout=5) for b in books]
    for c in clients:
        c._transport.sleep = lambda s: time.sleep(min(s, 0.05))
    earlier = {oid for b in books for oid in b.placed}
    threads = [
        threading.Thread(target=trade, args=(c, b, seed * 10 + i, 10**6, stop))
        for i, (c, b) in enumerate(zip(clients, books, strict=True))
    ]
    for t in threads:
        t.start()
    time.sleep(seconds)
    sandbox.kill()
    acknowledged_before = {oid for b in books for oid in b.placed}
    time.sleep(0.2)  # the traders meet a dead exchange: refused connections, broken keep-alives
    stop.set()
    for t in threads:
        t.join(30)
    sandbox.start()
    for c in clients:
        c.close()
    stored = {row[0] for row in sandbox.query("SELECT oid FROM orders")}
    lost = [oid for oid in acknowledged_before if oid not in stored]
    assert lost == [], f"{len(lost)} acknowledged orders lost by the SIGKILL"
    assert sandbox.check_invariants() == []
    # the SDK carries on after the restart, on the same clients' settings
    for b in books:
        with client_for(sandbox, b) as api:
            api.v2.info()
    return {
        "acknowledged": len(acknowledged_before - earlier),
        "in doubt": sum(b.in_doubt for b in books),
        "refused": sum(b.refused for b in books),
    }


def test_sigkill_mid_load_loses_no_acknowledged_order(market: Market) -> None:
    books = traders(market, 4)
    figures = kill_cycle(market.sandbox, books, seconds=0.8, seed=3)
    for b in books:  # in-doubt calls are the only ones allowed to have no acknowledgement
        b.failures = [f for f in b.failures if not f.startswith(("APIConnectionError", "APITimeoutError"))]
    check_market(market.sandbox, market.books, "SIGKILL mid-load (short)")
    assert totals(market.books, market.sandbox) == deposited(market.books, market.sandbox)
    record("SIGKILL mid-load (short): kills survived", 1)
    record("SIGKILL mid-load (short): orders acknowledged before the kill", figures["acknowledged"])
    record("SIGKILL mid-load (short): calls in doubt at the kill (answer lost)", figures["in doubt"])
    record("SIGKILL mid-load (short): calls refused while it was down", figures["refused"])


@pytest.mark.stress
def test_repeated_sigkills_lose_no_acknowledged_order(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "kills.db") as sandbox:
        books = traders(Market(sandbox), 6)
        before = deposited(books, sandbox)
        for cycle in range(6):
            figures = kill_cycle(sandbox, books, seconds=2.0, seed=100 + cycle)
            record("SIGKILL mid-load (stress): kills survived", 1)
            record("SIGKILL mid-load (stress): orders acknowledged before a kill", figures["acknowledged"])
            record("SIGKILL mid-load (stress): calls in doubt at a kill (answer lost)", figures["in doubt"])
            record("SIGKILL mid-load (stress): calls refused while it was down", figures["refused"])
        for b in books:
            b.failures = [f for f in b.failures if not f.startswith(("APIConnectionError", "APITimeoutError"))]
        check_market(sandbox, books, "SIGKILL mid-load (stress)")
        assert totals(books, sandbox) == before
