"""The composition root: an exchange's services (services.py) wired to the web adapters behind
one mount table (web/mount.py: the API, the stream, the dashboard, the control surface), under
the fault injection and request limits middleware, with the ASGI lifespan.

`App(catalogue, db_path)` is an ASGI 3 application (http, websocket, lifespan). Nothing in the
layers below imports this module. Its options (options.py) set Mt. Gox's public cache and how
often each subscribed pair's ticker is repeated (stream/repeater.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from mtgox_catalogue.model import Catalogue

from ..api.requests import ApiRequests
from ..api.routing import Router
from ..core.clock import ExchangeClock
from ..core.db import Synchronous
from ..stream.socketio import SocketIoSessions
from ..web.api import ApiApp
from ..web.control import PREFIX as CONTROL_PREFIX
from ..web.control import Control
from ..web.dashboard import PREFIX, Dashboard
from ..web.faults import FaultInjection
from ..web.limits import Limits
from ..web.middleware import RequestLimits
from ..web.mount import BOTH, HTTP, WEBSOCKET, Mount, Mounts
from ..web.public_cache import PublicCache
from ..web.pubnub import PubNubApp
from ..web.socketio import SocketIoApp
from ..web.types import ASGIApp, Receive, Scope, Send
from ..web.websocket import WebSocketApp
from .lifespan import lifespan
from .options import ExchangeOptions
from .scenario import ReplayRequest
from .services import Services

log = logging.getLogger("mtgox_sandbox")

#: A job that runs beside the exchange while it serves (the market maker): started at start-up,
#: cancelled at shutdown.
Background = Callable[["App"], Coroutine[Any, Any, None]]


class App:
    def __init__(
        self,
        catalogue: Catalogue,
        db_path: str | Path,
        *,
        synchronous: Synchronous = "NORMAL",
        background: list[Background] | None = None,
        limits: Limits | None = None,
        clock: ExchangeClock | None = None,
        replay: ReplayRequest | None = None,
        options: ExchangeOptions | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.options = options or ExchangeOptions()
        #: Body and header limits (the connection-level ones are the server's: web/limits.py).
        self.limits = limits or Limits()
        self.services = Services(catalogue, db_path, synchronous=synchronous, clock=clock, replay=replay)
        self.router = Router(catalogue)
        services = self.services
        requests = ApiRequests(catalogue, self.router)
        api = ApiApp(requests, services.dispatcher, self.limits.max_body_bytes)
        public: ASGIApp = api
        if self.options.public_cache_s > 0:  # on the exchange's clock, as everything it answers
            clock_s = services.clock.now_us
            public = PublicCache(api, self.options.public_cache_s, clock=lambda: clock_s() / 1_000_000)
        mounts = [Mount(public, HTTP, prefix="/api/")]
        if services.stream is not None:
            spec = services.stream.stream
            sessions = SocketIoSessions(spec.transports.socketio)
            mounts.append(
                Mount(
                    SocketIoApp(services.stream, sessions),
                    BOTH,
                    prefix=sessions.path + "/",
                    paths=frozenset({sessions.path}),
                )
            )
            mounts.append(
                Mount(WebSocketApp(services.stream), WEBSOCKET, paths=frozenset(spec.transports.websocket_paths))
            )
        if services.pubnub is not None:
            pubnub = PubNubApp(services.pubnub)
            mounts += [Mount(pubnub, HTTP, prefix=prefix) for prefix in pubnub.prefixes]
        #: The web page at `/` and its `/_dashboard/` endpoints.
        self.dashboard = Dashboard(services.exchange, self.router, services.worker, stream=services.stream is not None)
        mounts.append(Mount(self.dashboard, HTTP, prefix=PREFIX, paths=frozenset({"/"}), accepts=self.dashboard.serves))
        #: Faults, the clock and replays, for this machine only (`/_sandbox/`).
        self.control = Control(services.faults, services.scenario, services.worker)
        mounts.append(Mount(self.control, HTTP, prefix=CONTROL_PREFIX, paths=frozenset({CONTROL_PREFIX.rstrip("/")})))
        routed = FaultInjection(Mounts(mounts, fallback=api), services.faults, requests)
        self._asgi = RequestLimits(routed, self.limits.max_header_bytes)
        self._background = list(background or [])
        if self.options.ticker_interval_s > 0 and services.ticker_repeater is not None:
            repeater, every = services.ticker_repeater, self.options.ticker_interval_s
            self._background.append(lambda _app: repeater.run(every))
        self._tasks: list[asyncio.Task[None]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send, self.startup, self.shutdown)
        else:
            await self._asgi(scope, receive, send)

    async def startup(self) -> None:
        await self.services.start()
        for job in self._background:
            self._tasks.append(asyncio.create_task(job(self)))

    async def shutdown(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("background task failed")
        await self.services.stop()
