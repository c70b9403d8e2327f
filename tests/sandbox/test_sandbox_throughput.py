"""Throughput figures (run with -m stress -s to see them; `make bench` reports them as sandbox_rps).

Only correctness is asserted here (answers succeed, books balance): speed is reported, never
asserted, so a slow machine cannot fail the suite.

- signed requests per second: 8 concurrent clients, each a keep-alive connection sending signed
  v2 `money/info` (and then v2 `order/add`) as fast as the answers come back;
- orders per second the matching engine handles in-process: one transaction per order (as a
  request does), on a book kept busy by crossing orders.

Client and server share the machine, so the HTTP figures are a floor.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.core.exchange import Exchange
from mtgox_sandbox.fixture import Sandbox

from .sandbox_helpers import sign

CLIENTS = 8
SECONDS = 5.0


async def hammer(sandbox: Sandbox, path: str, seconds: float) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) of CLIENTS keep-alive connections sending signed v2 calls.

    The client is a few lines over asyncio streams, so it leaves the server as much of the CPU as
    it can; `Content-Length` framing is all it reads.
    """
    accounts = [sandbox.add_account(fund={"BTC": "100000", "USD": "100000000"}) for _ in range(CLIENTS)]
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def client(key: str, secret: str, seed: int) -> None:
        rng = random.Random(seed)
        nonce = time.time_ns() // 1000
        reader, writer = await asyncio.open_connection(sandbox.host, sandbox.port)
        while time.monotonic() < deadline:
            nonce += 1
            fields: list[tuple[str, object]] = []
            if "order/add" in path:
                fields = [
                    ("type", rng.choice(["bid", "ask"])),
                    ("amount_int", 1_000_000),
                    ("price_int", rng.randint(9_900_000, 10_100_000)),
                ]
            body = urlencode([*fields, ("nonce", nonce)]).encode()
            head = (
                f"POST /api/2/{path} HTTP/1.1\r\nHost: sandbox\r\nRest-Key: {key}\r\n"
                f"Rest-Sign: {sign(secret, path.encode() + bytes(1) + body)}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            started = time.perf_counter()
            writer.write(head.encode() + body)
            answer = await reader.readuntil(b"\r\n\r\n")
            length = int(answer.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            content = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            assert answer.startswith(b"HTTP/1.1 200") and b'"success"' in content, answer + content
        writer.close()
        await writer.wait_closed()

    started = time.monotonic()
    await asyncio.gather(*(client(k, s, i) for i, (k, s) in enumerate(accounts)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return len(latencies) / elapsed, latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000


@pytest.mark.stress
@pytest.mark.integration
@pytest.mark.parametrize("synchronous", ["NORMAL", "FULL"])
async def test_signed_requests_per_second(tmp_path: Path, synchronous: str) -> None:
    with Sandbox(tmp_path / "bench.db", synchronous=synchronous) as sandbox:
        sandbox.seed_market()
        for path in ("money/info", "BTCUSD/money/order/add"):
            rate, p50, p99 = await hammer(sandbox, path, SECONDS)
            print(
                f"\n[{synchronous}] {CLIENTS} clients, v2 {path}: {rate:,.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms"
            )
            assert rate > 0  # requests were served; the figure itself is bench/'s to judge
        assert sandbox.check_invariants() == []


@pytest.mark.stress
def test_engine_orders_per_second(tmp_path: Path) -> None:
    ex = Exchange(load())
    conn = connect(tmp_path / "engine.db")
    with transaction(conn) as tx:
        accounts = []
        for _ in range(10):
            creds = ledger.create_account(tx)
            ledger.fund(tx, creds.account_id, {"BTC": 10**15, "USD": 10**15})
            accounts.append(creds.account_id)
    rng = random.Random(7)
    count = 20_000
    trades_before = conn.execute("SELECT COUNT(*) FROM trades").fetchone()[0]
    start = time.perf_counter()
    for _ in range(count):
        with transaction(conn) as tx:
            ex.engine.place(
                tx,
                rng.choice(accounts),
                "BTCUSD",
                rng.choice(["bid", "ask"]),
                rng.randint(1_000_000, 300_000_000),
                rng.randint(9_900_000, 10_100_000) if rng.random() < 0.9 else None,
            )
    elapsed = time.perf_counter() - start
    trades = conn.execute("SELECT COUNT(*) FROM trades").fetchone()[0] - trades_before
    with transaction(conn, write=False) as tx:
        assert ledger.check_invariants(tx) == []
    conn.close()
    print(
        f"\nengine: {count / elapsed:,.0f} orders/s ({trades / elapsed:,.0f} trades/s, {trades} trades), one transaction each"
    )
    assert trades > 0  # crossing orders matched; speed is reported, not asserted
