"""Everything one exchange runs on, made together and replaced together (a per-test reset):
its domain (core), its clock, its database worker, its faults and dispatcher, its stream (hub,
publisher, sessions' service, the ticker repeater, PubNub's long-poll) and its scenario (the
clock's driver, replays: scenario.py). Nothing outlives the exchange that a fresh one could
inherit by mistake.
"""

from __future__ import annotations

from pathlib import Path

from mtgox_catalogue.model import Catalogue

from ..api.dispatch import Dispatcher
from ..api.faults import Faults
from ..core.clock import ExchangeClock
from ..core.db import Synchronous
from ..core.exchange import Exchange
from ..stream.hub import Hub
from ..stream.messages import Builder
from ..stream.publisher import Publisher
from ..stream.pubnub import PubNubService
from ..stream.repeater import TickerRepeater
from ..stream.service import StreamService
from .scenario import ReplayRequest, Scenario
from .worker import Worker


class Services:
    def __init__(
        self,
        catalogue: Catalogue,
        db_path: str | Path,
        *,
        synchronous: Synchronous = "NORMAL",
        clock: ExchangeClock | None = None,
        replay: ReplayRequest | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.exchange = Exchange(catalogue)
        #: The exchange's one clock: the wall's until a replay or a test sets it (and a restart
        #: takes the one the database holds).
        self.clock = clock or ExchangeClock()
        self.worker = Worker(db_path, synchronous, self.clock)
        self.faults = Faults(self.clock)
        self.dispatcher = Dispatcher(catalogue, self.exchange, self.worker, self.faults)
        self.scenario = Scenario(self.exchange, self.worker, self.faults, self.clock, replay_at_start=replay)
        #: The exchange's subscribers: a fresh exchange starts with none.
        self.hub = Hub()
        self.stream: StreamService | None = None
        self.publisher: Publisher | None = None
        #: Each subscribed pair's ticker, repeated (started by the app when asked: app.py).
        self.ticker_repeater: TickerRepeater | None = None
        #: PubNub's subscribe long-poll, when the catalogue describes it.
        self.pubnub: PubNubService | None = None
        self.worker.hooks.append(self.exchange.tickers)
        if catalogue.stream is not None:
            self.stream = StreamService(catalogue.stream, self.hub, self.dispatcher, self.worker)
            builder = Builder(self.exchange, self.stream.channels)
            self.publisher = Publisher(builder, self.hub)
            self.ticker_repeater = TickerRepeater(builder, self.hub, self.worker)
            self.worker.hooks.append(self.publisher)
            pubnub = catalogue.stream.transports.pubnub
            if pubnub is not None:
                self.pubnub = PubNubService(pubnub, self.stream.channels, self.hub, self.worker)

    async def start(self) -> None:
        await self.worker.start()
        await self.scenario.restore()  # the clock first: the ticker windows are the last 24 hours of it
        await self.worker.run(self.exchange.tickers.load, write=False)
        await self.scenario.start()

    async def stop(self) -> None:
        await self.scenario.stop()
        if self.pubnub is not None:
            self.pubnub.close()  # waiting long-polls answer now
        self.hub.end_all()  # open streams end with their exchange
        await self.worker.stop()
