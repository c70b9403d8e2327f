"""Everything one exchange runs on, made together and replaced together (a per-test reset):
its domain (core), its database worker, its dispatcher, and its stream (hub, publisher,
sessions' service, PubNub's long-poll). Nothing outlives the exchange that a fresh one could inherit by mistake.
"""

from __future__ import annotations

from pathlib import Path

from mtgox_catalogue.model import Catalogue

from ..api.dispatch import Dispatcher
from ..core.clock import WALL, Clock
from ..core.db import Synchronous
from ..core.exchange import Exchange
from ..stream.hub import Hub
from ..stream.messages import Builder
from ..stream.publisher import Publisher
from ..stream.pubnub import PubNubService
from ..stream.repeater import TickerRepeater
from ..stream.service import StreamService
from .worker import Worker


class Services:
    def __init__(
        self, catalogue: Catalogue, db_path: str | Path, *, synchronous: Synchronous = "NORMAL", clock: Clock = WALL
    ) -> None:
        self.catalogue = catalogue
        self.exchange = Exchange(catalogue)
        self.worker = Worker(db_path, synchronous, clock)
        self.dispatcher = Dispatcher(catalogue, self.exchange, self.worker)
        #: The exchange's subscribers: a fresh exchange starts with none.
        self.hub = Hub()
        self.stream: StreamService | None = None
        self.publisher: Publisher | None = None
        #: Each subscribed pair's ticker, repeated (started by the app when asked: app.py).
        self.tickers: TickerRepeater | None = None
        #: PubNub's subscribe long-poll, when the catalogue describes it.
        self.pubnub: PubNubService | None = None
        self.worker.hooks.append(self.exchange.tickers)
        if catalogue.stream is not None:
            self.stream = StreamService(catalogue.stream, self.hub, self.dispatcher, self.worker)
            builder = Builder(self.exchange, self.stream.channels)
            self.publisher = Publisher(builder, self.hub)
            self.tickers = TickerRepeater(builder, self.hub, self.worker)
            self.worker.hooks.append(self.publisher)
            pubnub = catalogue.stream.transports.pubnub
            if pubnub is not None:
                self.pubnub = PubNubService(pubnub, self.stream.channels, self.hub, self.worker)

    async def start(self) -> None:
        await self.worker.start()
        await self.worker.run(self.exchange.tickers.load, write=False)

    async def stop(self) -> None:
        if self.pubnub is not None:
            self.pubnub.close()  # waiting long-polls answer now
        self.hub.end_all()  # open streams end with their exchange
        await self.worker.stop()
