"""Tickers as Mt. Gox sent them: about one a second for each pair someone listens to, whether
or not anything happened (a recorded hour of 2012 holds 666 tickers in 685 s and 38 trades).
Clients of the time took the silence of a quiet market for a dead connection and reconnected.

Each round reads the best prices of the pairs with subscribers in one read transaction and
publishes the same ticker message a trade would have caused (messages.py); nothing is read or
built for a pair nobody listens to.
"""

from __future__ import annotations

import asyncio
import logging

from ..core import book
from ..core.db import Transactions, Tx
from .hub import Hub
from .messages import Builder, Snapshot

log = logging.getLogger("mtgox_sandbox.stream")


class TickerRepeater:
    def __init__(self, builder: Builder, hub: Hub, transactions: Transactions) -> None:
        self.builder = builder
        self.hub = hub
        self.transactions = transactions
        self._tickers = [
            (pair.code, channel.id)
            for pair in builder.exchange.pairs.values()
            if (channel := builder.channels.of_pair("ticker", pair)) is not None
        ]
        #: Rounds that published at least one ticker (for tests and diagnostics).
        self.rounds = 0

    async def once(self) -> int:
        """Publish the ticker of every pair with subscribers now; how many were published."""
        codes = [code for code, channel in self._tickers if self.hub.wants(channel)]
        if not codes:
            return 0

        def read(tx: Tx) -> Snapshot:
            best = {code: (book.best(tx, code, "bid"), book.best(tx, code, "ask")) for code in codes}
            return Snapshot({}, best, tx.now_us)

        snap = await self.transactions.run(read, write=False)
        messages = self.builder.tickers(codes, snap, self.hub.wants)
        self.hub.publish(messages)
        self.rounds += 1
        return len(messages)

    async def run(self, interval: float) -> None:
        """Every `interval` seconds until cancelled; a failed round is logged, the next one runs."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due += interval
            await asyncio.sleep(max(0.0, due - loop.time()))
            try:
                await self.once()
            except Exception:
                log.exception("repeating the tickers failed")
            due = max(due, loop.time() - interval)  # a late round does not cause a burst
