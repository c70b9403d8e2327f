"""The sandbox's stream fan-out: N subscribers on `depth.BTCUSD` while orders flow over HTTP.

`stream_fanout_p99_ms`: the real sandbox (a subprocess on a temp db); N plain-websocket
subscribers (the `websockets` asyncio client, in 2 processes of their own) on `depth.BTCUSD`; signed v2
`BTCUSD/money/order/add` requests sent open-loop at a fixed rate (each at its scheduled time by
the first free of 4 keep-alive connections, raw HTTP/1.1, tonce-signed), every one a resting
bid at its own price, so each causes exactly one depth message, found by its `price_int`.
Latency = the moment a subscriber reads that message minus the moment the order's HTTP answer
arrived (CLOCK_MONOTONIC, one clock for all processes); a message that arrives before the answer counts as 0 (the
value floors at 1 us). Reported: p99 (the figure; target <= 50 ms at 100 subscribers and 200
orders/s), p50, the same from the moment the request was sent, the order round trip and the
rate achieved in `extra`. Report only: the subscribers share the machine's cores with the
server, so the figure includes the client side too.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from pathlib import Path
from urllib.parse import urlencode

import httpx
from websockets.asyncio.client import connect

from .harness import Figure, Sizes
from .sandbox_load import make_accounts
from .server import server_process

#: sizes.name -> (subscribers, orders per second, seconds of flow)
SHAPE = {"full": (100, 200, 10.0), "quick": (100, 200, 3.0), "tiny": (3, 50, 0.2)}
ORDER_PATH = "BTCUSD/money/order/add"
BASE_PRICE = 1_000_000  # 10 USD: far below any ask, so nothing matches
CONNECTIONS = 4
#: Processes the subscribers are spread over (apart from the one sending orders).
PROCESSES = 2
FORM = "application/x-www-form-urlencoded"


@dataclass
class Flow:
    """What the order side saw, by price: when each request left and when its answer came."""

    sent: dict[str, float] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)
    last_tonce: int = 0

    def tonce(self) -> int:
        # A tonce (unique, current), not a nonce: the connections' requests interleave.
        self.last_tonce = max(time.time_ns() // 1000, self.last_tonce + 1)
        return self.last_tonce


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def _subscriber(url: str, arrivals: dict[str, float], ready: asyncio.Event, expected: int) -> None:
    async with connect(url, max_size=None, open_timeout=30) as ws:
        ack = json.loads(await ws.recv())
        assert ack["op"] == "subscribe"
        ready.set()
        while len(arrivals) < expected:
            text = str(await ws.recv())
            got = time.monotonic()
            # Only depth messages come on this channel; a string search keeps this process light.
            at = text.find('"price_int":"') + 13
            arrivals[text[at : text.index('"', at)]] = got


async def _subscribers(url: str, count: int, expected: int, ready: Queue[int]) -> list[dict[str, float]]:
    arrivals: list[dict[str, float]] = [{} for _ in range(count)]
    readies = [asyncio.Event() for _ in range(count)]
    tasks = [asyncio.ensure_future(_subscriber(url, arrivals[i], readies[i], expected)) for i in range(count)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
    ready.put(count)
    await asyncio.wait_for(asyncio.gather(*tasks), 300)
    return arrivals


def subscriber_process(url: str, count: int, expected: int, ready: Queue[int], results: Queue[object]) -> None:
    """A process holding `count` subscribers; sends back, per subscriber, price -> arrival time
    (time.monotonic: CLOCK_MONOTONIC, one clock for every process of the machine)."""
    try:
        results.put(asyncio.run(_subscribers(url, count, expected, ready)))
    except Exception as exc:  # the parent reports it
        ready.put(0)
        results.put(f"{type(exc).__name__}: {exc}")


async def _connection(
    host: str, port: int, key: str, secret: bytes, jobs: asyncio.Queue[tuple[int, float] | None], flow: Flow
) -> None:
    """One keep-alive connection taking scheduled orders off `jobs` (raw HTTP/1.1, hand-signed)."""
    reader, writer = await asyncio.open_connection(host, port)
    head = f"POST /api/2/{ORDER_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {FORM}\r\nRest-Key: {key}\r\n"
    try:
        while (job := await jobs.get()) is not None:
            i, at = job
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            price = str(BASE_PRICE + i)
            fields = {"type": "bid", "amount_int": 1_000_000, "price_int": price, "tonce": flow.tonce()}
            body = urlencode(fields).encode()
            sign = base64.b64encode(hmac.new(secret, ORDER_PATH.encode() + b"\0" + body, hashlib.sha512).digest())
            flow.sent[price] = time.monotonic()
            writer.write(f"{head}Rest-Sign: {sign.decode()}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            headers = (await reader.readuntil(b"\r\n\r\n")).lower()
            at_length = headers.index(b"content-length:") + 15
            answer = await reader.readexactly(int(headers[at_length : headers.index(b"\r\n", at_length)]))
            flow.answered[price] = time.monotonic()
            if b'"success"' not in answer[:40]:
                raise RuntimeError(f"order refused: {answer[:200]!r}")
    finally:
        writer.close()


async def _flow(base: str, key: str, secret: bytes, rate: int, count: int, flow: Flow) -> None:
    """Orders at `rate` per second, each sent at its scheduled time by the first free connection."""
    url = httpx.URL(base)
    assert url.port is not None
    jobs: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    start = time.monotonic() + 0.1
    for i in range(count):
        jobs.put_nowait((i, start + i / rate))
    for _ in range(CONNECTIONS):
        jobs.put_nowait(None)
    await asyncio.gather(*(_connection(url.host, url.port, key, secret, jobs, flow) for _ in range(CONNECTIONS)))


def _measure(
    base: str, key: str, secret: bytes, subscribers: int, rate: int, seconds: float
) -> tuple[list[float], dict[str, float | int]]:
    count = max(1, int(rate * seconds))
    url = base.replace("http://", "ws://") + "/mtgox?Channel=depth.BTCUSD"
    context = multiprocessing.get_context("spawn")
    ready: Queue[int] = context.Queue()
    results: Queue[object] = context.Queue()
    shares = [len(range(i, subscribers, PROCESSES)) for i in range(min(PROCESSES, subscribers))]
    workers = [
        context.Process(target=subscriber_process, args=(url, n, count, ready, results), daemon=True) for n in shares
    ]
    for worker in workers:
        worker.start()
    try:
        if sum(ready.get(timeout=120) for _ in workers) != subscribers:
            raise RuntimeError(f"subscribers failed: {results.get(timeout=10)}")
        flow = Flow()
        started = time.monotonic()
        asyncio.run(_flow(base, key, secret, rate, count, flow))
        flowed = time.monotonic() - started
        arrivals: list[dict[str, float]] = []
        for _ in workers:
            got = results.get(timeout=300)
            if isinstance(got, str):
                raise RuntimeError(f"subscribers failed: {got}")
            assert isinstance(got, list)
            arrivals += got
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
    prices = list(flow.answered)
    latencies = [max(0.0, got[p] - flow.answered[p]) * 1000 for got in arrivals for p in prices]
    from_request = [(got[p] - flow.sent[p]) * 1000 for got in arrivals for p in prices]
    rtts = [(flow.answered[p] - flow.sent[p]) * 1000 for p in prices]
    return latencies, {
        "orders": count,
        "achieved_orders_per_s": count / flowed,
        "order_rtt_p50_ms": statistics.median(rtts),
        "order_rtt_p99_ms": _percentile(rtts, 0.99),
        "from_request_p50_ms": _percentile(from_request, 0.50),
        "from_request_p99_ms": _percentile(from_request, 0.99),
        "messages_before_answer": sum(1 for got in arrivals for p in prices if got[p] < flow.answered[p]),
    }


def stream_fanout_p99_ms(sizes: Sizes) -> list[Figure]:
    subscribers, rate, seconds = SHAPE.get(sizes.name, SHAPE["quick"])
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-stream-") as tmp:
        db = Path(tmp) / "sandbox.db"
        ((key, secret),) = make_accounts(db, 1)
        command = [sys.executable, "-m", "mtgox_sandbox", "serve", "--port", "0", "--db", str(db)]
        with server_process(command, log=Path(tmp) / "sandbox.log") as base:
            latencies, extra = _measure(base, key, base64.b64decode(secret), subscribers, rate, seconds)
    p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
    return [
        Figure(
            "stream_fanout_p99_ms",
            "ms",
            max(p99, 0.001),
            None,
            "",
            1,
            f"{subscribers} plain-websocket subscribers on depth.BTCUSD ({PROCESSES} asyncio processes); signed v2 "
            f"order/add open-loop at {rate}/s for {seconds:g} s ({CONNECTIONS} keep-alive connections, raw "
            "HTTP/1.1), each a resting bid at its own price; latency = depth message read by a subscriber "
            "minus the order's HTTP answer (0 when the message came first); p99 over every (order, "
            "subscriber); real sandbox subprocess, temp db",
            target=50.0,
            target_on="value",
            extra={
                "p50_ms": round(p50, 3),
                "p99_ms": round(p99, 3),
                "subscribers": subscribers,
                "messages": len(latencies),
                **{k: round(v, 3) if isinstance(v, float) else v for k, v in extra.items()},
            },
        )
    ]
