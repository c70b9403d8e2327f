"""The nonce files and the key's ordering lock under contention, at their bounds, and across fork.

Two `FileNonceStore`s over one directory open the key's file separately, so their `flock`s
exclude each other as two processes' would: one stands for "another process" below. Waiting is
checked by a thread still blocked after a pause (never by how long something took).
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mtgox_runtime import ConfigurationError, MemoryNonceStore, _nonce
from mtgox_runtime._auth import Credentials
from mtgox_runtime._errors import NonceStoreError
from mtgox_runtime._nonce import (
    MAX_NONCE,
    ORDERING,
    TONCES,
    FileNonceStore,
    KeyOrderingLock,
    OrderingLocks,
    shared_file_store,
)
from mtgox_runtime._signer import Signer

KEY = "12345678-abcd-1234-abcd-50286e649d5c"
SECRET = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="
#: The file name of KEY's nonces. Fixed for ever: a new name would start a key's nonces again
#: from the clock, below any a past clock step made the server accept.
KEY_FILE = "04661badd236c9cd2543a0787d345085.nonce"
PAUSE = 0.3  # long enough for a thread that is not blocked to finish


class Background:
    """Runs `fn` in a thread; `blocked()` says whether it is still waiting after a pause."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.result: list[Any] = []
        self.thread = threading.Thread(target=lambda: self.result.append(fn()), daemon=True)
        self.thread.start()

    def blocked(self) -> bool:
        self.thread.join(PAUSE)
        return self.thread.is_alive()

    def value(self) -> Any:
        self.thread.join(10)
        assert not self.thread.is_alive(), "still waiting"
        return self.result[0]


@pytest.fixture
def stores(tmp_path: Path) -> tuple[FileNonceStore, FileNonceStore]:
    return FileNonceStore(tmp_path), FileNonceStore(tmp_path)


def test_the_key_file_name_never_changes(tmp_path: Path) -> None:
    store = FileNonceStore(tmp_path)
    assert store.path_for(KEY) == tmp_path / KEY_FILE
    store.next_nonce(KEY)
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


@pytest.mark.parametrize("content", [b"", b"not a number\n"])
def test_an_empty_or_foreign_file_starts_from_the_clock(tmp_path: Path, content: bytes) -> None:
    (tmp_path / KEY_FILE).write_bytes(content)
    assert FileNonceStore(tmp_path).peek(KEY) == 0
    assert FileNonceStore(tmp_path, clock=lambda: 0).next_nonce(KEY) == 1  # last counted as 0: 0 + 1


def test_peek_without_a_file_is_zero_and_with_one_the_last_nonce(tmp_path: Path) -> None:
    store = FileNonceStore(tmp_path, clock=lambda: 1328626350245256)
    assert store.peek(KEY) == 0
    store.next_nonce(KEY)
    assert store.peek(KEY) == 1328626350245256
    assert (tmp_path / KEY_FILE).read_bytes() == b"00001328626350245256\n"


def test_a_stuck_clock_at_zero_still_gives_one_two_three() -> None:
    store = MemoryNonceStore(clock=lambda: 0)
    assert [store.next_nonce(KEY) for _ in range(3)] == [1, 2, 3]


def test_the_largest_nonce_in_the_file_is_refused_with_the_file_named(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE
    path.write_bytes(b"%020d\n" % (MAX_NONCE - 1))
    assert FileNonceStore(tmp_path, clock=lambda: 0).next_nonce(KEY) == MAX_NONCE  # the last one allowed
    with pytest.raises(NonceStoreError) as error:
        FileNonceStore(tmp_path, clock=lambda: 0).next_nonce(KEY)
    assert str(error.value) == (
        f"the nonce file {str(path)!r} holds {MAX_NONCE}, past the largest nonce the server accepts (2**63-1), "
        "so every signed call would be refused. If no request ever carried such a nonce (the file was edited or "
        "corrupted), delete the file; if one did, the server will refuse every smaller nonce for this key: "
        "create a new API key"
    )


def test_a_foreign_file_past_the_largest_nonce_is_refused_whatever_its_width(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_bytes(b"10000000000000000000\n")  # 20 digits: 10**19
    with pytest.raises(NonceStoreError):
        FileNonceStore(tmp_path).next_nonce(KEY)


def test_an_unwritable_directory_is_named_in_the_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigurationError) as error:
        FileNonceStore(blocker / "nonces").next_nonce(KEY)
    assert str(error.value) == (
        f"cannot keep nonces in {str(blocker / 'nonces')!r} (Not a directory); "
        "pass nonce_store='memory' or a writable directory as nonce_store="
    )


def test_the_key_file_stays_open_once(tmp_path: Path) -> None:
    store = FileNonceStore(tmp_path)
    store.next_nonce(KEY)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        store.next_nonce(KEY)
        assert store.hold(KEY)
        store.unhold(KEY)
    assert len(os.listdir("/proc/self/fd")) == before


# -- hold: the cross-process half of the ordering lock --------------------------------------------


def test_a_hold_excludes_other_holders_and_nonces_until_released(stores: tuple[FileNonceStore, ...]) -> None:
    mine, other = stores
    assert mine.hold(KEY) is True
    assert other.hold(KEY, blocking=False) is False
    drawing = Background(lambda: other.next_nonce(KEY))
    assert drawing.blocked()  # another process's nonce waits for the call in flight
    waiting = Background(lambda: other.hold(KEY))  # blocking by default
    assert waiting.blocked()
    mine.unhold(KEY)
    assert drawing.value() > 0
    assert waiting.value() is True
    assert mine.hold(KEY, blocking=False) is False
    other.unhold(KEY)
    assert mine.hold(KEY, blocking=False) is True
    mine.unhold(KEY)


def test_a_nonce_drawn_under_a_hold_keeps_the_hold(stores: tuple[FileNonceStore, ...]) -> None:
    mine, other = stores
    mine.hold(KEY)
    assert mine.next_nonce(KEY) > 0  # takes no second lock, and must not drop the hold
    assert other.hold(KEY, blocking=False) is False
    mine.unhold(KEY)
    assert Background(lambda: other.next_nonce(KEY)).value() > 0
    assert other.hold(KEY)
    drawing = Background(lambda: mine.next_nonce(KEY))  # released: locks again for each nonce
    assert drawing.blocked()
    other.unhold(KEY)
    assert drawing.value() > 0


def test_a_hold_waits_for_the_holder_by_default(stores: tuple[FileNonceStore, ...]) -> None:
    mine, other = stores
    mine.hold(KEY)
    waiting = Background(lambda: other.hold(KEY))
    assert waiting.blocked()
    mine.unhold(KEY)
    assert waiting.value() is True
    other.unhold(KEY)


def test_a_non_blocking_hold_answers_at_once_when_taken(stores: tuple[FileNonceStore, ...]) -> None:
    mine, other = stores
    mine.hold(KEY)
    asking = Background(lambda: other.hold(KEY, blocking=False))
    assert not asking.blocked() and asking.value() is False
    mine.unhold(KEY)


def test_unhold_of_a_key_never_held_or_opened_is_harmless(tmp_path: Path) -> None:
    store = FileNonceStore(tmp_path)
    store.unhold("never-opened")
    store.next_nonce(KEY)
    store.unhold(KEY)  # opened, not held
    assert store.hold(KEY, blocking=False) is True
    store.unhold(KEY)


def test_a_signer_with_a_file_store_holds_the_file_through_the_call(stores: tuple[FileNonceStore, ...]) -> None:
    mine, other = stores
    signer = Signer(Credentials(KEY, SECRET), mine, use_tonce=False)
    assert signer.ordering_lock is not None
    signer.ordering_lock.acquire()
    assert other.hold(KEY, blocking=False) is False
    signer.ordering_lock.release()
    assert other.hold(KEY, blocking=False) is True
    other.unhold(KEY)
    assert Signer(Credentials(KEY, SECRET), mine, use_tonce=True).ordering_lock is None


# -- the in-process locks ---------------------------------------------------------------------------


def test_ordering_locks_are_one_per_key() -> None:
    locks = OrderingLocks()
    assert locks.thread_lock("a") is locks.thread_lock("a")
    assert locks.thread_lock("a") is not locks.thread_lock("b")

    async def per_loop() -> tuple[object, object, object]:
        return locks.task_lock("a"), locks.task_lock("a"), locks.task_lock("b")

    first, again, other = asyncio.run(per_loop())
    assert first is again and first is not other
    (next_loop, _, _) = asyncio.run(per_loop())
    assert next_loop is not first


async def waiting_while_the_loop_runs(lock: KeyOrderingLock) -> asyncio.Task[asyncio.Lock]:
    """Starts `acquire_async`; checks it is still waiting after a pause while other tasks ran."""
    beats = 0

    async def heartbeat() -> None:
        nonlocal beats
        while True:
            beats += 1
            await asyncio.sleep(0.005)

    beating = asyncio.create_task(heartbeat())
    taking = asyncio.create_task(lock.acquire_async())
    await asyncio.sleep(PAUSE)
    beating.cancel()
    assert not taking.done() and beats > 10  # waiting, and the loop runs meanwhile
    return taking


async def test_async_acquire_waits_for_another_thread_without_blocking_the_loop() -> None:
    key = "async-thread-contention"
    held = ORDERING.thread_lock(key)
    held.acquire()
    lock = KeyOrderingLock(key, None)
    taking = await waiting_while_the_loop_runs(lock)
    held.release()
    task_lock = await asyncio.wait_for(taking, 10)
    lock.release_async(task_lock)


async def test_async_acquire_waits_for_another_process_holding_the_file(tmp_path: Path) -> None:
    mine, other = FileNonceStore(tmp_path), FileNonceStore(tmp_path)
    assert other.hold(KEY)
    lock = KeyOrderingLock(KEY, mine)
    taking = await waiting_while_the_loop_runs(lock)
    other.unhold(KEY)
    task_lock = await asyncio.wait_for(taking, 10)
    assert other.hold(KEY, blocking=False) is False  # now this process holds it
    lock.release_async(task_lock)
    assert other.hold(KEY, blocking=False) is True
    other.unhold(KEY)


async def test_async_keys_do_not_wait_for_each_other() -> None:
    first, second = KeyOrderingLock("async-key-1", None), KeyOrderingLock("async-key-2", None)
    held = await first.acquire_async()
    other = await asyncio.wait_for(second.acquire_async(), 5)
    second.release_async(other)
    first.release_async(held)


# -- fork --------------------------------------------------------------------------------------------


def test_a_forked_child_locks_on_its_own_file_and_gets_fresh_locks(tmp_path: Path) -> None:
    store = FileNonceStore(tmp_path)
    store.next_nonce(KEY)
    old_fd = store._slots[KEY].fd
    assert store.hold(KEY)
    stuck = ORDERING.thread_lock("held-at-fork")
    stuck.acquire()  # as if another thread held it when the process forked
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, never return into pytest
        code = 1
        try:
            try:
                os.fstat(old_fd)
            except OSError:
                pass
            else:
                os._exit(2)  # the parent's descriptor is still open here
            assert ORDERING.thread_lock("held-at-fork").acquire(blocking=False)
            asyncio.run(asyncio.sleep(0))
            os.write(write, b"ready")
            store.next_nonce("another key")
            store.next_nonce(KEY)  # waits for the parent's hold: the child has its own lock
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    assert os.read(read, 5) == b"ready"
    threading.Event().wait(PAUSE)
    assert os.waitpid(pid, os.WNOHANG) == (0, 0)  # still waiting for the parent's hold
    store.unhold(KEY)
    _, status = os.waitpid(pid, 0)
    os.close(read)
    stuck.release()
    assert os.waitstatus_to_exitcode(status) == 0


def test_the_child_side_fork_hook_reopens_files_and_renews_every_lock(tmp_path: Path) -> None:
    """What a forked child runs first (os.register_at_fork), called here in this process."""
    store = FileNonceStore(tmp_path)
    store.next_nonce(KEY)
    old_fd = store._slots[KEY].fd
    held = ORDERING.thread_lock("held-before-the-hook")
    held.acquire()
    _nonce._after_fork_in_child()
    with pytest.raises(OSError, match="Bad file descriptor"):
        os.fstat(old_fd)  # closed: the child must not share the parent's lock
    assert store._slots == {}
    assert store.next_nonce("a key opened after the hook") > 0
    assert ORDERING.thread_lock("held-before-the-hook").acquire(blocking=False)
    ORDERING.thread_lock("held-before-the-hook").release()
    assert asyncio.run(_task_lock_is_free("after-the-hook"))
    assert TONCES.next_nonce(KEY) > 0
    assert shared_file_store(tmp_path / "shared") is shared_file_store(tmp_path / "shared")
    held.release()


async def _task_lock_is_free(key: str) -> bool:
    return not ORDERING.task_lock(key).locked()


def test_a_fresh_lock_table_after_fork_serves_new_keys() -> None:
    locks = OrderingLocks()
    locks.thread_lock("k").acquire()
    locks._after_fork()
    assert locks.thread_lock("k").acquire(blocking=False)

    async def task_lock() -> bool:
        return not locks.task_lock("k").locked()

    assert asyncio.run(task_lock())


def test_one_shared_store_per_directory(tmp_path: Path) -> None:
    assert shared_file_store(tmp_path) is shared_file_store(tmp_path)
    assert shared_file_store(tmp_path) is not shared_file_store(tmp_path / "other")


def test_a_store_closes_its_files_when_closed_or_collected(tmp_path: Path) -> None:
    store = FileNonceStore(tmp_path)
    store.next_nonce(KEY)
    fd = store._slots[KEY].fd
    os.close(fd)  # closed behind its back: closing again must not raise
    store.close()
    store.next_nonce(KEY)
    fd = store._slots[KEY].fd
    del store
    gc.collect()
    with pytest.raises(OSError, match="Bad file descriptor"):
        os.fstat(fd)


def test_the_store_says_where_it_keeps_nonces(tmp_path: Path) -> None:
    assert repr(FileNonceStore(tmp_path)) == f"FileNonceStore({str(tmp_path)!r})"
    assert repr(object.__new__(FileNonceStore)) == "FileNonceStore('?')"  # half-built


def test_without_file_locks_the_store_says_what_to_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_nonce, "HAVE_FLOCK", False)
    with pytest.raises(ConfigurationError) as error:
        FileNonceStore(tmp_path)
    assert str(error.value) == "FileNonceStore needs POSIX file locks; pass nonce_store='memory' here"
