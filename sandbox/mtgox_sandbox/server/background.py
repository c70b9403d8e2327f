"""Jobs that run beside a serving exchange: the market maker re-quoting its ladder (but on a pair
a replay drives: server/scenario.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from functools import partial

from ..core.marketmaker import DEFAULT_LADDER, Ladder, seed
from .app import App, Background

log = logging.getLogger("mtgox_sandbox")


def market_maker(pairs: Iterable[str], interval: float = 5.0, ladder: Ladder = DEFAULT_LADDER) -> Background:
    """A job for `App(background=[...])`: re-quote `pairs` every `interval` seconds."""
    codes = tuple(pairs)

    async def run(app: App) -> None:
        exchange = app.services.exchange
        scenario = app.services.scenario
        while True:
            # a pair a replay drives has the replay's own book around its tape
            mine = tuple(code for code in codes if not scenario.replaying(code))
            try:
                if mine:
                    await app.services.worker.run(partial(seed, ex=exchange, pairs=mine, ladder=ladder, force=False))
            except Exception:
                log.exception("the market maker failed to quote")
            await asyncio.sleep(interval)

    return run
