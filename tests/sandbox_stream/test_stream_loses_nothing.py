"""The stream loses nothing under load: 25 s of random orders and cancels from three accounts
on a deep book of cent levels, the market maker re-quoting every 0.5 s, a busy neighbour
process, one subscriber to depth, ticker, trades and the three accounts' private channels.

- every acknowledged order appears in a `user_order` message on its account's channel;
- the book rebuilt from the snapshot and the depth messages (each carries the level's absolute
  total, so the last message about a level is its state) equals `depth/full` at the end;
- the subscriber is never cut off or disconnected; the server logs no ERROR.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.core.exchange import Exchange
from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api, payload
from .streams import Raw

pytestmark = [pytest.mark.stress, pytest.mark.integration]

SECONDS = 25.0
DEEP_LEVELS = 1500  # per side, a cent apart, away from the traded range
BTC = 100_000_000
USD = 100_000
Book = dict[tuple[str, int], int]  # (side, price_int) -> amount_int


def deep_book(db: Path) -> None:
    """1,500 bid levels from 50.00 and 1,500 ask levels from 135.00 USD, a cent apart."""
    exchange = Exchange(load())
    conn = connect(db)
    with transaction(conn) as tx:
        account = ledger.create_account(tx, "deep").account_id
        ledger.fund(tx, account, {"BTC": 100_000 * BTC, "USD": 100_000_000 * USD})
        for i in range(DEEP_LEVELS):
            exchange.engine.place(tx, account, "BTCUSD", "bid", BTC // 10, 50 * USD + i * 1000)
            exchange.engine.place(tx, account, "BTCUSD", "ask", BTC // 10, 135 * USD + i * 1000)
    conn.close()


@pytest.fixture
def busy_neighbour() -> Iterator[None]:
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        burner.kill()
        burner.wait()


class Subscriber:
    """Reads everything in a thread, as a bot would, and says if it was ever cut off."""

    def __init__(self, sandbox: Sandbox, idkeys: list[str]) -> None:
        self.raw = Raw(sandbox, query="Channel=depth.BTCUSD/ticker.BTCUSD/trade.BTC")
        for key in idkeys:
            self.raw.send({"op": "mtgox.subscribe", "key": key})
        acks = 0
        while acks < 3 + len(idkeys):
            message = self.raw.recv()
            assert message.get("op") != "remark", message
            acks += message.get("op") == "subscribe"
        self.messages: list[dict[str, Any]] = []
        self.problem: str | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.stop.is_set():
            try:
                message = self.raw.recv(timeout=0.5)
            except TimeoutError:
                continue
            except ConnectionClosed as exc:
                self.problem = f"disconnected: {exc}"
                return
            if message.get("op") == "remark":
                self.problem = f"remark: {message}"
            self.messages.append(message)

    def depth_count(self) -> int:
        return sum(1 for m in list(self.messages) if m.get("private") == "depth")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.raw.close()


def trader(api: Api, seed: int, deadline: float, acked: list[str], failures: list[str]) -> None:
    rng = random.Random(seed)
    open_oids: list[str] = []
    while time.monotonic() < deadline:
        if open_oids and rng.random() < 0.3:
            oid = open_oids.pop(rng.randrange(len(open_oids)))
            response = api.post(2, "money/order/cancel", {"oid": oid})
            if response.status_code != 200 and "Order not found" not in response.text:  # filled meanwhile
                failures.append(f"cancel: HTTP {response.status_code} {response.text[:200]}")
            continue
        side = rng.choice(("bid", "ask"))
        price = 97 * USD + rng.randrange(0, 6 * USD, 1000)  # cent levels around the market: many cross
        amount = rng.randint(1, 50) * BTC // 100
        response = api.post(2, "BTCUSD/money/order/add", {"type": side, "amount_int": amount, "price_int": price})
        if response.status_code != 200:
            failures.append(f"order/add: HTTP {response.status_code} {response.text[:200]}")
            continue
        oid = payload(2, response)
        acked.append(oid)
        open_oids.append(oid)


def full_book(api: Api) -> Book:
    depth = api.public(2, "BTCUSD/money/depth/full")
    return {
        (side, int(level["price_int"])): int(level["amount_int"])
        for side in ("bid", "ask")
        for level in depth[side + "s"]
    }


def rebuilt(snapshot: Book, messages: list[dict[str, Any]]) -> Book:
    book = dict(snapshot)
    for message in messages:
        if message.get("private") != "depth":
            continue
        depth = message["depth"]
        level = (depth["type_str"], int(depth["price_int"]))
        book[level] = int(depth["total_volume_int"])
    return {level: amount for level, amount in book.items() if amount}


def test_the_stream_loses_nothing_under_load(tmp_path: Path, busy_neighbour: None) -> None:
    db = tmp_path / "load.db"
    deep_book(db)
    with Sandbox(db, market_maker=True, extra_args=("--interval", "0.5")) as sandbox:
        accounts = [sandbox.add_account({"BTC": "10000", "USD": "10000000"}) for _ in range(3)]
        apis = [Api(sandbox.base_url, key, secret) for key, secret in accounts]
        idkeys = [api.ok(2, "money/idkey") for api in apis]
        channels = [str(payload(2, api.post(2, "money/info"))["Id"]) for api in apis]
        public = Api(sandbox.base_url)
        subscriber = Subscriber(sandbox, idkeys)
        snapshot = full_book(public)
        acked: list[list[str]] = [[], [], []]
        failures: list[str] = []
        deadline = time.monotonic() + SECONDS
        threads = [
            threading.Thread(target=trader, args=(api, seed, deadline, acked[i], failures))
            for i, (api, seed) in enumerate(zip(apis, (1, 2, 3), strict=True))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SECONDS + 60)
        # The market maker re-quotes until its ladder is whole again: wait for a book that holds
        # still, then for every depth message about it to have arrived.
        final: Book = {}
        for _ in range(30):
            time.sleep(1.0)
            before = subscriber.depth_count()
            final = full_book(public)
            time.sleep(1.5)
            if subscriber.depth_count() == before:
                break
        else:
            pytest.fail("the book never held still for 1.5 s after the traders stopped")
        subscriber.close()
        log = sandbox.log_text()
        for api in (*apis, public):
            api.close()

    assert failures == []
    assert subscriber.problem is None
    assert "ERROR" not in log, log[-3000:]
    placed = sum(len(a) for a in acked)
    assert placed > 300, f"only {placed} orders in {SECONDS:g} s: the load did not happen"
    for channel, oids in zip(channels, acked, strict=True):
        seen = {
            m["user_order"]["oid"]
            for m in subscriber.messages
            if m.get("private") == "user_order" and m.get("channel") == channel
        }
        missing = [oid for oid in oids if oid not in seen]
        assert missing == [], f"{len(missing)} of {len(oids)} acknowledged orders never appeared in a user_order"
    book = rebuilt(snapshot, subscriber.messages)
    differences = {
        level: (book.get(level), final.get(level))
        for level in set(book) | set(final)
        if book.get(level) != final.get(level)
    }
    assert differences == {}, (
        f"{len(differences)} levels differ (rebuilt, depth/full): {sorted(differences.items())[:10]}"
    )
    tickers = sum(1 for m in subscriber.messages if m.get("private") == "ticker")
    trades = sum(1 for m in subscriber.messages if m.get("private") == "trade")
    assert tickers > 0 and trades > 0
    print(f"\n{placed} orders, {len(subscriber.messages)} messages ({tickers} tickers, {trades} trades)")
