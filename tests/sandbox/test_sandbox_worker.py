"""Where transactions run (worker.py): on the loop when small, on the database thread when they
would wait or grow; always whole, one at a time, in the order asked."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path

import httpx
import pytest

from mtgox_sandbox.core.db import Synchronous, Tx, connect
from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.server import worker as worker_module
from mtgox_sandbox.server.worker import Worker

from .sandbox_helpers import Api

#: A statement that takes far longer than the inline budget (hundreds of milliseconds).
HEAVY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3000000) SELECT COUNT(*) FROM c"


async def started(path: Path, synchronous: Synchronous = "NORMAL") -> Worker:
    worker = Worker(path, synchronous)
    await worker.start()
    await worker.run(lambda tx: tx.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER NOT NULL)"))
    return worker


@pytest.fixture
async def worker(tmp_path: Path) -> AsyncIterator[Worker]:
    w = await started(tmp_path / "w.db")
    yield w
    await w.stop()


def insert_one(n: int, tx: Tx) -> None:
    tx.execute("INSERT INTO t (n) VALUES (?)", (n,))


def rows(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [int(r[0]) for r in conn.execute("SELECT n FROM t ORDER BY rowid")]
    finally:
        conn.close()


class LoopLag:
    """The longest the event loop went without running a 5 ms ticker (how long it was held)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.005)
            last = now

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def test_a_small_transaction_runs_on_the_loop(worker: Worker, tmp_path: Path) -> None:
    where: list[int] = []

    def insert(tx: Tx) -> int:
        where.append(threading.get_ident())
        tx.execute("INSERT INTO t (n) VALUES (1)")
        return 7

    assert await worker.run(insert) == 7
    assert await worker.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM t"), write=False) == 1
    assert where == [threading.get_ident()]
    assert (worker.inline_runs, worker.moved_runs) == (3, 0)  # the table's creation, the insert, the count
    assert rows(tmp_path / "w.db") == [1]


async def test_writes_that_fsync_run_on_the_thread(tmp_path: Path) -> None:
    worker = await started(tmp_path / "full.db", "FULL")
    try:
        where: list[int] = []

        def write(tx: Tx) -> None:
            where.append(threading.get_ident())
            tx.execute("INSERT INTO t (n) VALUES (1)")

        def read(tx: Tx) -> None:
            where.append(threading.get_ident())

        await worker.run(write)
        await worker.run(read, write=False)
        assert where[0] != threading.get_ident()  # the commit fsyncs: not on the loop
        assert where[1] == threading.get_ident()  # a read does not
        batches = worker.thread_batches
        await asyncio.gather(*(worker.run(write) for _ in range(8)))
        assert worker.thread_batches == batches + 1  # eight writes asked together: one fsync
        assert rows(tmp_path / "full.db") == [1] * 9
    finally:
        await worker.stop()


async def test_a_lock_held_by_another_process_moves_the_transaction_and_the_loop_runs_on(
    worker: Worker, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the write lock, as `mtgox-sandbox add-account` takes it
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    attempts: list[int] = []

    def insert(tx: Tx) -> str:
        attempts.append(threading.get_ident())
        tx.execute("INSERT INTO t (n) VALUES (5)")
        return "done"

    started_at = time.perf_counter()
    release.start()
    try:
        with LoopLag() as lag:
            assert await worker.run(insert) == "done"
    finally:
        release.join()
        other.close()
    assert time.perf_counter() - started_at >= 0.45  # it waited for the lock ...
    assert lag.worst < 0.1  # ... on the thread, not on the loop
    assert attempts and all(a != threading.get_ident() for a in attempts)
    assert worker.moved_runs == 1
    assert rows(tmp_path / "w.db") == [5]


async def test_a_long_statement_is_stopped_and_the_whole_transaction_rerun_on_the_thread(
    worker: Worker, tmp_path: Path
) -> None:
    attempts: list[tuple[int, float]] = []

    def insert_then_count(tx: Tx) -> int:
        began = time.perf_counter()
        try:
            tx.execute("INSERT INTO t (n) VALUES (9)")
            return int(tx.scalar(HEAVY))
        finally:
            attempts.append((threading.get_ident(), time.perf_counter() - began))

    with LoopLag() as lag:
        assert await worker.run(insert_then_count) == 3_000_000
    (first, held), (second, _) = attempts
    assert first == threading.get_ident() and second != first
    assert held < 0.05, f"the inline attempt held the loop {held * 1000:.1f} ms"
    assert lag.worst < 0.1
    assert worker.moved_runs == 1
    assert rows(tmp_path / "w.db") == [9]  # the first attempt's insert was rolled back


async def test_a_caught_interrupt_still_reruns_the_transaction(worker: Worker, tmp_path: Path) -> None:
    # the stream's message builder catches every exception so the exchange never loses a
    # request to it; an interrupt it swallows must not commit a half-done transaction
    attempts: list[int] = []

    def careless(tx: Tx) -> str:
        attempts.append(threading.get_ident())
        tx.execute("INSERT INTO t (n) VALUES (3)")
        try:
            return f"counted {tx.scalar(HEAVY)}"
        except Exception:
            return "swallowed"

    assert await worker.run(careless) == "counted 3000000"
    assert attempts[0] == threading.get_ident() and attempts[1:] and attempts[-1] != attempts[0]
    assert rows(tmp_path / "w.db") == [3]


async def test_reading_many_rows_moves_the_transaction(worker: Worker) -> None:
    many = worker_module.INLINE_ROWS + 1
    await worker.run(lambda tx: tx.conn.executemany("INSERT INTO t (n) VALUES (?)", [(i,) for i in range(many)]))
    where: list[int] = []

    def read_all(tx: Tx) -> int:
        where.append(threading.get_ident())
        return len(tx.all("SELECT n FROM t"))

    assert await worker.run(read_all, write=False) == many
    assert where[0] == threading.get_ident() and where[-1] != threading.get_ident()
    assert worker.moved_runs == 1


async def test_transactions_never_overlap_and_keep_their_order(worker: Worker, tmp_path: Path) -> None:
    busy = threading.Lock()

    def job(i: int) -> Callable[[Tx], int]:
        def run(tx: Tx) -> int:
            assert busy.acquire(blocking=False), "two transactions at once"
            try:
                tx.execute("INSERT INTO t (n) VALUES (?)", (i,))
                if i % 7 == 3:  # some outgrow the loop, so loop and thread take turns
                    tx.scalar(HEAVY.replace("3000000", "400000"))
                return i
            finally:
                busy.release()

        return run

    tasks = []
    for i in range(40):
        tasks.append(asyncio.ensure_future(worker.run(job(i))))
        if i % 4 == 3:
            await asyncio.sleep(0)  # requests arrive in waves, as they are read off sockets
    results = await asyncio.gather(*tasks)
    assert results == list(range(40))
    assert rows(tmp_path / "w.db") == list(range(40))
    assert worker.moved_runs >= 1 and worker.thread_runs >= 1
    assert 1 < worker.batches < worker.inline_runs  # some requests shared a transaction


async def test_requests_that_arrive_together_share_a_commit_but_not_their_failures(
    worker: Worker, tmp_path: Path
) -> None:
    def insert(n: int) -> Callable[[Tx], int]:
        def run(tx: Tx) -> int:
            tx.execute("INSERT INTO t (n) VALUES (?)", (n,))
            if n == 13:
                raise ValueError("a handler bug")
            return n

        return run

    batches = worker.batches
    outcomes = await asyncio.gather(*(worker.run(insert(n)) for n in (11, 12, 13, 14)), return_exceptions=True)
    assert outcomes[:2] == [11, 12] and outcomes[3] == 14
    assert isinstance(outcomes[2], ValueError)
    assert worker.batches == batches + 1  # one BEGIN ... COMMIT for the four
    assert rows(tmp_path / "w.db") == [11, 12, 14]  # the failed one's insert alone was undone


async def test_a_cancelled_caller_does_not_let_the_next_transaction_overlap(worker: Worker, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    spans: dict[str, list[float]] = {}

    def timed(name: str) -> Callable[[Tx], None]:
        def run(tx: Tx) -> None:
            began = time.perf_counter()
            tx.execute("INSERT INTO t (n) VALUES (1)")
            spans[name] = [began, time.perf_counter()]

        return run

    first = asyncio.ensure_future(worker.run(timed("first")))
    await asyncio.sleep(0.1)  # moved to the thread, waiting for the lock
    first.cancel()
    second = asyncio.ensure_future(worker.run(timed("second")))
    await asyncio.sleep(0.1)
    assert not second.done()  # the connection is still the thread's
    other.execute("COMMIT")
    other.close()
    await second
    with pytest.raises(asyncio.CancelledError):
        await first
    assert spans["second"][0] >= spans["first"][1]
    assert rows(tmp_path / "w.db") == [1, 1]  # the cancelled caller's transaction still committed


async def test_the_wal_is_checkpointed_on_the_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_module, "CHECKPOINT_EVERY", 10)
    worker = await started(tmp_path / "c.db")
    try:
        for i in range(35):
            await worker.run(partial(insert_one, i))
        await worker.run(lambda tx: None, write=False)  # after the last checkpoint
        assert worker.checkpoints == 3
    finally:
        await worker.stop()
    conn = connect(tmp_path / "c.db")
    try:
        assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 35
    finally:
        conn.close()


def test_the_server_answers_while_a_signed_call_waits_for_another_process(sandbox: Sandbox) -> None:
    key, secret = sandbox.add_account(fund={"USD": "10"})
    api = Api(sandbox.base_url, key, secret)
    other = sqlite3.connect(sandbox.db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    answers: list[object] = []
    call = threading.Thread(target=lambda: answers.append(api.ok(2, "money/info")))
    try:
        call.start()
        time.sleep(0.3)
        assert not answers  # the call waits for the lock ...
        began = time.perf_counter()
        about = httpx.get(sandbox.url + "/api/", timeout=5)  # ... and the server still answers
        assert about.status_code in (200, 404)
        assert time.perf_counter() - began < 0.5
    finally:
        other.execute("COMMIT")
        other.close()
        call.join(10)
    assert answers and isinstance(answers[0], dict) and answers[0]["Wallets"]["USD"]["Balance"]["value"] == "10.00000"
    api.close()
