"""Files and hops along the two paths docs/architecture.md draws, counted with `sys.setprofile`.

    python -m bench.paths

1. A signed `order/add` made over the stream: the websocket adapter receives the frame, the
   session and the dispatcher run it to COMMIT, the publisher queues the messages, and the
   subscriber's queue holds them (the sandbox in process, a fake websocket for the socket).
2. `client.v2.order_add(...)` to the wire: the SDK on a mock transport (no socket).

Files: the project's files (sandbox/, runtime/, generated/) in which a function ran. Hops: the
deepest chain of calls from one such file into another, following only project frames.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
ROOTS = {
    "sandbox": REPO / "sandbox" / "mtgox_sandbox",
    "runtime": REPO / "runtime" / "mtgox_runtime",
    "generated": REPO / "generated" / "mtgox",
}


class Trace:
    def __init__(self, roots: dict[str, Path]) -> None:
        self.roots = {k: str(v) for k, v in roots.items()}
        self.files: set[str] = set()
        self.deepest: list[str] = []
        self._stack: list[str | None] = []
        self._chains: dict[int, list[str]] = {}

    def _name(self, filename: str) -> str | None:
        for label, root in self.roots.items():
            if filename.startswith(root):
                return f"{label}/{filename[len(root) + 1 :]}"
        return None

    def __call__(self, frame: FrameType, event: str, arg: object) -> None:
        if event not in ("call", "return"):
            return
        name = self._name(frame.f_code.co_filename)
        if event == "call":
            if name is None:
                return
            self.files.add(name)
            parent = frame.f_back
            chain: list[str] = []
            while parent is not None:
                if id(parent) in self._chains:
                    chain = self._chains[id(parent)]
                    break
                parent = parent.f_back
            chain = chain if chain and chain[-1] == name else [*chain, name]
            self._chains[id(frame)] = chain
            if len(chain) > len(self.deepest):
                self.deepest = chain
        else:
            self._chains.pop(id(frame), None)


@contextmanager
def traced(trace: Trace) -> Iterator[None]:
    sys.setprofile(trace)
    try:
        yield
    finally:
        sys.setprofile(None)


def stream_order_add() -> Trace:
    from mtgox_sandbox.core import ledger
    from mtgox_sandbox.core.catalogue import load
    from mtgox_sandbox.core.db import connect, transaction
    from mtgox_sandbox.server.app import App

    trace = Trace({"sandbox": ROOTS["sandbox"]})

    async def scenario(db: Path) -> None:
        app = App(load(), db)
        await app.startup()
        conn = connect(db)
        with transaction(conn) as tx:
            creds = ledger.create_account(tx, "paths")
            ledger.fund(tx, creds.account_id, {"USD": 10**12})
        conn.close()
        stream = app.catalogue.stream
        assert stream is not None
        subscriber = app.services.hub.join()
        app.services.hub.subscribe(subscriber, stream.channel("depth.BTCUSD").id)
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        outbox: list[dict[str, Any]] = []
        inbox.put_nowait({"type": "websocket.connect"})

        async def send(message: dict[str, Any]) -> None:
            outbox.append(message)

        inner = json.dumps({"call": "order/add", "params": {"type": "bid", "amount_int": 10**8,
                            "price_int": 10**6}, "item": "BTC", "currency": "USD", "id": "1",
                            "nonce": time.time_ns() // 1000}).encode()  # fmt: skip
        signature = hmac.new(base64.b64decode(creds.secret), inner, hashlib.sha512).digest()
        blob = base64.b64encode(uuid.UUID(creds.key).bytes + signature + inner).decode()
        scope = {"type": "websocket", "path": "/mtgox", "query_string": b"Channel=lag", "headers": []}
        serving = asyncio.ensure_future(app(scope, inbox.get, send))  # type: ignore[arg-type]
        await asyncio.sleep(0.05)
        with traced(trace):
            inbox.put_nowait({"type": "websocket.receive", "text": json.dumps({"op": "call", "id": "1", "call": blob})})
            for _ in range(200):
                await asyncio.sleep(0)
                if subscriber.queue:
                    break
        assert subscriber.queue, f"the order did not reach the subscriber: {outbox[-3:]}"
        inbox.put_nowait({"type": "websocket.disconnect"})
        await serving
        await app.shutdown()

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(scenario(Path(tmp) / "paths.db"))
    return trace


def sdk_order_add() -> Trace:
    from decimal import Decimal

    import mtgox

    trace = Trace({"runtime": ROOTS["runtime"], "generated": ROOTS["generated"]})

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"result": "success", "data": str(uuid.uuid4())})

    secret = base64.b64encode(b"s" * 64).decode()
    transport = httpx.MockTransport(answer)
    with mtgox.Client(str(uuid.uuid4()), secret, base_url="https://mtgox.invalid/api", nonce_store="memory",
                      http_client=httpx.Client(transport=transport), rate_limit=None) as client:  # fmt: skip
        client.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("1"), price=Decimal("10"))  # warm
        with traced(trace):
            client.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("1"), price=Decimal("10"))
    return trace


def report(title: str, run: Callable[[], Trace]) -> None:
    trace = run()
    print(f"{title}: {len(trace.files)} files, {len(trace.deepest) - 1} hops")
    print("  deepest: " + " -> ".join(trace.deepest))
    print("  files: " + ", ".join(sorted(trace.files)))


if __name__ == "__main__":
    report("sandbox, a signed order/add over the stream, socket to subscriber", stream_order_add)
    report("SDK, client.v2.order_add to the wire", sdk_order_add)
