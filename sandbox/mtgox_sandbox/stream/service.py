"""What a stream session needs of its exchange: the channel table, the hub of subscribers, the
private channels behind idkeys, and signed calls answered through the API's dispatcher.

One per exchange (server/services.py): a fresh exchange starts with no subscribers.
"""

from __future__ import annotations

from typing import Any

from mtgox_catalogue.model import Stream

from ..api.dispatch import Dispatcher
from ..core import idkey
from ..core.db import Transactions
from . import calls
from .channels import Channels
from .hub import Hub


class StreamService:
    def __init__(self, spec: Stream, hub: Hub, dispatcher: Dispatcher, transactions: Transactions) -> None:
        self.stream = spec
        self.channels = Channels(spec)
        self.hub = hub
        self.dispatcher = dispatcher
        self.transactions = transactions
        #: The traded item ("BTC"): `trade.BTC`, `ticker.BTCUSD`...
        self.item = dispatcher.exchange.item

    async def private_channel(self, key: str) -> str | None:
        """The account channel an idkey opens, or None (bad, forged or expired)."""
        lifetime = self.stream.idkey_lifetime_s
        return await self.transactions.run(lambda tx: idkey.verify(tx, key.strip(), lifetime), write=False)

    async def call(self, message: dict[str, Any]) -> dict[str, Any]:
        """A signed call's answer: `op: result`, or a remark."""
        return await calls.run(self.dispatcher, self.stream, message)
