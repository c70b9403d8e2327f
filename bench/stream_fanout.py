"""The sandbox's stream fan-out: N subscribers on `depth.BTCUSD` while orders flow over HTTP.

`stream_fanout_p99_ms`: the real sandbox (a subprocess on a temp db); N plain-websocket
subscribers (raw RFC 6455 readers in 2 asyncio processes of their own) on `depth.BTCUSD`; signed v2
`BTCUSD/money/order/add` requests sent open-loop at a fixed rate (each at its scheduled time by
the first free of 4 keep-alive connections, raw HTTP/1.1, tonce-signed), every one a resting
bid at its own price, so each causes exactly one depth message, found by its `price_int`.
Latency = the moment a subscriber reads that message minus the moment the order's HTTP answer
arrived (CLOCK_MONOTONIC, one clock for all processes); a message that arrives before the answer counts as 0 (the
value floors at 1 us). Reported: p99 (the figure; target <= 50 ms at 100 subscribers and 200
orders/s), p50, the same from the moment the request was sent, the order round trip and the
rate achieved in `extra`. Report only: the subscribers share the machine's cores with the
server, so the figure includes the client side too.

`stream_fanout_pubnub_p99_ms`: the same flow, the subscribers PubNub long-pollers instead (raw
HTTP/1.1 keep-alive readers of `GET /subscribe/SUB/<depth.BTCUSD id>/0/TIMETOKEN`, each asking
again with the answer's timetoken), so a message's arrival is the read of the answer holding it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
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
PUBNUB_SUB_KEY = "sub-c-50d56e1e-2fd9-11e3-a041-02ee2ddab7fe"
DEPTH_BTCUSD = "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe"


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


_PRICE = b'"price_int":"'


async def _subscriber(url: str, arrivals: dict[str, float], ready: asyncio.Event, expected: int) -> None:
    """A websocket subscriber that reads raw bytes: the handshake by hand (RFC 6455), then every
    `"price_int":"..."` found in what arrives (server frames are unmasked, so each depth
    message's JSON is there as sent) is that message's arrival. Parsing frames in Python would
    make the subscribers, not the server, the measured bottleneck."""
    target = httpx.URL(url)
    assert target.port is not None
    reader, writer = await asyncio.open_connection(target.host, target.port)
    key = base64.b64encode(hashlib.sha1(url.encode()).digest()[:16]).decode()  # noqa: S324 (a nonce, not security)
    writer.write(
        f"GET {target.raw_path.decode()} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(f"no upgrade: {head[:100]!r}")
    tail = b""
    try:
        while len(arrivals) < expected:
            chunk = await reader.read(1 << 16)
            if not chunk:
                raise RuntimeError("the server closed the stream")
            got = time.monotonic()
            data = tail + chunk
            if not ready.is_set() and b'"op":"subscribe"' in data:
                ready.set()
            end = _scan(data, got, arrivals)
            tail = data[max(end, len(data) - 64) :]  # a price split across two reads
    finally:
        writer.close()


def _scan(data: bytes, got: float, arrivals: dict[str, float]) -> int:
    """Record every `"price_int":"..."` in `data` as arrived at `got`; where the last one ended."""
    at = data.find(_PRICE)
    end = 0
    while at >= 0:
        stop = data.find(b'"', at + len(_PRICE))
        if stop < 0:
            break
        arrivals[data[at + len(_PRICE) : stop].decode()] = got
        end = stop
        at = data.find(_PRICE, stop)
    return end


async def _pubnub_subscriber(url: str, arrivals: dict[str, float], ready: asyncio.Event, expected: int) -> None:
    """A PubNub long-poller on one keep-alive connection: each answer's body is scanned for its
    prices (the moment it is read is their arrival), then the next poll carries its timetoken."""
    target = httpx.URL(url)
    assert target.port is not None
    reader, writer = await asyncio.open_connection(target.host, target.port)
    timetoken = "0"
    try:
        while len(arrivals) < expected:
            writer.write(f"GET {target.raw_path.decode()}/{timetoken} HTTP/1.1\r\nHost: {target.host}\r\n\r\n".encode())
            headers = (await reader.readuntil(b"\r\n\r\n")).lower()
            if not headers.startswith(b"http/1.1 200"):
                raise RuntimeError(f"the long-poll was refused: {headers[:100]!r}")
            at_length = headers.index(b"content-length:") + 15
            body = await reader.readexactly(int(headers[at_length : headers.index(b"\r\n", at_length)]))
            _scan(body, time.monotonic(), arrivals)
            timetoken = body[body.rindex(b'"', 0, len(body) - 2) + 1 : len(body) - 2].decode()
            ready.set()
    finally:
        writer.close()


async def _subscribers(url: str, count: int, expected: int, ready: Queue[int], pubnub: bool) -> list[dict[str, float]]:
    arrivals: list[dict[str, float]] = [{} for _ in range(count)]
    readies = [asyncio.Event() for _ in range(count)]
    read = _pubnub_subscriber if pubnub else _subscriber
    tasks = [asyncio.ensure_future(read(url, arrivals[i], readies[i], expected)) for i in range(count)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
    ready.put(count)
    await asyncio.wait_for(asyncio.gather(*tasks), 300)
    return arrivals


def subscriber_process(
    url: str, count: int, expected: int, ready: Queue[int], results: Queue[object], pubnub: bool = False
) -> None:
    """A process holding `count` subscribers; sends back, per subscriber, price -> arrival time
    (time.monotonic: CLOCK_MONOTONIC, one clock for every process of the machine)."""
    try:
        results.put(asyncio.run(_subscribers(url, count, expected, ready, pubnub)))
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
    base: str, key: str, secret: bytes, subscribers: int, rate: int, seconds: float, pubnub: bool = False
) -> tuple[list[float], dict[str, float | int]]:
    count = max(1, int(rate * seconds))
    if pubnub:
        url = f"{base}/subscribe/{PUBNUB_SUB_KEY}/{DEPTH_BTCUSD}/0"
    else:
        url = base.replace("http://", "ws://") + "/mtgox?Channel=depth.BTCUSD"
    context = multiprocessing.get_context("spawn")
    ready: Queue[int] = context.Queue()
    results: Queue[object] = context.Queue()
    shares = [len(range(i, subscribers, PROCESSES)) for i in range(min(PROCESSES, subscribers))]
    workers = [
        context.Process(target=subscriber_process, args=(url, n, count, ready, results, pubnub), daemon=True)
        for n in shares
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
    return [_fanout(sizes, pubnub=False)]


def stream_fanout_pubnub_p99_ms(sizes: Sizes) -> list[Figure]:
    return [_fanout(sizes, pubnub=True)]


def _fanout(sizes: Sizes, *, pubnub: bool) -> Figure:
    subscribers, rate, seconds = SHAPE.get(sizes.name, SHAPE["quick"])
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-stream-") as tmp:
        db = Path(tmp) / "sandbox.db"
        ((key, secret),) = make_accounts(db, 1)
        command = [sys.executable, "-m", "mtgox_sandbox", "serve", "--port", "0", "--db", str(db)]
        command += ["--ticker-interval", "0"]
        with server_process(command, log=Path(tmp) / "sandbox.log") as base:
            latencies, extra = _measure(base, key, base64.b64decode(secret), subscribers, rate, seconds, pubnub)
    p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
    who = (
        "PubNub long-poll subscribers (raw keep-alive HTTP/1.1 readers"
        if pubnub
        else ("plain-websocket subscribers (raw byte readers")
    )
    return Figure(
        "stream_fanout_pubnub_p99_ms" if pubnub else "stream_fanout_p99_ms",
        "ms",
        max(p99, 0.001),
        None,
        "",
        1,
        f"{subscribers} {who}, {PROCESSES} asyncio processes) on depth.BTCUSD; signed v2 "
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
