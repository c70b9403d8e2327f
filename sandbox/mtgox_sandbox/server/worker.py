"""Where a request's transaction runs: on the event loop when it is small and cannot wait, else
on the database thread.

Running every transaction on a thread cost more than the transaction itself: a money/info
answer took about 680 us of CPU that way and about 380 us on the loop (the thread hop, and the
two threads taking the GIL from each other at every SQLite call). So a transaction runs inline,
on the loop's thread, when all of these hold, and otherwise on the one database thread:

- it is its turn: transactions run in the order they were asked for (one queue), and none
  starts while the thread holds the one connection;
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

Group commit. Requests that arrive together (8 clients' requests read in one turn of the loop)
are run back to back in one SQLite transaction, each in its own savepoint, and answered after
the one COMMIT: BEGIN IMMEDIATE and COMMIT were 16 of a money/info request's 34 us of SQL. A
request that fails is rolled back to its savepoint alone. One that must move to the thread is
rolled back to its savepoint: those before it commit, it runs alone on the thread, and those
after it run once it is done, so the order holds. (When its interrupt ended the whole
transaction, those before it simply run again.)
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ..core.clock import WALL, Clock
from ..core.db import Synchronous, TooBigForTheLoop, Tx, connect, transaction

T = TypeVar("T")
log = logging.getLogger("mtgox_sandbox")

#: How long a transaction may hold the event loop before it is moved to the database thread.
INLINE_BUDGET_S = 0.002
#: Rows a transaction may read on the loop (through `Tx.all`) before it is moved.
INLINE_ROWS = 500
#: SQLite virtual-machine steps between two looks at the clock.
PROGRESS_STEPS = 1_000
#: Requests run in one inline transaction at most.
MAX_BATCH = 64
#: Write transactions between two WAL checkpoints (taken on the thread: they fsync).
CHECKPOINT_EVERY = 1_000
#: The busy timeout on the thread, where waiting for another process's lock is harmless.
THREAD_BUSY_TIMEOUT_MS = 10_000
#: SQLite errors that mean "this could not finish here", not "this request is wrong".
_MOVE_ERRORS = frozenset({"SQLITE_INTERRUPT", "SQLITE_BUSY", "SQLITE_LOCKED"})


class CommitHook(Protocol):
    """Something that follows every write transaction: it is told when one begins, reads what it
    needs just before the commit (inside the transaction), and hands back what to do once the
    transaction has committed (run on the event loop, before any answer leaves)."""

    def begin(self, tx: Tx) -> None: ...

    def before_commit(self, tx: Tx) -> Callable[[], None] | None: ...


@dataclass(eq=False)
class _Job:
    """One thing for the connection: a transaction (`fn(tx)`), or upkeep on the thread (`fn()`)."""

    fn: Callable[..., Any]
    write: bool
    future: asyncio.Future[Any] | None
    #: A transaction that must run on the thread (it fsyncs, or it outgrew the loop once).
    on_thread: bool = False
    #: Upkeep (open, checkpoint, close): `fn()` on the thread, outside any transaction.
    upkeep: bool = False


class _MoveBatch(Exception):
    """The inline batch cannot finish on the loop: roll it back, run each of its jobs on the thread."""


class _MoveJob(Exception):
    """One job of a batch cannot finish on the loop (too big, or locked out): it goes to the thread."""

    index = 0


class Worker:
    """The server's one database connection: transactions run inline or on its thread (above).

    `hooks` (the ticker windows, the stream) follow every write transaction, in order: what
    they hand back runs right after the commit, in that order, so what they publish leaves in
    commit order.
    """

    def __init__(self, path: str | Path, synchronous: Synchronous = "NORMAL", clock: Clock = WALL) -> None:
        self.path = Path(path)
        self.synchronous: Synchronous = synchronous
        #: The exchange's time: every transaction's `now` and stamps.
        self.clock = clock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-db")
        self._conn: sqlite3.Connection | None = None
        self.hooks: list[CommitHook] = []
        #: Everything asked of the connection, in order; changed on the loop's thread only.
        self._jobs: deque[_Job] = deque()
        self._thread_busy = False
        self._drain_scheduled = False
        self._writes_since_checkpoint = 0
        self._deadline = math.inf
        self._interrupted = False
        #: Where transactions ran, for tests and diagnostics.
        self.inline_runs = 0
        self.batches = 0
        self.thread_runs = 0
        self.thread_batches = 0
        self.moved_runs = 0
        self.checkpoints = 0

    # -- life ----------------------------------------------------------------------------------

    def _open(self) -> None:
        conn = connect(self.path, self.synchronous, check_same_thread=False)
        conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints fsync: the thread takes them
        conn.execute("PRAGMA busy_timeout=0")
        self._conn = conn

    async def start(self) -> None:
        await self._ask(_Job(self._open, False, None, upkeep=True))

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._conn.close()
                self._conn = None

    async def stop(self) -> None:
        await self._ask(_Job(self._close, False, None, upkeep=True))
        self._executor.shutdown(wait=True)
        # The hooks lead back to the exchange: a stopped worker that someone still holds must
        # not keep a replaced exchange alive.
        self.hooks = []

    # -- asking ----------------------------------------------------------------------------------

    async def run(self, fn: Callable[[Tx], T], *, write: bool = True, inline: bool = True) -> T:
        """Run `fn` in one transaction, inline if it qualifies (module docstring), else on the
        thread; `inline=False` sends it to the thread at once (a replay's batch of trades, which
        would outgrow the loop's budget anyway)."""
        on_thread = not inline or (write and self.synchronous not in ("OFF", "NORMAL"))
        result: T = await self._ask(_Job(fn, write, None, on_thread=on_thread))
        return result

    async def _ask(self, job: _Job) -> Any:
        loop = asyncio.get_running_loop()
        job.future = loop.create_future()
        self._jobs.append(job)
        self._schedule_drain(loop)
        return await job.future

    def _schedule_drain(self, loop: asyncio.AbstractEventLoop) -> None:
        # after the callbacks already due, so requests read in the same turn form one batch
        if not self._drain_scheduled and not self._thread_busy:
            self._drain_scheduled = True
            loop.call_soon(self._drain)

    # -- draining the queue (on the loop) --------------------------------------------------------

    def _drain(self) -> None:
        self._drain_scheduled = False
        loop = asyncio.get_running_loop()
        began = time.perf_counter()
        while self._jobs and not self._thread_busy:
            head = self._jobs[0]
            if head.future is not None and head.future.cancelled():  # its caller left before it ran
                self._jobs.popleft()
                continue
            if head.upkeep or self._conn is None:
                self._to_thread(loop, [self._jobs.popleft()])
                continue  # the thread is busy now, unless it could not take the job
            batch = self._take_batch(on_thread=head.on_thread)
            if head.on_thread:
                self._to_thread(loop, batch)
                continue
            if time.perf_counter() - began > INLINE_BUDGET_S:  # let the loop breathe between batches
                for job in reversed(batch):
                    self._jobs.appendleft(job)
                self._schedule_drain(loop)
                return
            self._run_inline(batch)
        if self._writes_since_checkpoint >= CHECKPOINT_EVERY and self._conn is not None and not self._thread_busy:
            self._writes_since_checkpoint = 0
            self._jobs.appendleft(_Job(self._checkpoint, False, None, upkeep=True))
            self._schedule_drain(loop)

    def _take_batch(self, *, on_thread: bool) -> list[_Job]:
        """The jobs at the head of the queue that run together: all inline, or all on the thread."""
        batch = [self._jobs.popleft()]
        while self._jobs and len(batch) < MAX_BATCH:
            nxt = self._jobs[0]
            if nxt.upkeep or nxt.on_thread != on_thread or (nxt.future is not None and nxt.future.cancelled()):
                break
            batch.append(self._jobs.popleft())
        return batch

    def _run_inline(self, batch: list[_Job]) -> None:
        """`batch` in one transaction on the loop; what cannot run here goes back in the queue."""
        conn = self._conn
        assert conn is not None
        conn.set_progress_handler(self._over_budget, PROGRESS_STEPS)
        try:
            outcomes, afters, moved = self._execute(conn, batch, inline=True)
        except _MoveJob as move:
            # its interrupt ended the whole transaction, so nothing committed: the ones before it
            # run again inline, it alone on the thread
            self._requeue(batch, move.index)
            return
        except Exception as exc:
            # Locked out at BEGIN, or broken in a way no one job answers for: none of it
            # happened; each job runs again on the thread, where a job's own failure stays its own.
            if not isinstance(exc, _MoveBatch | sqlite3.OperationalError):
                log.warning("an inline batch failed (%r); its requests run again on the thread", exc)
            self.moved_runs += len(batch)
            for job in reversed(batch):
                job.on_thread = True
                self._jobs.appendleft(job)
            return
        finally:
            conn.set_progress_handler(None, 0)
        ran = len(outcomes)
        if moved:  # undone to its savepoint: the ones before it committed
            self._requeue(batch, ran, skip=ran)
        else:
            for job in reversed(batch[ran:]):  # past the budget: the next turn of the loop
                self._jobs.appendleft(job)
        self.batches += 1
        self.inline_runs += ran
        self._finish(batch[:ran], outcomes, afters)

    def _finish(self, ran: list[_Job], outcomes: list[tuple[bool, Any]], afters: list[Callable[[], None]]) -> None:
        self._writes_since_checkpoint += sum(1 for job in ran if job.write)
        for after in afters:  # what the commit publishes leaves before the answers
            try:
                after()
            except Exception:
                log.exception("a commit hook failed after the commit")
        for job, (ok, value) in zip(ran, outcomes, strict=True):
            _settle(job.future, ok, value)

    def _requeue(self, batch: list[_Job], index: int, skip: int = 0) -> None:
        """Back to the front of the queue in order: batch[skip:], with batch[index] moved to the thread."""
        self.moved_runs += 1
        batch[index].on_thread = True
        for job in reversed(batch[skip:]):
            self._jobs.appendleft(job)

    # -- one transaction for a batch (on the loop or the thread) ---------------------------------

    def _execute(
        self, conn: sqlite3.Connection, batch: list[_Job], *, inline: bool
    ) -> tuple[list[tuple[bool, Any]], list[Callable[[], None]], bool]:
        """Run the jobs of `batch` in one transaction, each in a savepoint.

        Returns each job's (ok, result or exception) for the jobs that ran, what to do after
        the commit, and whether the next job must move to the thread. Inline, it stops early
        past the budget, and raises _MoveJob(index) when a job's interrupt ended the whole
        transaction; a hook interrupted before the commit ends the transaction, and the batch
        runs again on the thread.
        """
        write = any(job.write for job in batch)
        hooks = self.hooks if write else []
        outcomes: list[tuple[bool, Any]] = []
        afters: list[Callable[[], None]] = []
        moved = False
        began = time.perf_counter()
        with transaction(conn, write=write, clock=self.clock) as tx:
            for hook in hooks:
                hook.begin(tx)
            for job in batch:
                if inline and outcomes and time.perf_counter() - began > INLINE_BUDGET_S:
                    break  # the rest wait for the next turn of the loop
                try:
                    outcomes.append(self._run_one(conn, tx, job, inline=inline))
                except _MoveJob as move:
                    if not conn.in_transaction:
                        move.index = len(outcomes)
                        raise
                    moved = True
                    break
            for hook in hooks:
                after = self._watched(hook.before_commit, tx, inline=inline)
                if self._interrupted:  # the hook caught an interrupt: what it read is not whole
                    raise _MoveBatch
                if after is not None:
                    afters.append(after)
        return outcomes, afters, moved

    def _run_one(self, conn: sqlite3.Connection, tx: Tx, job: _Job, *, inline: bool) -> tuple[bool, Any]:
        """One job in its own savepoint: (True, result) or (False, the exception it raised).

        Inline, raises _MoveJob, its work undone, when it cannot finish on the loop.
        """
        tx.rows_left = INLINE_ROWS if inline else None
        conn.execute("SAVEPOINT job")
        mark = len(tx.events) if tx.events is not None else 0
        try:
            value = self._watched(job.fn, tx, inline=inline)
        except TooBigForTheLoop:
            self._undo(conn, tx, mark)
            raise _MoveJob from None
        except sqlite3.OperationalError as exc:
            self._undo(conn, tx, mark)
            if inline and (self._interrupted or exc.sqlite_errorname in _MOVE_ERRORS):
                raise _MoveJob from exc
            return False, exc
        except Exception as exc:  # the job's own failure (a 500): undone alone, and its answer
            self._undo(conn, tx, mark)
            return False, exc
        if self._interrupted:  # the job caught the interrupt: what it did is not whole
            self._undo(conn, tx, mark)
            raise _MoveJob
        conn.execute("RELEASE job")
        return True, value

    @staticmethod
    def _undo(conn: sqlite3.Connection, tx: Tx, mark: int) -> None:
        if not conn.in_transaction:  # the error ended the whole transaction
            raise _MoveJob
        conn.execute("ROLLBACK TO job")
        conn.execute("RELEASE job")
        if tx.events is not None:
            del tx.events[mark:]  # what was undone did not happen

    def _watched(self, fn: Callable[[Tx], T], tx: Tx, *, inline: bool) -> T:
        """`fn(tx)`, inline with the budget running; never the savepoints, ROLLBACK or COMMIT around
        it, which must not be interrupted (an interrupted ROLLBACK would leave the transaction open)."""
        self._interrupted = False
        if inline:
            self._deadline = time.perf_counter() + INLINE_BUDGET_S
        try:
            return fn(tx)
        finally:
            self._deadline = math.inf

    def _over_budget(self) -> int:
        if time.perf_counter() > self._deadline:
            self._interrupted = True
            return 1
        return 0

    # -- the thread ------------------------------------------------------------------------------

    def _to_thread(self, loop: asyncio.AbstractEventLoop, batch: list[_Job]) -> None:
        upkeep = batch[0].upkeep
        work = batch[0].fn if upkeep else partial(self._on_thread, batch)
        try:
            done = self._executor.submit(work)
        except RuntimeError as exc:  # stopped: nothing runs any more
            for job in batch:
                _settle(job.future, False, exc)
            return
        self._thread_busy = True
        if not upkeep:
            self.thread_runs += len(batch)
            self.thread_batches += 1

        def finished(_: Future[Any]) -> None:
            loop.call_soon_threadsafe(self._thread_done, batch, done)

        done.add_done_callback(finished)

    def _on_thread(self, batch: list[_Job]) -> tuple[list[tuple[bool, Any]], list[Callable[[], None]]]:
        """`batch` in one transaction on the thread, waiting for locks as long as it takes; one
        fsync for all of it under FULL."""
        conn = self._conn
        if conn is None:
            raise RuntimeError("the database worker is not started")
        with _waiting_for_locks(conn):
            outcomes, afters, _ = self._execute(conn, batch, inline=False)
        return outcomes, afters

    def _thread_done(self, batch: list[_Job], done: Future[Any]) -> None:
        # Only now may the loop use the connection again (not when a cancelled caller stopped waiting).
        self._thread_busy = False
        exc = done.exception()
        if batch[0].upkeep:
            _settle(batch[0].future, exc is None, done.result() if exc is None else exc)
        elif exc is not None:  # the transaction itself failed (locked past the busy timeout): all of it
            for job in batch:
                _settle(job.future, False, exc)
        else:
            outcomes, afters = done.result()
            self._finish(batch, outcomes, afters)
        if self._jobs:
            self._schedule_drain(asyncio.get_running_loop())

    def _checkpoint(self) -> None:
        conn = self._conn
        if conn is None:
            return
        with _waiting_for_locks(conn):
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                self.checkpoints += 1
            except sqlite3.Error:
                log.exception("WAL checkpoint failed (the next one will try again)")


@contextmanager
def _waiting_for_locks(conn: sqlite3.Connection) -> Iterator[None]:
    """On the thread, another process's lock is waited for; inline (busy timeout 0) it moves the job."""
    conn.execute(f"PRAGMA busy_timeout={THREAD_BUSY_TIMEOUT_MS}")
    try:
        yield
    finally:
        conn.execute("PRAGMA busy_timeout=0")


def _settle(future: asyncio.Future[Any] | None, ok: bool, value: Any) -> None:
    if future is None or future.done():  # nobody waits any more
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
