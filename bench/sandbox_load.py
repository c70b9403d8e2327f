"""The sandbox's own throughput: signed requests per second over HTTP, orders per second in-process.

`sandbox_rps`: the real sandbox (`python -m mtgox_sandbox serve`, a subprocess on a temp db)
and N concurrent clients, each with its own funded key (nonces increase per key), each sending
signed v2 `money/info` one after another for a fixed time. The load generator is the cheapest
client there is (raw HTTP/1.1 over asyncio streams, hand-signed, one keep-alive connection per
client, one event loop: tens of microseconds a request), so the figure is the server's.
Baseline: the same load against a bare uvicorn ASGI app answering the same JSON
(bench/uvicorn_app.py, served by the sandbox's own `serve()`, so with the same uvicorn
configuration): the ratio is what the sandbox's own work costs on top of uvicorn. `extra` also
has the canned bench server's figure, the most this client process can push.

`sandbox_orders_per_s`: the matching engine called directly (`Engine.place` inside
`db.transaction`, one transaction per order as the server runs it) on a temp SQLite file, with
a seeded stream of limit orders around one price from two funded accounts (about half cross).
Baseline: empty write transactions per second on the same connection (BEGIN IMMEDIATE, the
stamp read and write, COMMIT), the floor any one-transaction-per-order design pays.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.core.exchange import Exchange

from . import payloads as pl
from .calls import HandSigner
from .harness import Figure, Sizes, median
from .server import bench_server, server_process

BTC = 100_000_000
USD = 100_000
#: The sandbox's share of a bare uvicorn app's throughput when this figure was introduced.
RPS_RATIO_TARGET = 0.45


class _KeySigner(HandSigner):
    """HandSigner for any key and secret."""

    def __init__(self, key: str, secret: bytes) -> None:
        super().__init__()
        self.key = key
        self._mac = hmac.new(secret, digestmod=hashlib.sha512)

    def request(self, path: bytes) -> tuple[bytes, dict[str, str]]:
        body, headers = super().request(path)
        headers["Rest-Key"] = self.key
        return body, headers


def make_accounts(db: Path, count: int) -> list[tuple[str, str]]:
    """`count` funded accounts written straight into the sandbox database: (key, secret) each."""
    conn = connect(db)
    try:
        out = []
        with transaction(conn) as tx:
            for i in range(count):
                creds = ledger.create_account(tx, f"bench-{i}")
                ledger.fund(tx, creds.account_id, {"BTC": 10 * BTC, "USD": 10_000 * USD})
                out.append((creds.key, creds.secret))
        return out
    finally:
        conn.close()


async def _client(host: str, port: int, signer: _KeySigner, deadline_box: list[float]) -> tuple[int, int]:
    """One keep-alive connection sending signed v2 money/info until the deadline: (ok, errors)."""
    reader, writer = await asyncio.open_connection(host, port)
    head = f"POST /api/{pl.INFO_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {pl.FORM}\r\n"
    ok = errors = 0
    first = True
    try:
        while first or time.perf_counter() < deadline_box[0]:
            body, headers = signer.request(pl.INFO_SIGNED_PATH)
            request = (
                f"{head}Rest-Key: {headers['Rest-Key']}\r\nRest-Sign: {headers['Rest-Sign']}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode("ascii") + body
            writer.write(request)
            status_and_headers = await reader.readuntil(b"\r\n\r\n")
            lowered = status_and_headers.lower()
            at = lowered.find(b"\r\ncontent-length:")
            if at < 0:
                raise RuntimeError(f"no Content-Length in {status_and_headers[:200]!r}")
            stop = lowered.find(b"\r\n", at + 2)
            answer = await reader.readexactly(int(lowered[at + 17 : stop]))
            if first:  # the warm-up call (connection, key lookup) is not counted
                first = False
                continue
            if status_and_headers.startswith(b"HTTP/1.1 200") and b'"success"' in answer[:40]:
                ok += 1
            else:
                errors += 1
    finally:
        writer.close()
        await writer.wait_closed()
    return ok, errors


async def _load(base: str, accounts: list[tuple[str, str]], seconds: float) -> tuple[int, int, float]:
    """(successes, errors, elapsed) for len(accounts) clients looping for `seconds`."""
    url = httpx.URL(base)
    assert url.port is not None
    signers = [_KeySigner(key, base64.b64decode(secret)) for key, secret in accounts]
    deadline_box = [float("inf")]
    tasks = [asyncio.ensure_future(_client(url.host, url.port, s, deadline_box)) for s in signers]
    await asyncio.sleep(0.2)  # connect and warm up
    started = time.perf_counter()
    deadline_box[0] = started + seconds
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    return sum(r[0] for r in results), sum(r[1] for r in results), elapsed


def sandbox_rps(sizes: Sizes) -> list[Figure]:
    n = sizes.sandbox_clients
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-sandbox-") as tmp:
        db = Path(tmp) / "sandbox.db"
        accounts = make_accounts(db, n)
        sandbox_cmd = [sys.executable, "-m", "mtgox_sandbox", "serve", "--port", "0", "--db", str(db)]
        bare_cmd = [sys.executable, "-m", "bench.uvicorn_app", "--port", "0"]
        with (
            server_process(sandbox_cmd, log=Path(tmp) / "sandbox.log") as sandbox,
            server_process(bare_cmd, log=Path(tmp) / "bare.log") as bare,
            bench_server() as canned,
        ):
            sides = {"sandbox": sandbox, "bare_uvicorn": bare, "canned": canned}
            rps: dict[str, list[float]] = {name: [] for name in sides}
            errors = dict.fromkeys(sides, 0)
            for r in range(sizes.sandbox_rounds):
                order = list(sides.items())
                for name, base in order if r % 2 == 0 else reversed(order):
                    ok, bad, elapsed = asyncio.run(_load(base, accounts, sizes.sandbox_seconds))
                    rps[name].append(ok / elapsed)
                    errors[name] += bad
    if any(errors.values()):
        raise RuntimeError(f"refused requests: {errors}")
    return [
        Figure(
            "sandbox_rps",
            "req/s",
            median(rps["sandbox"]),
            median(rps["bare_uvicorn"]),
            "the same load against a bare uvicorn ASGI app answering the same JSON",
            sizes.sandbox_rounds,
            f"{n} concurrent clients (own key and keep-alive connection each, raw HTTP/1.1 on asyncio "
            f"streams, hand-signed v2 money/info back to back) for {sizes.sandbox_seconds:g} s; median of "
            f"{sizes.sandbox_rounds} rounds interleaved with the baseline; real sandbox subprocess, temp db, "
            "synchronous=NORMAL; baseline: bench/uvicorn_app.py under the sandbox's serve()",
            target=RPS_RATIO_TARGET,
            higher_is_better=True,
            extra={
                "client_ceiling_rps": round(median(rps["canned"])),
                "rounds_rps": {k: [round(x) for x in v] for k, v in rps.items()},
            },
        )
    ]


def _order_stream(count: int, seed: int = 42) -> list[tuple[str, int, int]]:
    """(side, amount in satoshi, price in 1e-5 USD): limit orders scattered around 100 USD."""
    rng = random.Random(seed)
    mid = 100 * USD
    out = []
    for _ in range(count):
        side = "bid" if rng.random() < 0.5 else "ask"
        price = mid + rng.randint(-2_000, 2_000)
        amount = rng.randint(1, 100) * 1_000_000  # 0.01 to 1 BTC
        out.append((side, amount, price))
    return out


def sandbox_orders_per_s(sizes: Sizes) -> list[Figure]:
    exchange = Exchange(load())
    engine = exchange.engine
    rounds = sizes.sandbox_rounds
    per_round = max(1, sizes.engine_orders // rounds)
    stream = _order_stream(per_round * rounds)
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-engine-") as tmp:
        conn = connect(Path(tmp) / "engine.db")
        try:
            with transaction(conn) as tx:
                ids = []
                for i in range(2):
                    creds = ledger.create_account(tx, f"engine-{i}")
                    ledger.fund(tx, creds.account_id, {"BTC": 1_000_000 * BTC, "USD": 1_000_000_000 * USD})
                    ids.append(creds.account_id)
            buyer, seller = ids
            trades = 0
            samples: dict[str, list[float]] = {"orders": [], "empty_tx": []}

            def orders(batch: list[tuple[str, int, int]]) -> float:
                nonlocal trades
                started = time.perf_counter()
                for side, amount, price in batch:
                    with transaction(conn) as tx:
                        placed = engine.place(tx, buyer if side == "bid" else seller, "BTCUSD", side, amount, price)
                    trades += placed.trades
                return len(batch) / (time.perf_counter() - started)

            def empty(count: int) -> float:
                started = time.perf_counter()
                for _ in range(count):
                    with transaction(conn) as tx:
                        tx.stamp()
                return count / (time.perf_counter() - started)

            for r in range(rounds):
                batch = stream[r * per_round : (r + 1) * per_round]
                if r % 2 == 0:
                    samples["orders"].append(orders(batch))
                    samples["empty_tx"].append(empty(per_round))
                else:
                    samples["empty_tx"].append(empty(per_round))
                    samples["orders"].append(orders(batch))
            book: Any = conn.execute("SELECT COUNT(*) FROM orders WHERE status = 'open'").fetchone()[0]
        finally:
            conn.close()
    return [
        Figure(
            "sandbox_orders_per_s",
            "orders/s",
            median(samples["orders"]),
            median(samples["empty_tx"]),
            "empty write transactions per second (BEGIN IMMEDIATE, stamp, COMMIT)",
            rounds,
            f"Engine.place in one db.transaction per order, in-process on a temp SQLite file (WAL, "
            f"synchronous=NORMAL); {per_round * rounds:,} seeded limit orders around one price, "
            f"{rounds} rounds of {per_round:,} interleaved with the baseline",
            higher_is_better=True,
            extra={"trades": trades, "open_orders_at_end": int(book)},
        )
    ]
