"""Nonces that strictly increase per API key, across threads, asyncio tasks and processes.

A nonce is `max(now in microseconds, last + 1)`: close to the clock, as every historical client
sent, and still increasing when calls come faster than the clock ticks or the clock steps back.

- `MemoryNonceStore`: one process. A new process starts again from the clock, which is above
  the last nonce as long as the clock did not step back.
- `FileNonceStore`: one small file per key (named by a hash of the key, never the key itself)
  under the user's cache directory, locked with `flock` while it is read and rewritten. Every
  process sharing a key and a directory draws from the same sequence, and a new process
  continues above the last nonce any process used. The file stays open (one descriptor per key
  per process) and is read and written with `pread`/`pwrite`: four system calls a nonce. A file
  is 21 bytes and only ever one per key; deleting the directory is safe while no process uses
  it (the next nonce starts again from the clock, which is above any nonce already sent unless
  the clock stepped back). A file past 2**63-1, which the server would refuse for ever, raises
  NonceStoreError saying how to recover.

Drawing increasing nonces is not enough: two threads that draw 5 and 6 may still reach the
server as 6, 5, and the server refuses 5. `KeyOrderingLock` is therefore held from drawing a nonce
until the answer arrives: one `threading.Lock` per key per process (shared by threads and by
every event loop; async tasks first queue on their loop's `asyncio.Lock`, then poll it without
blocking the loop), and, with a `FileNonceStore`, an `flock` on the key's nonce file itself,
held through the call, so other processes wait too (drawing a nonce under that hold takes no
second lock: the process already excludes every other). Should a server still refuse a nonce (a custom
store, another program using the key), the transport re-signs with a fresh one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ._errors import ConfigurationError, NonceStoreError

try:
    import fcntl

    HAVE_FLOCK = True
except ImportError:  # pragma: no cover - Windows: no flock, so no FileNonceStore
    HAVE_FLOCK = False

if TYPE_CHECKING:  # asyncio is imported when an async client first takes a lock, not before
    import asyncio

_WIDTH = 20  # digits: a nonce in microseconds has 16 until the year 2286
_RECORD = _WIDTH + 1
#: Mt. Gox kept nonces as signed 64-bit integers: a larger one is refused, and so is every later one.
MAX_NONCE = 2**63 - 1


def now_us() -> int:
    """The wall clock in microseconds since the epoch."""
    return time.time_ns() // 1000


def key_digest(key: str) -> str:
    """A stable, non-reversible name for a key's state (files, logs)."""
    return hashlib.sha256(b"mtgox-sdk nonce\0" + key.encode("utf-8")).hexdigest()[:32]


@runtime_checkable
class NonceStore(Protocol):
    """Hands out nonces; each call returns a number larger than every earlier one for `key`."""

    def next_nonce(self, key: str) -> int: ...


class MemoryNonceStore:
    """Nonces kept in this process only (thread-safe)."""

    __slots__ = ("_clock", "_last", "_lock")

    def __init__(self, *, clock: Callable[[], int] = now_us) -> None:
        self._clock = clock
        self._last: dict[str, int] = {}
        self._lock = threading.Lock()

    def next_nonce(self, key: str) -> int:
        now = self._clock()
        with self._lock:
            last = self._last.get(key, 0)
            nonce = now if now > last else last + 1
            self._last[key] = nonce
        return nonce

    def __repr__(self) -> str:
        return f"MemoryNonceStore({len(self._last)} keys)"


class _Slot:
    __slots__ = ("fd", "held", "lock", "path")

    def __init__(self, fd: int, path: Path) -> None:
        self.fd = fd
        self.path = path
        #: Guards the descriptor's flock state within the process (flock is per open file).
        self.lock = threading.Lock()
        #: True while this process holds the key's ordering lock (an flock on `fd`).
        self.held = False


_FILE_STORES: weakref.WeakSet[FileNonceStore] = weakref.WeakSet()


class FileNonceStore:
    """Nonces shared by every process using the same directory (POSIX `flock`)."""

    def __init__(self, directory: str | os.PathLike[str], *, clock: Callable[[], int] = now_us) -> None:
        if not HAVE_FLOCK:  # pragma: no cover - Windows
            raise ConfigurationError("FileNonceStore needs POSIX file locks; pass nonce_store='memory' here")
        self.directory = Path(directory).expanduser()
        self._clock = clock
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()
        _FILE_STORES.add(self)

    def path_for(self, key: str) -> Path:
        """The state file of `key` (a hash of the key names it)."""
        return self.directory / f"{key_digest(key)}.nonce"

    def _open(self, key: str) -> _Slot:
        with self._lock:
            slot = self._slots.get(key)
            if slot is not None:
                return slot
            path = self.path_for(key)
            try:
                self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot keep nonces in {str(self.directory)!r} ({exc.strerror or exc}); pass "
                    "nonce_store='memory' or a writable directory as nonce_store="
                ) from None
            slot = self._slots[key] = _Slot(fd, path)
            return slot

    def next_nonce(self, key: str) -> int:
        slot = self._slots.get(key) or self._open(key)
        fd = slot.fd
        with slot.lock:
            locked_here = not slot.held  # under hold() this process already has the flock
            if locked_here:
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                data = os.pread(fd, _RECORD, 0)
                try:
                    last = int(data) if data else 0
                except ValueError:  # a torn or foreign file: start again from the clock
                    last = 0
                if last >= MAX_NONCE:
                    raise NonceStoreError(
                        f"the nonce file {str(slot.path)!r} holds {last}, past the largest nonce the server "
                        f"accepts (2**63-1), so every signed call would be refused. If no request ever carried "
                        "such a nonce (the file was edited or corrupted), delete the file; if one did, the "
                        "server will refuse every smaller nonce for this key: create a new API key"
                    )
                now = self._clock()
                nonce = now if now > last else last + 1
                os.pwrite(fd, b"%0*d\n" % (_WIDTH, nonce), 0)
            finally:
                if locked_here:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        return nonce

    def hold(self, key: str, *, blocking: bool = True) -> bool:
        """Take `key`'s cross-process ordering lock; False when `blocking` is off and another has it.

        Callers serialise holders within the process first (`KeyOrderingLock`): a lock taken through
        one descriptor does not exclude other threads using the same descriptor.
        """
        slot = self._slots.get(key) or self._open(key)
        with slot.lock:
            try:
                fcntl.flock(slot.fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            slot.held = True
        return True

    def unhold(self, key: str) -> None:
        slot = self._slots.get(key)
        if slot is not None and slot.held:
            with slot.lock:
                slot.held = False
                fcntl.flock(slot.fd, fcntl.LOCK_UN)

    def peek(self, key: str) -> int:
        """The last nonce recorded for `key` (0 when none), without drawing one."""
        try:
            data = self.path_for(key).read_bytes()[:_RECORD]
            return int(data) if data else 0
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        """Close the open state files (they reopen on the next nonce)."""
        with self._lock:
            slots, self._slots = self._slots, {}
        for slot in slots.values():
            _close_slot(slot)

    def _after_fork(self) -> None:
        # The child shares the parent's open file descriptions, and with them the parent's
        # flock: reopen so each process locks on its own.
        self._lock = threading.Lock()
        slots, self._slots = self._slots, {}
        for slot in slots.values():
            _close_slot(slot)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            for slot in self._slots.values():
                _close_slot(slot)

    def __repr__(self) -> str:
        return f"FileNonceStore({str(getattr(self, 'directory', '?'))!r})"


def _close_slot(slot: _Slot) -> None:
    with contextlib.suppress(OSError):
        os.close(slot.fd)


_SHARED_FILE_STORES: dict[Path, FileNonceStore] = {}
_SHARED_LOCK = threading.Lock()


def shared_file_store(directory: str | os.PathLike[str]) -> FileNonceStore:
    """One FileNonceStore per directory per process, so clients share open files."""
    path = Path(directory).expanduser().absolute()
    with _SHARED_LOCK:
        store = _SHARED_FILE_STORES.get(path)
        if store is None:
            store = _SHARED_FILE_STORES[path] = FileNonceStore(path)
        return store


#: Tonces are the clock, made unique per key within the process; they never come from a file,
#: because a nonce far ahead of the clock would fall outside the server's tonce window.
TONCES = MemoryNonceStore()


class OrderingLocks:
    """Per-key locks that keep one process's signed requests of a key in nonce order."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._threads: dict[str, threading.Lock] = {}
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
            weakref.WeakKeyDictionary()
        )

    def thread_lock(self, key: str) -> threading.Lock:
        lock = self._threads.get(key)
        if lock is None:
            with self._guard:
                lock = self._threads.setdefault(key, threading.Lock())
        return lock

    def task_lock(self, key: str) -> asyncio.Lock:
        import asyncio

        loop = asyncio.get_running_loop()
        locks = self._loops.get(loop)
        if locks is None:
            with self._guard:
                locks = self._loops.setdefault(loop, {})
        lock = locks.get(key)
        if lock is None:
            lock = locks.setdefault(key, asyncio.Lock())
        return lock

    def _after_fork(self) -> None:
        # A lock held by another thread at fork time would never be released in the child.
        self._guard = threading.Lock()
        self._threads = {}
        self._loops = weakref.WeakKeyDictionary()


ORDERING = OrderingLocks()

_POLL_FIRST = 0.0002
_POLL_MAX = 0.01


class KeyOrderingLock:
    """Held by a signed call from drawing its nonce until its answer: see the module docstring."""

    __slots__ = ("key", "store")

    def __init__(self, key: str, store: FileNonceStore | None) -> None:
        self.key = key
        self.store = store

    def acquire(self) -> None:
        lock = ORDERING.thread_lock(self.key)
        lock.acquire()
        if self.store is not None:
            try:
                self.store.hold(self.key)
            except BaseException:
                lock.release()
                raise

    def release(self) -> None:
        try:
            if self.store is not None:
                self.store.unhold(self.key)
        finally:
            ORDERING.thread_lock(self.key).release()

    async def acquire_async(self) -> asyncio.Lock:
        """Take the order without blocking the event loop; returns the task lock for `release_async`."""
        import asyncio

        task_lock = ORDERING.task_lock(self.key)
        await task_lock.acquire()  # FIFO among this loop's tasks
        try:
            lock = ORDERING.thread_lock(self.key)
            delay = _POLL_FIRST
            while not lock.acquire(blocking=False):  # other threads and event loops
                await asyncio.sleep(delay)
                delay = min(delay * 2, _POLL_MAX)
            try:
                delay = _POLL_FIRST
                while self.store is not None and not self.store.hold(self.key, blocking=False):  # other processes
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, _POLL_MAX)
            except BaseException:
                lock.release()
                raise
        except BaseException:
            task_lock.release()
            raise
        return task_lock

    def release_async(self, task_lock: asyncio.Lock) -> None:
        try:
            self.release()
        finally:
            task_lock.release()


def _after_fork_in_child() -> None:
    global _SHARED_LOCK
    _SHARED_LOCK = threading.Lock()
    ORDERING._after_fork()
    TONCES._lock = threading.Lock()
    for store in list(_FILE_STORES):
        store._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
