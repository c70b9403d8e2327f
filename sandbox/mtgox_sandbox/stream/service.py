"""What a stream session needs of its exchange: the channel table, the hub of subscribers, the
private channels behind idkeys, signed calls answered through the API's dispatcher, and the
faults that end connections (api/faults.py): `drop-stream` closes the connections it covers
(by their path, or by the account whose private channel they follow) when it is added and
those that open or subscribe while it lasts; `maintenance` closes every one it covers.

One per exchange (server/services.py): a fresh exchange starts with no subscribers.
"""

from __future__ import annotations

from typing import Any

from mtgox_catalogue.model import Stream

from ..api.dispatch import Dispatcher
from ..api.faults import Fault
from ..core import idkey
from ..core.db import Transactions
from . import calls
from .channels import Channels
from .hub import Hub, Subscriber


class StreamService:
    def __init__(self, spec: Stream, hub: Hub, dispatcher: Dispatcher, transactions: Transactions) -> None:
        self.stream = spec
        self.channels = Channels(spec)
        self.hub = hub
        self.dispatcher = dispatcher
        self.transactions = transactions
        #: The traded item ("BTC"): `trade.BTC`, `ticker.BTCUSD`...
        self.item = dispatcher.exchange.item
        self.faults = dispatcher.faults
        #: Connections closed by a fault (for tests and diagnostics).
        self.dropped = 0
        if self.faults is not None:
            self.faults.on_add.append(self._fault_added)

    def _fault_added(self, fault: Fault) -> None:
        if fault.kind in ("drop-stream", "maintenance"):
            for sub in tuple(self.hub.subscribers):
                self.drop_if_faulted(sub)

    def drop_if_faulted(self, sub: Subscriber) -> bool:
        """Close `sub` when a drop-stream (counting a hit) or maintenance fault covers it."""
        faults = self.faults
        if faults is None or sub.ended.is_set():
            return False
        paths, channels = (sub.path,), tuple(sub.channels)
        found = faults.find(("drop-stream",), paths, channels=channels) or faults.find(
            ("maintenance",), paths, channels=channels, hit=False
        )
        if found is None:
            return False
        self.dropped += 1
        self.hub.end(sub)
        return True

    async def private_channel(self, key: str) -> str | None:
        """The account channel an idkey opens, or None (bad, forged or expired)."""
        lifetime = self.stream.idkey_lifetime_s
        return await self.transactions.run(lambda tx: idkey.verify(tx, key.strip(), lifetime), write=False)

    async def call(self, message: dict[str, Any]) -> dict[str, Any]:
        """A signed call's answer: `op: result`, or a remark."""
        return await calls.run(self.dispatcher, self.stream, message)
