"""Jobs that run beside a serving exchange: the market maker re-quoting its ladder."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from ..core.marketmaker import DEFAULT_LADDER, Ladder, seed
from .app import App, Background

log = logging.getLogger("mtgox_sandbox")


def market_maker(pairs: Iterable[str], interval: float = 5.0, ladder: Ladder = DEFAULT_LADDER) -> Background:
    """A job for `App(background=[...])`: re-quote `pairs` every `interval` seconds."""
    codes = tuple(pairs)

    async def run(app: App) -> None:
        exchange = app.services.exchange
        while True:
            try:
                await app.services.worker.run(lambda tx: seed(tx, exchange, codes, ladder, force=False))
            except Exception:
                log.exception("the market maker failed to quote")
            await asyncio.sleep(interval)

    return run
