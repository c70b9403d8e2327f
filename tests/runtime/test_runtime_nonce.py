"""Nonces: strictly increasing per key across threads, processes and clock steps."""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from mtgox_runtime import ConfigurationError, FileNonceStore, MemoryNonceStore, NonceStore
from mtgox_runtime._nonce import ORDERING, key_digest, now_us
from tests.runtime.support import BASE, KEY, RUNTIME_DIR, SECRET, V2_INFO, Client, identity, ok

OTHER_KEY = "11111111-2222-3333-4444-555555555555"


class SteppingClock:
    """A clock the test moves by hand (it may go backwards)."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@pytest.mark.parametrize("kind", ["memory", "file"])
def test_increasing_when_the_clock_stalls_or_steps_back(kind: str, tmp_path: Path) -> None:
    clock = SteppingClock(1_000_000)
    store: NonceStore = MemoryNonceStore(clock=clock) if kind == "memory" else FileNonceStore(tmp_path, clock=clock)
    first = [store.next_nonce(KEY) for _ in range(3)]
    assert first == [1_000_000, 1_000_001, 1_000_002]
    clock.now = 500  # the clock steps back
    assert store.next_nonce(KEY) == 1_000_003
    clock.now = 2_000_000  # and forward again: back on the clock
    assert store.next_nonce(KEY) == 2_000_000
    assert store.next_nonce(OTHER_KEY) == 2_000_000  # per key


def test_nonces_follow_the_clock_in_microseconds() -> None:
    store = MemoryNonceStore()
    before = now_us()
    nonce = store.next_nonce(KEY)
    assert before <= nonce <= now_us() + 1


def test_file_store_persists_across_instances(tmp_path: Path) -> None:
    clock = SteppingClock(5_000_000)
    first = FileNonceStore(tmp_path, clock=clock)
    assert first.next_nonce(KEY) == 5_000_000
    first.close()
    behind = SteppingClock(10)  # a new process whose clock is far behind
    second = FileNonceStore(tmp_path, clock=behind)
    assert second.next_nonce(KEY) == 5_000_001
    assert second.peek(KEY) == 5_000_001


def test_file_store_names_files_by_a_hash_of_the_key(tmp_path: Path) -> None:
    store = FileNonceStore(tmp_path / "nonces")
    store.next_nonce(KEY)
    files = list((tmp_path / "nonces").iterdir())
    assert [f.name for f in files] == [f"{key_digest(KEY)}.nonce"]
    assert KEY not in files[0].name and KEY.replace("-", "") not in files[0].name
    assert KEY.encode() not in files[0].read_bytes()
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "nonces").stat().st_mode) == 0o700


def test_file_store_recovers_from_a_corrupt_file(tmp_path: Path) -> None:
    store = FileNonceStore(tmp_path, clock=SteppingClock(42))
    store.path_for(KEY).write_bytes(b"garbage\n")
    assert store.next_nonce(KEY) == 42


def test_file_store_in_an_unwritable_place_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = FileNonceStore(blocker / "nonces")
    with pytest.raises(ConfigurationError, match="nonce_store='memory'"):
        store.next_nonce(KEY)


@pytest.mark.parametrize("kind", ["memory", "file"])
def test_threads_never_share_a_nonce(kind: str, tmp_path: Path) -> None:
    store: NonceStore = MemoryNonceStore() if kind == "memory" else FileNonceStore(tmp_path)
    results: list[list[int]] = [[] for _ in range(8)]

    def work(out: list[int]) -> None:
        for _ in range(500):
            out.append(store.next_nonce(KEY))

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [n for out in results for n in out]
    assert len(set(everything)) == 8 * 500
    for out in results:
        assert all(a < b for a, b in itertools.pairwise(out))


WORKER = """
import sys
from mtgox_runtime import FileNonceStore
store = FileNonceStore(sys.argv[1])
sys.stdin.readline()  # start together
print("\\n".join(str(store.next_nonce(sys.argv[2])) for _ in range(int(sys.argv[3]))))
"""


def test_processes_never_share_a_nonce(tmp_path: Path) -> None:
    """4 processes x 500 nonces on one key through one directory: no repeats, each increasing."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(RUNTIME_DIR), os.environ.get("PYTHONPATH", "")])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tmp_path), KEY, "500"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate("go\n", timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    per_process = [[int(line) for line in out.split()] for out in outputs]
    assert [len(ns) for ns in per_process] == [500] * 4
    everything = [n for ns in per_process for n in ns]
    assert len(set(everything)) == 2000, f"{2000 - len(set(everything))} repeated nonces"
    for ns in per_process:
        assert all(a < b for a, b in itertools.pairwise(ns))
    # and the state file continues above all of them
    assert FileNonceStore(tmp_path).next_nonce(KEY) > max(everything)


def _forked_worker(directory: str, queue: multiprocessing.Queue[list[int]]) -> None:
    store = _FORK_STORE
    assert store is not None
    queue.put([store.next_nonce(KEY) for _ in range(300)])


_FORK_STORE: FileNonceStore | None = None


@pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "fork"), reason="needs fork")
def test_forked_children_reopen_the_state_file(tmp_path: Path) -> None:
    """A child inherits the parent's open descriptor (and its flock): the store must reopen it."""
    global _FORK_STORE
    _FORK_STORE = FileNonceStore(tmp_path)
    _FORK_STORE.next_nonce(KEY)  # the parent opens the file before forking
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[list[int]] = ctx.Queue()
    children = [ctx.Process(target=_forked_worker, args=(str(tmp_path), queue)) for _ in range(2)]
    for child in children:
        child.start()
    mine = [_FORK_STORE.next_nonce(KEY) for _ in range(300)]
    theirs = [queue.get(timeout=30) for _ in children]
    for child in children:
        child.join(timeout=30)
    everything = mine + [n for ns in theirs for n in ns]
    assert len(set(everything)) == 900
    _FORK_STORE = None


def test_client_default_store_is_a_file_under_the_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MTGOX_NONCE_STORE", raising=False)  # the default, as a user without the setting has it
    with respx.mock(base_url=BASE) as router:
        router.post("/2/money/info").mock(return_value=httpx.Response(200, json=ok({})))
        with Client(KEY, SECRET, rate_limit=None) as client:
            client._transport.call(V2_INFO, "money/info", [], identity)
    state = tmp_path / "xdg-cache" / "mtgox-sdk" / "nonces" / f"{key_digest(KEY)}.nonce"
    assert state.exists()
    assert int(state.read_bytes()) > 0


def test_client_with_a_directory_store(tmp_path: Path) -> None:
    with respx.mock(base_url=BASE) as router:
        route = router.post("/2/money/info").mock(return_value=httpx.Response(200, json=ok({})))
        with Client(KEY, SECRET, rate_limit=None, nonce_store=tmp_path / "mine") as client:
            client._transport.call(V2_INFO, "money/info", [], identity)
    sent = int(parse_qs(route.calls.last.request.content.decode())["nonce"][0])
    assert FileNonceStore(tmp_path / "mine").peek(KEY) == sent


def test_tonce_mode_sends_tonce_close_to_the_clock() -> None:
    with respx.mock(base_url=BASE) as router:
        route = router.post("/2/money/info").mock(return_value=httpx.Response(200, json=ok({})))
        with Client(KEY, SECRET, rate_limit=None, use_tonce=True) as client:
            before = now_us()
            for _ in range(5):
                client._transport.call(V2_INFO, "money/info", [("a", "1")], identity)
            after = now_us()
    forms = [parse_qs(call.request.content.decode()) for call in route.calls]
    assert all("nonce" not in f for f in forms)
    tonces = [int(f["tonce"][0]) for f in forms]
    assert all(a < b for a, b in itertools.pairwise(tonces))
    assert before <= tonces[0] and tonces[-1] <= after + 5
    assert route.calls.last.request.content.startswith(b"a=1&tonce=")


async def test_async_ordering_locks_are_per_event_loop() -> None:
    lock = ORDERING.task_lock(KEY)
    assert ORDERING.task_lock(KEY) is lock

    def other_loop() -> asyncio.Lock:
        async def get() -> asyncio.Lock:
            return ORDERING.task_lock(KEY)

        return asyncio.run(get())

    result: list[asyncio.Lock] = []
    t = threading.Thread(target=lambda: result.append(other_loop()))
    t.start()
    t.join()
    assert result[0] is not lock
    assert ORDERING.thread_lock(KEY) is ORDERING.thread_lock(KEY)


# -- where the default store keeps its files --------------------------------------------------


def test_the_nonce_store_variable_chooses_the_default_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, respx_mock: respx.MockRouter
) -> None:
    """A test session points MTGOX_NONCE_STORE at its own directory: throwaway keys leave no file in
    the user's cache, and every process of the session still shares the key's nonces."""
    cache, session = tmp_path / "xdg-cache", tmp_path / "session-nonces"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("MTGOX_NONCE_STORE", str(session))
    respx_mock.post(f"{BASE}/2/money/info").mock(return_value=httpx.Response(200, json=ok({})))
    with Client(KEY, SECRET, base_url=BASE) as client:
        client._transport.call(V2_INFO, "money/info", [], identity)
    assert [p.name for p in session.iterdir()] == [f"{key_digest(KEY)}.nonce"]
    assert not cache.exists()
    monkeypatch.setenv("MTGOX_NONCE_STORE", "memory")
    with Client(KEY, SECRET, base_url=BASE) as client:
        assert isinstance(client._transport.config.nonce_store, MemoryNonceStore)
    with Client(KEY, SECRET, base_url=BASE, nonce_store=tmp_path / "explicit") as client:  # the argument wins
        assert client._transport.config.nonce_store.directory == tmp_path / "explicit"  # type: ignore[attr-defined]
    monkeypatch.delenv("MTGOX_NONCE_STORE")
    with Client(KEY, SECRET, base_url=BASE) as client:
        assert client._transport.config.nonce_store.directory == cache / "mtgox-sdk" / "nonces"  # type: ignore[attr-defined]
