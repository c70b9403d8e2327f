"""The stream inside the app: the recorder the database worker calls, the hub, the transports.

The hub (the subscribers) hangs on the exchange object (`exchange.hub`), so whatever replaces
the exchange (a per-test reset) drops every subscriber with it; this service always looks it
up there.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mtgox_catalogue.model import Endpoint, Stream

from ..db import Tx
from ..handlers import handler_for
from ..handlers.market import ticker
from . import idkey
from .channels import Channels
from .hub import Hub
from .messages import Builder, Outgoing

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger("mtgox_sandbox.stream")


def _ticker_endpoint(app: App) -> Endpoint | None:
    """The v2 ticker endpoint: stream tickers are what it answers."""
    for endpoint in app.catalogue.endpoints:
        if endpoint.version.key == "v2" and handler_for(endpoint) is ticker:
            return endpoint
    return None


class StreamService:
    def __init__(self, app: App, stream: Stream) -> None:
        self.app = app
        self.stream = stream
        self.channels = Channels(stream)
        self._ticker_endpoint = _ticker_endpoint(app)
        self._builders: dict[int, Builder] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    @property
    def hub(self) -> Hub:
        return self.app.exchange.hub

    @property
    def item(self) -> str:
        return self.app.exchange.item

    def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    # -- the database worker's recorder ------------------------------------------------------

    def begin(self) -> list[Any] | None:
        return [] if self.hub.active else None

    def finish(self, tx: Tx) -> Callable[[], None] | None:
        exchange = self.app.exchange
        builder = self._builders.get(id(exchange))
        if builder is None or builder.exchange is not exchange:
            builder = Builder(exchange, self.channels, self._ticker_endpoint)
            self._builders = {id(exchange): builder}
        assert tx.events is not None
        try:
            messages = builder.build(tx, tx.events, exchange.hub.wants)
        except Exception:  # the stream must never cost the exchange a request
            log.exception("building stream messages failed")
            return None
        loop, hub, loop_thread = self.loop, exchange.hub, self._loop_thread
        if not messages or loop is None:
            return None

        def publish() -> None:
            # before the request's answer: a stream call's subscriber sees its depth, then its result
            if threading.get_ident() == loop_thread:
                hub.publish(messages)
            else:
                loop.call_soon_threadsafe(hub.publish, messages)

        return publish

    # -- private channels --------------------------------------------------------------------

    async def private_channel(self, key: str) -> str | None:
        lifetime = self.stream.idkey_lifetime_s
        return await self.app.db.run(lambda tx: idkey.verify(tx, key.strip(), lifetime), write=False)


__all__ = ["Outgoing", "StreamService"]
