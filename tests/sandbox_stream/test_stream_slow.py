"""A subscriber that never reads is cut off with a remark; twenty others keep receiving every
message in order; the server's memory stays bounded meanwhile.

The slow one makes the server owe it far more than the sockets' buffers hold: each of its
subscribe ops is acknowledged once per currency of its connection (a remark for junk quotes
only the junk's start, so junk no longer does)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.stream.hub import QUEUE_ENV
from mtgox_sandbox.stream.session import SLOW_REMARK

from ..sandbox.sandbox_helpers import Api
from .streams import Raw

FAST = 20
ORDERS = 60
JUNK_FRAMES = 20_000
#: Each acknowledged for every currency of the connection: about 24 MB the slow client never reads.
JUNK = json.dumps({"op": "mtgox.subscribe", "type": "depth"})
QUEUE = 256


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture
def small_queue_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    monkeypatch.setenv(QUEUE_ENV, str(QUEUE))
    box = Sandbox(tmp_path / "slow.db").start()
    yield box
    box.stop()


@pytest.mark.integration
def test_a_consumer_that_never_reads_is_cut_off_and_the_others_get_everything(small_queue_sandbox: Sandbox) -> None:
    sandbox = small_queue_sandbox
    assert sandbox.process is not None
    key, secret = sandbox.add_account(fund={"BTC": "100", "USD": "100000"})
    api = Api(sandbox.base_url, key, secret)
    fast = [Raw(sandbox, query="Channel=depth.BTCUSD") for _ in range(FAST)]
    got: list[list[dict[str, object]]] = [[] for _ in range(FAST)]

    def consume(i: int) -> None:
        assert fast[i].recv()["op"] == "subscribe"
        while len(got[i]) < ORDERS:
            message = fast[i].recv()
            if message.get("private") == "depth":
                got[i].append(message["depth"])

    readers = [threading.Thread(target=consume, args=(i,)) for i in range(FAST)]
    for thread in readers:
        thread.start()
    before = rss_kib(sandbox.process.pid)
    currencies = ",".join(sorted(p.quote for p in sandbox.catalogue.pairs.values()))
    url = f"ws://{sandbox.host}:{sandbox.port}/mtgox?Channel=depth.BTCUSD&Currency={currencies}"
    with connect(url, max_queue=1, open_timeout=20, max_size=None) as slow:

        def flood() -> None:
            with contextlib.suppress(ConnectionClosed):  # cut off before the flood's end
                for _ in range(JUNK_FRAMES):
                    slow.send(JUNK)

        flooding = threading.Thread(target=flood)
        flooding.start()
        for n in range(ORDERS):
            # Resting bids at distinct prices: each is exactly one depth message.
            api.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 1_000_000, "price_int": 100_000 + n})
        flooding.join()
        for thread in readers:
            thread.join(timeout=120)
        grown = rss_kib(sandbox.process.pid) - before
        texts: list[str] = []
        try:
            while True:
                texts.append(str(slow.recv(timeout=60)))
        except ConnectionClosed:
            pass
    assert all(not thread.is_alive() for thread in readers)
    expected = [str(100_000 + n) for n in range(ORDERS)]
    for depth in got:
        assert [d["price_int"] for d in depth] == expected
        assert [int(str(d["now"])) for d in depth] == sorted(int(str(d["now"])) for d in depth)
    # The slow one: cut off with the remark, long before the 20,000 answers it asked for.
    last = json.loads(texts[-1])
    assert last == {"op": "remark", "success": False, "message": SLOW_REMARK}
    assert len(texts) < JUNK_FRAMES // 2
    # Bounded: the 24 MB of answers were never held (the queue holds at most 256 of them).
    assert grown < 20_000, f"the server grew by {grown} KiB"
    for raw in fast:
        raw.close()
    api.close()
