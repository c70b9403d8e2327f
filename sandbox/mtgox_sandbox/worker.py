"""Where a request's transaction runs: on the event loop when it is small and cannot wait, else
on the database thread.

Running every transaction on a thread cost more than the transaction itself: a money/info
answer took about 680 us of CPU that way and about 380 us on the loop (the thread hop, and the
two threads taking the GIL from each other at every SQLite call). So a transaction runs inline,
on the loop's thread, when all of these hold, and otherwise on the one database thread:

- it is its turn: transactions take turns in the order they were asked for (a FIFO lock), and
  none starts while the thread still holds the one connection;
- it cannot wait on the disk: a write transaction under `synchronous=FULL` or `EXTRA` fsyncs at
  commit, so it goes to the thread; under `NORMAL` a commit only appends to the WAL, and the
  WAL's checkpoints (which do fsync) are taken on the thread every CHECKPOINT_EVERY writes;
- it cannot wait on a lock: inline, the busy timeout is zero, so a write lock held by another
  process (`mtgox-sandbox add-account` while the server runs) hands the request to the thread,
  which waits for it;
- it stays small: SQLite's progress handler interrupts a statement once the transaction has
  run INLINE_BUDGET_S, and `Tx.all` stops it once it has read INLINE_ROWS rows (what a handler
  renders after its last statement is proportional to the rows it read).

A transaction stopped for any of these is rolled back whole (its nonce with it) and run again
from the start on the thread, so the loop is never held for more than about INLINE_BUDGET_S
plus the rendering of INLINE_ROWS rows.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .db import Synchronous, TooBigForTheLoop, Tx, connect, transaction

T = TypeVar("T")
log = logging.getLogger("mtgox_sandbox")

#: How long a transaction may hold the event loop before it is moved to the database thread.
INLINE_BUDGET_S = 0.002
#: Rows a transaction may read on the loop (through `Tx.all`) before it is moved.
INLINE_ROWS = 500
#: SQLite virtual-machine steps between two looks at the clock.
PROGRESS_STEPS = 1_000
#: Write transactions between two WAL checkpoints (taken on the thread: they fsync).
CHECKPOINT_EVERY = 1_000
#: The busy timeout on the thread, where waiting for another process's lock is harmless.
THREAD_BUSY_TIMEOUT_MS = 10_000
#: SQLite errors that mean "this could not finish here", not "this request is wrong".
_MOVE_ERRORS = frozenset({"SQLITE_INTERRUPT", "SQLITE_BUSY", "SQLITE_LOCKED"})


class Recorder(Protocol):
    """Turns a transaction's recorded events into something to do once it has committed."""

    def begin(self) -> list[Any] | None: ...

    def finish(self, tx: Tx) -> Callable[[], None] | None: ...


class Worker:
    """The server's one database connection: transactions run inline or on its thread (above).

    `recorder` (the stream) sees every write transaction: it starts the event list, reads what
    it needs before the commit, and what it returns runs right after the commit, so events
    leave in commit order.
    """

    def __init__(self, path: str | Path, synchronous: Synchronous = "NORMAL") -> None:
        self.path = Path(path)
        self.synchronous: Synchronous = synchronous
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-db")
        self._conn: sqlite3.Connection | None = None
        self.recorder: Recorder | None = None
        #: Transactions take turns, so at most one uses the connection and they keep their order.
        self._turn = asyncio.Lock()
        #: Jobs handed to the thread and not finished; changed on the loop's thread only.
        self._queued = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._writes_since_checkpoint = 0
        self._deadline = 0.0
        self._interrupted = False
        #: Where transactions ran, for tests and `--access-log` diagnostics.
        self.inline_runs = 0
        self.thread_runs = 0
        self.moved_runs = 0
        self.checkpoints = 0

    # -- life ----------------------------------------------------------------------------------

    def _open(self) -> None:
        conn = connect(self.path, self.synchronous, check_same_thread=False)
        conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints fsync: the thread takes them
        conn.execute("PRAGMA busy_timeout=0")
        self._conn = conn

    async def start(self) -> None:
        await self._on_thread(self._open)

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._conn.close()
                self._conn = None

    async def stop(self) -> None:
        async with self._turn:
            await self._idle.wait()
            await self._on_thread(self._close)
        self._executor.shutdown(wait=True)
        # The recorder (the stream service) leads back to the exchange: a stopped worker that
        # someone still holds must not keep a replaced exchange alive.
        self.recorder = None

    # -- running -------------------------------------------------------------------------------

    async def run(self, fn: Callable[[Tx], T], *, write: bool = True) -> T:
        """Run `fn` in one transaction, inline if it qualifies (module docstring), else on the thread."""
        try:
            async with self._turn:  # one at a time, in the order asked (FIFO)
                if self._queued:  # a cancelled request's transaction or a checkpoint still running
                    await self._idle.wait()
                if self._conn is not None and (not write or self.synchronous in ("OFF", "NORMAL")):
                    try:
                        result = self._run_inline(fn, write)
                    except TooBigForTheLoop:
                        self.moved_runs += 1
                    else:
                        self.inline_runs += 1
                        return result
                self.thread_runs += 1
                return await self._on_thread(self._run_on_thread, fn, write)
        finally:
            if self._writes_since_checkpoint >= CHECKPOINT_EVERY and self._conn is not None:
                self._checkpoint_soon()

    def _run_inline(self, fn: Callable[[Tx], T], write: bool) -> T:
        conn = self._conn
        assert conn is not None
        self._interrupted = False
        self._deadline = time.perf_counter() + INLINE_BUDGET_S
        conn.set_progress_handler(self._over_budget, PROGRESS_STEPS)
        try:
            return self._transaction(conn, fn, write, INLINE_ROWS)
        except sqlite3.OperationalError as exc:
            if self._interrupted or exc.sqlite_errorname in _MOVE_ERRORS:
                raise TooBigForTheLoop from exc
            raise
        finally:
            conn.set_progress_handler(None, 0)

    def _over_budget(self) -> int:
        if time.perf_counter() > self._deadline:
            self._interrupted = True
            return 1
        return 0

    def _run_on_thread(self, fn: Callable[[Tx], T], write: bool) -> T:
        conn = self._conn
        if conn is None:
            raise RuntimeError("the database worker is not started")
        conn.execute(f"PRAGMA busy_timeout={THREAD_BUSY_TIMEOUT_MS}")
        try:
            return self._transaction(conn, fn, write, None)
        finally:
            conn.execute("PRAGMA busy_timeout=0")

    def _transaction(self, conn: sqlite3.Connection, fn: Callable[[Tx], T], write: bool, rows: int | None) -> T:
        recorder = self.recorder if write else None
        after = None
        with transaction(conn, write=write, rows=rows) as tx:
            tx.events = recorder.begin() if recorder is not None else None
            result = fn(tx)
            if recorder is not None and tx.events:
                after = recorder.finish(tx)
            if rows is not None and self._interrupted:  # the interrupt was caught: the transaction is not whole
                raise TooBigForTheLoop
        if write:
            self._writes_since_checkpoint += 1
        if after is not None:
            after()
        return result

    async def _on_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the database thread; no inline transaction starts until it has finished."""
        return await asyncio.wrap_future(self._submit(fn, *args))

    def _submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        loop = asyncio.get_running_loop()
        self._queued += 1
        self._idle.clear()
        job = self._executor.submit(fn, *args)

        def finished(_: Future[T]) -> None:
            loop.call_soon_threadsafe(self._finished)

        # Counted down when the thread is done with it, not when the caller stops waiting: a
        # cancelled request's transaction may still be running on the connection.
        job.add_done_callback(finished)
        return job

    def _finished(self) -> None:
        self._queued -= 1
        if self._queued == 0:
            self._idle.set()

    def _checkpoint_soon(self) -> None:
        self._writes_since_checkpoint = 0
        self._submit(self._checkpoint)

    def _checkpoint(self) -> None:
        conn = self._conn
        if conn is None:
            return
        conn.execute(f"PRAGMA busy_timeout={THREAD_BUSY_TIMEOUT_MS}")
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self.checkpoints += 1
        except sqlite3.Error:
            log.exception("WAL checkpoint failed (the next one will try again)")
        finally:
            conn.execute("PRAGMA busy_timeout=0")
